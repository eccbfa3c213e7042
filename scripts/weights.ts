// Downloads the official SimCLR v2 ResNet-50 (1x) and MAE ViT-B/16 checkpoints and converts
// them to the TF.js weights cache under dataDir()/weights/. Run with `npm run weights`.
import { MAE_VIT_BASE, SIMCLR_V2_R50_1X, prepareMae, prepareSimclr, weightsDir } from "../lib/checkpoints/pretrained";

const HELP = `Usage: npm run weights -- [options]

Downloads and converts the pretrained encoders into ${weightsDir()}/
(the cache folder follows HW5_DATA_DIR).

Options:
  --simclr PATH      use a local SimCLR v2 r50_1x_sk0 checkpoint: its folder, its prefix
                     (.../model.ckpt-250228) or its .index file (the .data file must be beside it)
  --mae PATH         use a local mae_pretrain_vit_base.pth
  --only NAME        prepare only "simclr" or "mae"
  --simclr-url URL   folder URL to download the SimCLR files from instead of the official one
  --mae-url URL      folder URL to download the MAE file from instead of the official one
  --ema              convert SimCLR's ema_model/ copy instead of base_model/
  --force            reconvert even if the cache exists (HW5_RETRAIN=1 does the same)
  --help             show this text

Official sources:
${[...SIMCLR_V2_R50_1X.files, ...MAE_VIT_BASE.files].map((f) => `  ${f.url}`).join("\n")}
Files are also looked up in HW5_DATA_MIRRORS folders and in ${weightsDir()}/downloads/.`;

interface Arguments {
  simclr?: string;
  mae?: string;
  only?: "simclr" | "mae";
  simclrUrl?: string;
  maeUrl?: string;
  ema: boolean;
  force: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = { ema: false, force: process.env.HW5_RETRAIN === "1" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${flag} needs a value; see --help.`);
      return next;
    };
    if (flag === "--help") {
      console.log(HELP);
      process.exit(0);
    } else if (flag === "--simclr") args.simclr = value();
    else if (flag === "--mae") args.mae = value();
    else if (flag === "--simclr-url") args.simclrUrl = value();
    else if (flag === "--mae-url") args.maeUrl = value();
    else if (flag === "--ema") args.ema = true;
    else if (flag === "--force") args.force = true;
    else if (flag === "--only") {
      const name = value();
      if (name !== "simclr" && name !== "mae") throw new Error(`--only ${name}: use "simclr" or "mae".`);
      args.only = name;
    } else throw new Error(`Unknown option ${flag}; see --help.`);
  }
  return args;
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const log = (line: string): void => console.log(line);
  const jobs: [string, () => Promise<string>][] = [];
  if (args.only !== "mae") {
    jobs.push([
      "SimCLR v2 ResNet-50 (1x)",
      () =>
        prepareSimclr({
          localPath: args.simclr,
          baseUrl: args.simclrUrl,
          variablePrefix: args.ema ? "ema_model/" : "base_model/",
          force: args.force,
          log,
        }),
    ]);
  }
  if (args.only !== "simclr") {
    jobs.push(["MAE ViT-B/16", () => prepareMae({ localPath: args.mae, baseUrl: args.maeUrl, force: args.force, log })]);
  }

  let failures = 0;
  for (const [label, job] of jobs) {
    try {
      console.log(`${label}: cached in ${await job()}`);
    } catch (error) {
      failures++;
      console.error(`${label}: ${(error as Error).message}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));

/** Description of the machine and software versions for the benchmark page. */
import * as fs from "fs";
import * as os from "os";

export interface MachineInfo {
  /** "model name" of /proc/cpuinfo (os.cpus() where that is unreadable). */
  cpuModel: string;
  /** CPU flags relevant to the kernels: the AVX and FMA families that /proc/cpuinfo lists. */
  vectorFlags: string[];
  logicalCores: number;
  memoryGiB: number;
  os: string;
  node: string;
  tfjs: string;
}

function cpuInfoField(text: string, field: string): string | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(field));
  return line?.split(":").slice(1).join(":").trim();
}

export function machineInfo(): MachineInfo {
  let cpuInfo = "";
  try {
    cpuInfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // Not Linux: os.cpus() below names the model.
  }
  const flags = (cpuInfoField(cpuInfo, "flags") ?? "").split(" ");
  const tfjsPackage = require("@tensorflow/tfjs/package.json") as { version: string };
  return {
    cpuModel: cpuInfoField(cpuInfo, "model name") ?? os.cpus()[0]?.model ?? "unknown",
    vectorFlags: flags.filter((flag) => /^(avx|avx2|avx512f|avx512_vnni|fma)$/.test(flag)),
    logicalCores: os.availableParallelism(),
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    tfjs: tfjsPackage.version,
  };
}

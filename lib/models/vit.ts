/**
 * Vision Transformer encoder with the timm parameter names used by MAE checkpoints
 * (facebookresearch/mae, models_vit.py). A patch-embedding conv, a class token and position
 * embeddings feed pre-norm blocks (LayerNorm eps 1e-6, multi-head self-attention, MLP with exact
 * erf GELU). There are two outputs: the class token after `norm`, and the mean of the patch
 * tokens after `fc_norm` (MAE's fine-tuning head input). Forward inference only.
 *
 * Inputs are RGB images [N, H, W, 3]; MAE normalizes them with the ImageNet mean and std
 * ({@link IMAGENET_MEAN}, {@link IMAGENET_STD}) before the encoder. H and W must be multiples of
 * the patch size; other sizes than the checkpoint's use bicubically resized position embeddings.
 */
import * as tf from "@tensorflow/tfjs";
import { CheckpointTensor, Float32Tensor, WeightMap, toFloat32 } from "../checkpoints/tensor";
import { TensorSpec, checkTensorSet } from "../checkpoints/validate";

export interface VitConfig {
  /** Training resolution; the position embeddings hold (imageSize / patchSize)^2 + 1 rows. */
  imageSize: number;
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  /** Hidden width of the MLP divided by embedDim. */
  mlpRatio: number;
}

/** ViT-B/16 as in mae_pretrain_vit_base.pth: about 86M parameters. */
export const VIT_B16: VitConfig = { imageSize: 224, patchSize: 16, embedDim: 768, depth: 12, numHeads: 12, mlpRatio: 4 };

export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

const LN_EPSILON = 1e-6;
const LINEAR_LAYERS = ["attn.qkv", "attn.proj", "mlp.fc1", "mlp.fc2"] as const;
const BLOCK_NORMS = ["norm1", "norm2"] as const;
/** Checkpoint keys that belong to a classifier, not to the encoder. */
const IGNORED_KEYS = /^head\.(weight|bias)$/;

function gridSize(config: VitConfig): number {
  if (config.imageSize % config.patchSize !== 0) {
    throw new Error(`Image size ${config.imageSize} is not a multiple of patch size ${config.patchSize}.`);
  }
  return config.imageSize / config.patchSize;
}

function linearShapes(config: VitConfig): Record<(typeof LINEAR_LAYERS)[number], [number, number]> {
  const d = config.embedDim;
  const hidden = Math.round(d * config.mlpRatio);
  // [out, in] as torch.nn.Linear stores them.
  return { "attn.qkv": [3 * d, d], "attn.proj": [d, d], "mlp.fc1": [hidden, d], "mlp.fc2": [d, hidden] };
}

/**
 * Expected checkpoint keys and shapes in timm layout (patch conv OIHW, linear weights
 * [out, in]). `fc_norm` is listed separately because MAE pretraining checkpoints lack it.
 */
export function maeVitSpecs(config: VitConfig = VIT_B16): { required: TensorSpec[]; optional: TensorSpec[] } {
  const d = config.embedDim;
  const p = config.patchSize;
  const g = gridSize(config);
  const required: TensorSpec[] = [
    { name: "cls_token", shape: [1, 1, d] },
    { name: "pos_embed", shape: [1, g * g + 1, d] },
    { name: "patch_embed.proj.weight", shape: [d, 3, p, p] },
    { name: "patch_embed.proj.bias", shape: [d] },
  ];
  const linears = linearShapes(config);
  for (let i = 0; i < config.depth; i++) {
    for (const layer of ["norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"] as const) {
      const name = `blocks.${i}.${layer}`;
      if (layer === "norm1" || layer === "norm2") {
        required.push({ name: `${name}.weight`, shape: [d] }, { name: `${name}.bias`, shape: [d] });
      } else {
        const [out, inp] = linears[layer];
        required.push({ name: `${name}.weight`, shape: [out, inp] }, { name: `${name}.bias`, shape: [out] });
      }
    }
  }
  required.push({ name: "norm.weight", shape: [d] }, { name: "norm.bias", shape: [d] });
  const optional = [
    { name: "fc_norm.weight", shape: [d] },
    { name: "fc_norm.bias", shape: [d] },
  ];
  return { required, optional };
}

/** Result of {@link maeVitWeights}: weights in TF.js layout and the keys it had to initialize. */
export interface VitWeights {
  weights: WeightMap;
  /** Keys absent from the checkpoint and initialized as MAE fine-tuning does (fc_norm = identity). */
  initialized: string[];
}

/**
 * Converts a timm/MAE state dict to this model's weights: the patch conv OIHW -> HWIO
 * (`patch_embed.proj.kernel`), each linear [out, in] -> [in, out] (`<layer>.kernel`), and
 * everything else unchanged. A missing `fc_norm` is initialized to weight 1, bias 0. A
 * classifier `head.*` is ignored. Throws naming the first missing, mis-shaped or unexpected key.
 */
export function maeVitWeights(
  tensors: ReadonlyMap<string, CheckpointTensor>,
  config: VitConfig = VIT_B16,
  source = "MAE checkpoint",
): VitWeights {
  const { required, optional } = maeVitSpecs(config);
  const hasFcNorm = tensors.has("fc_norm.weight") || tensors.has("fc_norm.bias");
  checkTensorSet(source, hasFcNorm ? [...required, ...optional] : required, tensors, (name) => IGNORED_KEYS.test(name));

  const weights: WeightMap = new Map();
  const initialized: string[] = [];
  const float = (name: string): Float32Array => toFloat32(name, tensors.get(name) as CheckpointTensor);
  for (const spec of required) {
    const data = float(spec.name);
    if (spec.name === "patch_embed.proj.weight") {
      weights.set("patch_embed.proj.kernel", oihwToHwio(data, spec.shape));
    } else if (spec.shape.length === 2 && spec.name.endsWith(".weight")) {
      weights.set(spec.name.replace(/\.weight$/, ".kernel"), transpose2d(data, spec.shape[0], spec.shape[1]));
    } else {
      weights.set(spec.name, { shape: [...spec.shape], data });
    }
  }
  for (const spec of optional) {
    if (hasFcNorm) {
      weights.set(spec.name, { shape: [...spec.shape], data: float(spec.name) });
    } else {
      const fill = spec.name.endsWith(".weight") ? 1 : 0;
      weights.set(spec.name, { shape: [...spec.shape], data: new Float32Array(config.embedDim).fill(fill) });
      initialized.push(spec.name);
    }
  }
  return { weights, initialized };
}

/** Names and shapes of {@link maeVitWeights}' output, in TF.js layout. */
export function vitWeightSpecs(config: VitConfig): TensorSpec[] {
  const { required, optional } = maeVitSpecs(config);
  return [...required, ...optional].map((spec) => {
    if (spec.name === "patch_embed.proj.weight") {
      const [o, i, h, w] = spec.shape;
      return { name: "patch_embed.proj.kernel", shape: [h, w, i, o] };
    }
    if (spec.shape.length === 2 && spec.name.endsWith(".weight")) {
      return { name: spec.name.replace(/\.weight$/, ".kernel"), shape: [spec.shape[1], spec.shape[0]] };
    }
    return spec;
  });
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Tensor {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return { shape: [cols, rows], data: out };
}

function oihwToHwio(data: Float32Array, shape: number[]): Float32Tensor {
  const [o, i, h, w] = shape;
  const out = new Float32Array(data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x];
  return { shape: [h, w, i, o], data: out };
}

/**
 * Resizes the patch rows of a position embedding [1, 1 + g*g, D] to a gh x gw grid with
 * PyTorch's bicubic interpolation (cubic coefficient -0.75, align_corners=False, border
 * replication), keeping the class-token row, as MAE's interpolate_pos_embed does.
 */
export function interpolatePosEmbed(posEmbed: Float32Tensor, gridHeight: number, gridWidth: number): Float32Tensor {
  const [, rows, dim] = posEmbed.shape;
  const side = Math.round(Math.sqrt(rows - 1));
  if (side * side !== rows - 1) throw new Error(`Position embedding with ${rows - 1} patch rows is not a square grid.`);
  const out = new Float32Array((1 + gridHeight * gridWidth) * dim);
  out.set(posEmbed.data.subarray(0, dim));
  const ys = cubicTaps(side, gridHeight);
  const xs = cubicTaps(side, gridWidth);
  const acc = new Float64Array(dim);
  for (let oy = 0; oy < gridHeight; oy++) {
    for (let ox = 0; ox < gridWidth; ox++) {
      acc.fill(0);
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          const weight = ys.weights[oy * 4 + a] * xs.weights[ox * 4 + b];
          const row = 1 + ys.index[oy * 4 + a] * side + xs.index[ox * 4 + b];
          for (let c = 0; c < dim; c++) acc[c] += weight * posEmbed.data[row * dim + c];
        }
      }
      out.set(acc, (1 + oy * gridWidth + ox) * dim);
    }
  }
  return { shape: [1, 1 + gridHeight * gridWidth, dim], data: out };
}

/** Four source indices (clamped) and cubic-convolution weights per output position. */
function cubicTaps(inSize: number, outSize: number): { index: Int32Array; weights: Float64Array } {
  const A = -0.75;
  const index = new Int32Array(outSize * 4);
  const weights = new Float64Array(outSize * 4);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const source = (o + 0.5) * scale - 0.5;
    const base = Math.floor(source);
    const t = source - base;
    const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1;
    const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    const w = [far(t + 1), near(t), near(1 - t), far(2 - t)];
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weights[o * 4 + k] = w[k];
    }
  }
  return { index, weights };
}

/** Encoder outputs for a batch. */
export interface VitOutputs {
  /** Class token after the final `norm`: [N, D] (MAE's linear-probe feature). */
  cls: tf.Tensor2D;
  /** Mean of the patch tokens after `fc_norm`: [N, D] (MAE's fine-tuning feature). */
  pooled: tf.Tensor2D;
}

/** A ViT encoder with its weights on the active TF.js backend. */
export class VisionTransformer {
  private readonly params = new Map<string, tf.Tensor>();
  private readonly posEmbedSource: Float32Tensor;
  private readonly posEmbedByGrid = new Map<string, tf.Tensor3D>();

  /**
   * Builds the encoder from weights in TF.js layout (the `weights` of {@link maeVitWeights}).
   * Throws naming the first missing, mis-shaped or unexpected tensor.
   */
  constructor(
    readonly config: VitConfig,
    weights: WeightMap,
  ) {
    if (config.embedDim % config.numHeads !== 0) {
      throw new Error(`embedDim ${config.embedDim} is not divisible by numHeads ${config.numHeads}.`);
    }
    checkTensorSet("ViT weights", vitWeightSpecs(config), weights);
    for (const [name, w] of weights) this.params.set(name, tf.tensor(w.data, w.shape, "float32"));
    this.posEmbedSource = weights.get("pos_embed") as Float32Tensor;
    const g = gridSize(config);
    this.posEmbedByGrid.set(`${g}x${g}`, this.params.get("pos_embed") as tf.Tensor3D);
  }

  /** Runs the encoder on images [N, H, W, 3] (normalized as the checkpoint expects). */
  forward(images: tf.Tensor4D): VitOutputs {
    const [n, height, width, channels] = images.shape;
    const p = this.config.patchSize;
    if (channels !== 3 || height % p !== 0 || width % p !== 0) {
      throw new Error(`VisionTransformer expects [N, H, W, 3] with H and W multiples of ${p}, got [${images.shape.join(", ")}].`);
    }
    const d = this.config.embedDim;
    const posEmbed = this.positionEmbedding(height / p, width / p);
    return tf.tidy(() => {
      // Patch embedding: [N, H/p, W/p, D] -> tokens [N, T, D].
      const patches = tf.conv2d(images, this.param("patch_embed.proj.kernel") as tf.Tensor4D, p, "valid");
      const tokens = tf.reshape(tf.add(patches, this.param("patch_embed.proj.bias")), [n, -1, d]);
      const cls = tf.tile(this.param("cls_token"), [n, 1, 1]);
      let x = tf.add(tf.concat([cls, tokens], 1), posEmbed) as tf.Tensor3D;

      for (let i = 0; i < this.config.depth; i++) {
        const prefix = `blocks.${i}.`;
        x = tf.add(x, this.attention(this.layerNorm(x, `${prefix}norm1`), prefix));
        const hidden = gelu(this.linear(this.layerNorm(x, `${prefix}norm2`), `${prefix}mlp.fc1`));
        x = tf.add(x, this.linear(hidden, `${prefix}mlp.fc2`));
      }

      const tokenCount = x.shape[1];
      const clsOut = tf.reshape(tf.slice(this.layerNorm(x, "norm"), [0, 0, 0], [n, 1, d]), [n, d]) as tf.Tensor2D;
      const patchMean = tf.mean(tf.slice(x, [0, 1, 0], [n, tokenCount - 1, d]), 1);
      const pooled = this.layerNorm(patchMean, "fc_norm") as tf.Tensor2D;
      return { cls: clsOut, pooled };
    });
  }

  /** Releases the weight tensors and cached position embeddings. */
  dispose(): void {
    for (const t of this.posEmbedByGrid.values()) t.dispose();
    for (const [name, t] of this.params) if (name !== "pos_embed") t.dispose();
    this.posEmbedByGrid.clear();
  }

  private param(name: string): tf.Tensor {
    const value = this.params.get(name);
    if (!value) throw new Error(`ViT parameter "${name}" not found.`);
    return value;
  }

  /** Position embedding for a gh x gw grid, interpolated once per grid and cached. */
  private positionEmbedding(gridHeight: number, gridWidth: number): tf.Tensor3D {
    const key = `${gridHeight}x${gridWidth}`;
    let value = this.posEmbedByGrid.get(key);
    if (!value) {
      const resized = interpolatePosEmbed(this.posEmbedSource, gridHeight, gridWidth);
      value = tf.tensor3d(resized.data, resized.shape as [number, number, number]);
      this.posEmbedByGrid.set(key, value);
    }
    return value;
  }

  private layerNorm<T extends tf.Tensor>(x: T, name: string): T {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPSILON)));
    return tf.add(tf.mul(normalized, this.param(`${name}.weight`)), this.param(`${name}.bias`)) as T;
  }

  /** x [N, T, in] @ kernel [in, out] + bias. */
  private linear(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const [n, t, inputs] = x.shape;
    const kernel = this.param(`${name}.kernel`) as tf.Tensor2D;
    const y = tf.add(tf.matMul(tf.reshape(x, [n * t, inputs]), kernel), this.param(`${name}.bias`));
    return tf.reshape(y, [n, t, kernel.shape[1]]);
  }

  private attention(x: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [n, t, d] = x.shape;
    const heads = this.config.numHeads;
    const headDim = d / heads;
    // qkv features are ordered (3, heads, headDim): [N, T, 3H, hd] -> [N, 3H, T, hd].
    const qkv = tf.transpose(tf.reshape(this.linear(x, `${prefix}attn.qkv`), [n, t, 3 * heads, headDim]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
    const context = tf.matMul(tf.softmax(scores), v); // [N, H, T, hd]
    const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [n, t, d]) as tf.Tensor3D;
    return this.linear(merged, `${prefix}attn.proj`);
  }
}

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
function gelu<T extends tf.Tensor>(x: T): T {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
}

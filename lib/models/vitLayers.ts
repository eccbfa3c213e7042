/**
 * Custom tf.layers layers of the trainable Vision Transformer (vitTrainable.ts): the class
 * token with learned position embeddings, multi-head self-attention, and the read-out of the
 * class token. Weights are named and laid out as in vit.ts (timm names, kernels [in, out]).
 */
import * as tf from "@tensorflow/tfjs";

/** Standard deviation of the truncated-normal initial class token and position embeddings (timm). */
const EMBEDDING_INIT_STDDEV = 0.02;

function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return Array.isArray(inputShape[0]) ? (inputShape[0] as tf.Shape) : (inputShape as tf.Shape);
}

/**
 * Prepends a learned class token to the patch tokens and adds learned position embeddings:
 * [B, T, D] -> [B, T + 1, D]. Weights `cls_token` [1, 1, D] and `pos_embed` [1, T + 1, D].
 */
export class ClassTokenEmbedding extends tf.layers.Layer {
  static readonly className = "ClassTokenEmbedding";
  private readonly seed: number;
  private classToken: tf.LayerVariable | undefined;
  private positionEmbedding: tf.LayerVariable | undefined;

  constructor(args: { seed: number; name?: string }) {
    super({ name: args.name });
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, tokens, width] = singleShape(inputShape);
    if (tokens === null || width === null) throw new Error(`ClassTokenEmbedding needs a known token count and width, got [${inputShape}].`);
    const initializer = (offset: number) => tf.initializers.truncatedNormal({ stddev: EMBEDDING_INIT_STDDEV, seed: this.seed + offset });
    this.classToken = this.addWeight("cls_token", [1, 1, width], "float32", initializer(0));
    this.positionEmbedding = this.addWeight("pos_embed", [1, tokens + 1, width], "float32", initializer(1));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, tokens, width] = singleShape(inputShape);
    return [batch, tokens === null ? null : tokens + 1, width];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const patches = singleInput(inputs) as tf.Tensor3D; // [B, T, D]
      const classTokens = tf.tile(this.classToken!.read(), [patches.shape[0], 1, 1]); // [B, 1, D]
      return tf.add(tf.concat([classTokens, patches], 1), this.positionEmbedding!.read()); // [B, T + 1, D]
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(ClassTokenEmbedding);

/** Keeps the class token (token 0): [B, T + 1, D] -> [B, D]. */
export class ClassTokenReadout extends tf.layers.Layer {
  static readonly className = "ClassTokenReadout";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [shape[0], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const tokens = singleInput(inputs) as tf.Tensor3D;
      const [batch, , width] = tokens.shape;
      // tf.slice has a gradient, unlike tf.stridedSlice.
      return tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, width]), [batch, width]);
    });
  }
}
tf.serialization.registerClass(ClassTokenReadout);

/**
 * Multi-head self-attention over tokens [B, T, D] with `numHeads` heads of width D / numHeads:
 * one qkv projection (weights `qkv.kernel` [D, 3D], `qkv.bias` [3D], features ordered as
 * (q|k|v, head, head feature) like timm), scaled dot-product softmax attention, and an output
 * projection (`proj.kernel` [D, D], `proj.bias` [D]).
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static readonly className = "MultiHeadSelfAttention";
  private readonly numHeads: number;
  private readonly seed: number;
  private qkvKernel: tf.LayerVariable | undefined;
  private qkvBias: tf.LayerVariable | undefined;
  private projKernel: tf.LayerVariable | undefined;
  private projBias: tf.LayerVariable | undefined;

  constructor(args: { numHeads: number; seed: number; name?: string }) {
    super({ name: args.name });
    if (!(Number.isInteger(args.numHeads) && args.numHeads >= 1)) {
      throw new Error(`MultiHeadSelfAttention: numHeads must be a positive integer, got ${args.numHeads}.`);
    }
    this.numHeads = args.numHeads;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const width = singleShape(inputShape)[2];
    if (width === null || width % this.numHeads !== 0) {
      throw new Error(`MultiHeadSelfAttention: token width ${width} is not divisible by numHeads ${this.numHeads}.`);
    }
    const glorot = (offset: number) => tf.initializers.glorotUniform({ seed: this.seed + offset });
    this.qkvKernel = this.addWeight("qkv.kernel", [width, 3 * width], "float32", glorot(0));
    this.qkvBias = this.addWeight("qkv.bias", [3 * width], "float32", tf.initializers.zeros());
    this.projKernel = this.addWeight("proj.kernel", [width, width], "float32", glorot(1));
    this.projBias = this.addWeight("proj.bias", [width], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs) as tf.Tensor3D;
      const [batch, tokens, width] = x.shape;
      const heads = this.numHeads;
      const headWidth = width / heads;
      const rows = tf.reshape(x, [batch * tokens, width]);
      const qkv = tf.fused.matMul({ a: rows, b: this.qkvKernel!.read() as tf.Tensor2D, bias: this.qkvBias!.read() }); // [B*T, 3D]
      // [B, T, 3H, hd] -> [B, 3H, T, hd], then q, k, v are [B, H, T, hd] each.
      const byHead = tf.transpose(tf.reshape(qkv, [batch, tokens, 3 * heads, headWidth]), [0, 2, 1, 3]);
      const [q, k, v] = tf.split(byHead, 3, 1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(headWidth)), k, false, true); // [B, H, T, T]
      const context = tf.matMul(tf.softmax(scores), v); // [B, H, T, hd]
      const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * tokens, width]); // [B*T, D]
      const projected = tf.fused.matMul({ a: merged, b: this.projKernel!.read() as tf.Tensor2D, bias: this.projBias!.read() });
      return tf.reshape(projected, [batch, tokens, width]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, seed: this.seed };
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention);

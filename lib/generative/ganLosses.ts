/**
 * GAN objectives on discriminator logits (or critic scores): the non-saturating loss of
 * Goodfellow et al. (2014) with optional one-sided label smoothing, and the Wasserstein loss
 * with gradient penalty (WGAN-GP, Gulrajani et al. 2017, arXiv 1704.00028).
 *
 * The gradient penalty differentiates a gradient. In tfjs 4.22 that works for conv2d,
 * conv2dTranspose, dense layers, relu and arithmetic. It fails for ops whose gradient reuses
 * their saved output (sigmoid, tanh, exp, ...), because their second-order gradient is
 * silently missing. It also fails for tf.leakyRelu, which throws because Greater has no gradient. Critics used
 * with the penalty must therefore stick to the ops in ganNetworks.ts (LeakyReLU written with
 * relu) and must not use batch normalisation.
 */
import * as tf from "@tensorflow/tfjs";

/** Binary cross-entropy with logits, per example: softplus(l) - t * l, stable for large |l|. */
function binaryCrossEntropyWithLogits(logits: tf.Tensor, target: number): tf.Tensor {
  return tf.sub(tf.softplus(logits), tf.mul(target, logits));
}

/**
 * Discriminator loss: mean BCE of real logits against `realTarget` (1, or 0.9 for one-sided
 * label smoothing) plus mean BCE of fake logits against 0. Logits are [B, 1].
 */
export function nonSaturatingDiscriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor, realTarget = 1): tf.Scalar {
  if (!(realTarget > 0.5 && realTarget <= 1)) throw new Error(`realTarget must be in (0.5, 1], got ${realTarget}.`);
  return tf.add(
    tf.mean(binaryCrossEntropyWithLogits(realLogits, realTarget)),
    tf.mean(binaryCrossEntropyWithLogits(fakeLogits, 0)),
  ) as tf.Scalar;
}

/** Non-saturating generator loss -log D(G(z)) = softplus(-logit), averaged over the batch. */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar;
}

/** Wasserstein critic loss mean(f(fake)) - mean(f(real)), without the penalty. */
export function wassersteinCriticLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): tf.Scalar {
  return tf.sub(tf.mean(fakeScores), tf.mean(realScores)) as tf.Scalar;
}

/** Wasserstein generator loss -mean(f(fake)). */
export function wassersteinGeneratorLoss(fakeScores: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(fakeScores)) as tf.Scalar;
}

/**
 * Gradient penalty mean_i (||grad_x f(x_i)||_2 - 1)^2 at the interpolates
 * x_i = alpha_i real_i + (1 - alpha_i) fake_i. Images are [B, H, W, C], alpha is [B, 1, 1, 1]
 * with entries in [0, 1]. `critic` maps images to scores [B, 1]; it must be twice
 * differentiable in tfjs (see the file header), or the penalty's weight gradient is wrong.
 */
export function gradientPenalty(
  critic: (images: tf.Tensor4D) => tf.Tensor,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  alpha: tf.Tensor4D,
): tf.Scalar {
  const interpolates = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake)) as tf.Tensor4D;
  const gradient = tf.grad((images: tf.Tensor) => tf.sum(critic(images as tf.Tensor4D)))(interpolates); // [B, H, W, C]
  // The small constant keeps the norm's gradient finite where the input gradient is 0.
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(gradient), [1, 2, 3]), 1e-12)); // [B]
  return tf.mean(tf.square(tf.sub(norms, 1))) as tf.Scalar;
}

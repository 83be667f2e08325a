/**
 * Least-squares GAN losses (Mao et al. 2017), as used by the translator's
 * multi-scale discriminators (SPEC §2): for each scale's patch map,
 * D: `mean((D(real) − 1)²) + mean(D(fake)²)`, G: `mean((D(fake) − 1)²)`,
 * then **averaged** over the scales.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One discriminator output per scale (e.g. the three patch maps of a multi-scale D). */
export type ScaleOutputs = readonly tf.Tensor[];

function checkScales(what: string, outputs: ScaleOutputs): void {
  if (outputs.length === 0) throw new Error(`${what}: expected at least one discriminator output, received an empty list`);
}

/** `mean over scales of mean((o − target)²)`; a scalar. */
export function lsganTo(outputs: ScaleOutputs, target: number): tf.Scalar {
  checkScales('lsganTo', outputs);
  return tf.tidy(() => {
    const perScale = outputs.map((o) => tf.mean(tf.square(tf.sub(o, target))));
    return tf.div(tf.addN(perScale), outputs.length) as tf.Scalar;
  });
}

/**
 * Discriminator side: `mean_s [ mean((D_s(real) − 1)²) + mean(D_s(fake)²) ]`.
 * `real` and `fake` are lists over the same scales.
 */
export function lsganDiscriminatorLoss(real: ScaleOutputs, fake: ScaleOutputs): tf.Scalar {
  checkScales('lsganDiscriminatorLoss(real)', real);
  if (real.length !== fake.length) {
    throw new Error(`lsganDiscriminatorLoss: real has ${real.length} scales but fake has ${fake.length}`);
  }
  return tf.tidy(() => tf.add(lsganTo(real, 1), lsganTo(fake, 0)) as tf.Scalar);
}

/** Generator side: `mean_s mean((D_s(fake) − 1)²)`. */
export function lsganGeneratorLoss(fake: ScaleOutputs): tf.Scalar {
  return lsganTo(fake, 1);
}

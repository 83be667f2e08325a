/**
 * Elementwise affine ops with hand-written gradients that save only what the
 * backward pass reads. Composed from tfjs ops, `y·s + b` tapes a Multiply
 * (saving y and s) and an Add (saving y·s and b: tfjs's Add keeps both inputs
 * to reduce broadcast gradients), and the tape holds every saved tensor until
 * the backward pass reaches it — on the full-width translator at 512×512 the
 * products and shifts of SPADE and layer norm alone are gigabytes (SPEC §2).
 *
 * - `channelAffine(y, scale, shift)`: `y·scale + shift` with per-channel
 *   `[C]` parameters (layer norm's affine). Saves y and scale; y is what the
 *   normalization kernel saved already.
 * - `spadeModulate(n, gamma, beta)`: SPADE's `n·(1 + γ) + β` (Park et al.
 *   2019, eq. 1), all NHWC of one shape. Saves n and γ.
 * - `addSameShape(a, b)`: a residual sum. Saves nothing.
 */
import * as tf from '@tensorflow/tfjs-core';

type Op = Parameters<typeof tf.customGrad>[0];

function sameShape(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) throw new Error(`${what}: shapes [${a.shape}] and [${b.shape}] differ`);
}

/** `y·scale + shift`, scale and shift `[C]` over the last axis of y. */
export function channelAffine(y: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D): tf.Tensor4D {
  const c = y.shape[3];
  if (scale.rank !== 1 || scale.shape[0] !== c || shift.rank !== 1 || shift.shape[0] !== c) {
    throw new Error(`channelAffine: scale and shift must be [${c}], received [${scale.shape}] and [${shift.shape}]`);
  }
  const op = tf.customGrad(((yi: tf.Tensor4D, si: tf.Tensor1D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([yi, si]);
    return {
      value: tf.add(tf.mul(yi, si), bi),
      gradFunc: (dy: tf.Tensor4D, [ys, ss]: tf.Tensor[]) => [tf.mul(dy, ss), tf.sum(tf.mul(dy, ys), [0, 1, 2]), tf.sum(dy, [0, 1, 2])],
    };
  }) as unknown as Op);
  return op(y, scale, shift) as tf.Tensor4D;
}

/** SPADE's modulation `n·(1 + γ) + β`. */
export function spadeModulate(n: tf.Tensor4D, gamma: tf.Tensor4D, beta: tf.Tensor4D): tf.Tensor4D {
  sameShape(n, gamma, 'spadeModulate');
  sameShape(n, beta, 'spadeModulate');
  const op = tf.customGrad(((ni: tf.Tensor4D, gi: tf.Tensor4D, bi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([ni, gi]);
    return {
      value: tf.add(tf.mul(ni, tf.add(gi, 1)), bi),
      // ∂/∂n = 1 + γ, ∂/∂γ = n, ∂/∂β = 1.
      gradFunc: (dy: tf.Tensor4D, [ns, gs]: tf.Tensor[]) => [tf.mul(dy, tf.add(gs, 1)), tf.mul(dy, ns), tf.clone(dy)],
    };
  }) as unknown as Op);
  return op(n, gamma, beta) as tf.Tensor4D;
}

/** `a + b` for tensors of one shape; its gradient is dy for both, so nothing is saved. */
export function addSameShape<T extends tf.Tensor>(a: T, b: T): T {
  sameShape(a, b, 'addSameShape');
  const op = tf.customGrad(((ai: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([]);
    return { value: tf.add(ai, bi), gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.clone(dy)] };
  }) as unknown as Op);
  return op(a, b) as T;
}

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
 * - `channelAffineActivation(z, scale, shift, act)`: act(`z·scale + shift`)
 *   with act ReLU or linear, per-channel `[C]` parameters (a BatchNorm with
 *   running statistics applied to a conv output, `convBatchNorm`'s output
 *   side). Saves scale, and y with ReLU; z only when scale and shift take
 *   gradients (Σ dz·z); without them they are constants of the op.
 * - `spadeModulate(n, gamma, beta)`: SPADE's `n·(1 + γ) + β` (Park et al.
 *   2019, eq. 1), all NHWC of one shape. Saves n and γ.
 * - `addSameShape(a, b)`: a residual sum. Saves nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluGrad } from '@semadapt/compute';

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

/** Activation applied by `channelAffineActivation`. */
export type AffineActivation = 'linear' | 'relu';

/**
 * act(z·scale + shift), scale and shift `[C]` over the last axis of z. With
 * `affineGradients` (default true) the op differentiates in scale and shift
 * and saves z for Σ g·z; with false they are constants (a frozen BatchNorm,
 * SPEC §3) and only scale (and y for ReLU) is saved. With ReLU,
 * g = dy·[y > 0] (y > 0 exactly where z·scale + shift was); dz = g·scale.
 */
export function channelAffineActivation(z: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D, activation: AffineActivation = 'linear', options: { affineGradients?: boolean } = {}): tf.Tensor4D {
  const c = z.shape[3];
  if (scale.rank !== 1 || scale.shape[0] !== c || shift.rank !== 1 || shift.shape[0] !== c) {
    throw new Error(`channelAffineActivation: scale and shift must be [${c}], received [${scale.shape}] and [${shift.shape}]`);
  }
  const relu = activation === 'relu';
  const forward = (zi: tf.Tensor, si: tf.Tensor, bi: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const affine = tf.add(tf.mul(zi, si), bi);
      return relu ? tf.relu(affine) : affine;
    });
  /** dy·[y > 0] (one pass) with ReLU, else dy itself. */
  const gated = (dy: tf.Tensor, y: tf.Tensor | undefined): tf.Tensor => (y ? reluGrad(dy, y) : dy);
  if (options.affineGradients ?? true) {
    const op = tf.customGrad(((zi: tf.Tensor4D, si: tf.Tensor1D, bi: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const value = forward(zi, si, bi);
      save(relu ? [zi, si, value] : [zi, si]);
      return {
        value,
        gradFunc: (dy: tf.Tensor4D, [zs, ss, ys]: tf.Tensor[]) =>
          tf.tidy(() => {
            const g = gated(dy, ys);
            return [tf.mul(g, ss), tf.sum(tf.mul(g, zs), [0, 1, 2]), tf.sum(g, [0, 1, 2])];
          }),
      };
    }) as unknown as Op);
    return op(z, scale, shift) as tf.Tensor4D;
  }
  const op = tf.customGrad(((zi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const value = forward(zi, scale, shift);
    // scale is not an input: saving keeps it (the engine keeps a clone) until the backward pass.
    save(relu ? [scale, value] : [scale]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, [ss, ys]: tf.Tensor[]) => tf.tidy(() => tf.mul(gated(dy, ys), ss)),
    };
  }) as unknown as Op);
  return op(z) as tf.Tensor4D;
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

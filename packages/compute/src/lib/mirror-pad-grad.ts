/**
 * `MirrorPad` gradient replacing tfjs's, which only slices the centre of dy
 * and drops the gradient that flows through the reflected border copies —
 * every reflect-padded conv of the translator (SPEC §2) would get wrong
 * border gradients. Here each padded axis is folded back: the reversed
 * border slices of dy are added onto the input rows they copied
 * (reflect: rows 1..p, symmetric: rows 0..p−1, mirrored at the far end).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MIRROR_PAD_FOLD } from './mirror-pad-fold-kernel';

interface MirrorPadAttrs {
  paddings: [number, number][];
  mode: 'reflect' | 'symmetric';
}

/** Folds dy (padded along `axis` by [before, after]) back onto length n. */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, n: number, mode: MirrorPadAttrs['mode']): tf.Tensor {
  const shift = mode === 'reflect' ? 1 : 0;
  const sliceAxis = (t: tf.Tensor, start: number, len: number) => {
    const begin = t.shape.map(() => 0);
    const size = t.shape.slice();
    begin[axis] = start;
    size[axis] = len;
    return tf.slice(t, begin, size);
  };
  const padAxis = (t: tf.Tensor, lo: number, hi: number) => tf.pad(t, t.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0])) as [number, number][]);
  let out = sliceAxis(dy, before, n);
  if (before > 0) {
    // Padded row i < before copies input row (before − i − 1 + shift).
    const part = tf.reverse(sliceAxis(dy, 0, before), axis); // now row j copies input row j + shift
    out = tf.add(out, padAxis(part, shift, n - shift - before));
  }
  if (after > 0) {
    // Padded row before + n + j copies input row n − 1 − shift − j.
    const part = tf.reverse(sliceAxis(dy, before + n, after), axis); // row j copies n − shift − after + j
    out = tf.add(out, padAxis(part, n - shift - after, shift));
  }
  return out;
}

/** Gradient config; registered by `registerExtraKernels()`. */
export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: 'MirrorPad',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as MirrorPadAttrs;
    return {
      // One kernel where we have it (wasm, cpu: mirror-pad-fold-kernel.ts), else composed from tfjs ops.
      x: () => {
        if (tf.getKernel(MIRROR_PAD_FOLD, tf.getBackend())) {
          return tf.engine().runKernel(MIRROR_PAD_FOLD, { dy: dy as tf.Tensor }, { paddings: a.paddings, mode: a.mode, xShape: x.shape } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor;
        }
        return tf.tidy(() => {
          let g = dy as tf.Tensor;
          a.paddings.forEach(([before, after], axis) => {
            if (before > 0 || after > 0) g = foldAxis(g, axis, before, after, x.shape[axis], a.mode);
          });
          return g;
        });
      },
    };
  },
};

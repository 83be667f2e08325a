/**
 * `MirrorPad` gradient replacing tfjs's, which only slices the centre of dy
 * and drops the gradient that flows through the reflected border copies —
 * every reflect-padded conv of the translator (SPEC §2) would get wrong
 * border gradients. Here dy is folded back onto the input by one kernel,
 * `MIRROR_PAD_FOLD` (a loop on wasm/cpu/native, composed elsewhere): each
 * padded element adds onto the input element it copied (reflect: rows
 * 1..p, symmetric: rows 0..p−1, mirrored at the far end).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MIRROR_PAD_FOLD } from './mirror-pad-fold-kernel';

interface MirrorPadAttrs {
  paddings: [number, number][];
  mode: 'reflect' | 'symmetric';
}

/** Gradient config; registered by its backend registrar (register-kernels.ts). */
export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: 'MirrorPad',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const a = attrs as unknown as MirrorPadAttrs;
    return {
      x: () =>
        tf.engine().runKernel(MIRROR_PAD_FOLD, { dy: dy as tf.Tensor }, { paddings: a.paddings, mode: a.mode, xShape: x.shape } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor,
    };
  },
};

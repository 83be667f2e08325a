/**
 * `Mean` gradient replacing tfjs's. The gradient of a mean over N elements
 * is dy / N at every input position. tfjs builds it as
 * `(reshape(dy) · ones(x.shape)) / N`: a `ones` array filled in JavaScript
 * and uploaded, then two full-size elementwise kernels and a cast — ~3 ms
 * for one 64×64×128 activation, as much as the rest of a loss's backward.
 * Here dy / N is computed at the reduced shape and broadcast: a mean over
 * every axis by `broadcastTo` (a fill: scalar-tile-kernel.ts), any other by
 * one `Add` onto a `Fill`ed zero tensor (not `broadcastTo`: the wasm
 * backend's general `Tile` takes 60 ms for that same activation).
 */
import * as tf from '@tensorflow/tfjs-core';

interface MeanAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** Gradient config; registered by its backend registrar (register-kernels.ts). */
export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    return {
      x: () => {
        const share = tf.div(tf.reshape(dy as tf.Tensor, keptShape), count);
        return count === x.size ? tf.broadcastTo(share, x.shape) : tf.add(tf.fill(x.shape, 0), share);
      },
    };
  },
};

/**
 * Every gradient the models of SPEC §2-3 need, on wasm, against the cpu
 * backend (rel err ≤ 1e-4) and, for the structural ops, central finite
 * differences on wasm. Loss L = Σ f(inputs) · r with a fixed random r, so all
 * output elements matter. Written after a probe found on wasm: no
 * Conv2DBackpropFilter, a MaxPoolGrad that loses gradients next to padding,
 * no UnsortedSegmentSum (gather's gradient); and on cpu a ResizeBilinearGrad
 * with swapped height/width.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, numericGradient, relativeError, setTestBackend } from '../testing';

// These specs check the pure wasm/cpu kernels of this folder; the optional oneDNN
// convolutions (native-conv-kernels.ts) would otherwise replace them on wasm.
process.env['SEMADAPT_NATIVE'] = '0';


interface OpCase {
  name: string;
  shapes: number[][];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** Also check against finite differences (tiny, piecewise-smooth ops). */
  fd?: boolean;
  /** Input scale (e.g. negative-only inputs for the max-pool padding bug). */
  offset?: number;
}

const t4 = (t: tf.Tensor) => t as tf.Tensor4D;

const CASES: OpCase[] = [
  { name: 'maxPool x=[1,4,5,2] k=3 s=2 pad=same, all inputs negative', shapes: [[1, 4, 5, 2]], f: (x) => tf.maxPool(t4(x), 3, 2, 'same'), fd: true, offset: -2 },
  { name: 'maxPool x=[1,7,6,2] k=3 s=2 pad=1 ceil (ResNet stem)', shapes: [[1, 7, 6, 2]], f: (x) => tf.maxPool(t4(x), 3, 2, 1, 'ceil'), fd: true, offset: -1 },
  { name: 'maxPool x=[1,5,7,2] k=2 s=2 pad=valid ceil (VGG)', shapes: [[1, 5, 7, 2]], f: (x) => tf.maxPool(t4(x), 2, 2, 0, 'ceil'), fd: true },
  { name: 'maxPool x=[1,6,6,2] k=2 s=2 pad=valid', shapes: [[1, 6, 6, 2]], f: (x) => tf.maxPool(t4(x), 2, 2, 'valid'), fd: true },
  { name: 'avgPool x=[1,6,5,2] k=3 s=2 pad=same', shapes: [[1, 6, 5, 2]], f: (x) => tf.avgPool(t4(x), 3, 2, 'same'), fd: true },
  { name: 'avgPool x=[1,6,5,2] k=3 s=2 pad=explicit 1', shapes: [[1, 6, 5, 2]], f: (x) => tf.avgPool(t4(x), 3, 2, 1), fd: true },
  { name: 'resizeNearestNeighbor x=[1,3,4,2] -> [6,8]', shapes: [[1, 3, 4, 2]], f: (x) => tf.image.resizeNearestNeighbor(t4(x), [6, 8]), fd: true },
  { name: 'resizeNearestNeighbor x=[1,6,5,2] -> [3,4] alignCorners', shapes: [[1, 6, 5, 2]], f: (x) => tf.image.resizeNearestNeighbor(t4(x), [3, 4], true), fd: true },
  { name: 'resizeBilinear x=[1,3,5,2] -> [9,13] alignCorners', shapes: [[1, 3, 5, 2]], f: (x) => tf.image.resizeBilinear(t4(x), [9, 13], true), fd: true },
  { name: 'resizeBilinear x=[1,4,3,2] -> [7,8]', shapes: [[1, 4, 3, 2]], f: (x) => tf.image.resizeBilinear(t4(x), [7, 8]), fd: true },
  { name: 'mirrorPad reflect x=[1,4,5,2] pad=[3,1],[2,2]', shapes: [[1, 4, 5, 2]], f: (x) => tf.mirrorPad(x, [[0, 0], [3, 1], [2, 2], [0, 0]], 'reflect'), fd: true },
  { name: 'pad constant x=[1,3,3,2]', shapes: [[1, 3, 3, 2]], f: (x) => tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], 0.5), fd: true },
  {
    name: 'conv2dTranspose x=[1,3,3,2] w=[4,4,3,2] s=2 pad=same',
    shapes: [[1, 3, 3, 2], [4, 4, 3, 2]],
    f: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [1, 6, 6, 3], 2, 'same'),
    fd: true,
  },
  {
    name: 'conv2dTranspose x=[1,2,3,2] w=[16,16,2,2] s=8 pad=valid (FCN8s x8)',
    shapes: [[1, 2, 3, 2], [16, 16, 2, 2]],
    f: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [1, 24, 32, 2], 8, 'valid'),
  },
  { name: 'slice + concat x=[1,4,4,3]', shapes: [[1, 4, 4, 3]], f: (x) => tf.concat([tf.slice(x, [0, 1, 0, 0], [1, 2, 4, 3]), x], 1) },
  {
    name: 'instance norm (moments) x=[1,4,4,3]',
    shapes: [[1, 4, 4, 3]],
    f: (x) => {
      const m = tf.moments(x, [1, 2], true);
      return tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5)));
    },
    fd: true,
  },
  {
    name: 'layer norm (mean/std over CHW) x=[1,3,3,2]',
    shapes: [[1, 3, 3, 2]],
    f: (x) => {
      const m = tf.moments(x, [1, 2, 3], true);
      return tf.div(tf.sub(x, m.mean), tf.add(tf.sqrt(m.variance), 1e-5));
    },
  },
  { name: 'softmax / logSoftmax x=[2,3,5]', shapes: [[2, 3, 5]], f: (x) => tf.add(tf.softmax(x), tf.logSoftmax(x)), fd: true },
  { name: 'leakyRelu 0.2, relu, tanh, sigmoid x=[3,5]', shapes: [[3, 5]], f: (x) => tf.stack([tf.leakyRelu(x, 0.2), tf.relu(x), tf.tanh(x), tf.sigmoid(x)]) },
  { name: 'abs, square, sqrt, log, exp x=[3,5]', shapes: [[3, 5]], f: (x) => tf.stack([tf.abs(x), tf.square(x), tf.sqrt(tf.add(tf.abs(x), 1)), tf.log(tf.add(tf.abs(x), 1)), tf.exp(x)]) },
  { name: 'matMul a=[3,4] b=[5,4] transposeB', shapes: [[3, 4], [5, 4]], f: (a, b) => tf.matMul(a, b, false, true) },
  { name: 'gather x=[5,3] indices=[0,2,2,4]', shapes: [[5, 3]], f: (x) => tf.gather(x, tf.tensor1d([0, 2, 2, 4], 'int32')) },
  { name: 'batchNorm frozen x=[1,3,3,4]', shapes: [[1, 3, 3, 4], [4], [4]], f: (x, g, b) => tf.batchNorm(x, tf.zeros([4]), tf.ones([4]), b, g, 1e-5) },
  { name: 'mean, max, sum reductions x=[2,3,4]', shapes: [[2, 3, 4]], f: (x) => tf.concat([tf.mean(x, [1]), tf.max(x, [1]), tf.sum(x, [1])], 1) },
];

function gradsOn(c: OpCase, inputs: Float32Array[], r: Float32Array | null): { grads: ArrayLike<number>[]; outShape: number[] } {
  return tf.tidy(() => {
    const xs = c.shapes.map((s, i) => tf.tensor(inputs[i], s));
    const y = c.f(...xs);
    const rr = r ? tf.tensor(r, y.shape) : tf.onesLike(y);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(c.f(...a), rr)))(xs);
    return { grads: grads.map((g) => g.dataSync().slice()), outShape: y.shape };
  });
}

describe('gradients the models need: wasm vs cpu, finite differences', () => {
  for (const c of CASES) {
    it(`${c.name}: wasm gradient == cpu gradient`, async () => {
      const inputs = c.shapes.map((s, i) => {
        const v = lcgValues(s.reduce((a, b) => a * b, 1), 101 + 7 * i);
        const offset = c.offset;
        return offset ? v.map((e) => e * 0.5 + offset) : v;
      });
      await setTestBackend('cpu');
      const outShape = gradsOn(c, inputs, null).outShape;
      const r = lcgValues(outShape.reduce((a, b) => a * b, 1), 999);
      const cpu = gradsOn(c, inputs, r);
      await setTestBackend('wasm');
      let wasmOut: ReturnType<typeof gradsOn> | undefined;
      await expectNoTensorLeak(() => {
        wasmOut = gradsOn(c, inputs, r);
      });
      if (!wasmOut) throw new Error('no wasm result');
      const wasm = wasmOut;
      cpu.grads.forEach((g, i) => {
        const err = relativeError(wasm.grads[i], g);
        if (!(err <= 1e-4)) throw new Error(`${c.name}: input ${i} wasm vs cpu rel err ${err}`);
      });
      if (c.fd) {
        const xs = c.shapes.map((s, i) => tf.tensor(inputs[i], s));
        const rr = tf.tensor(r, outShape);
        for (let i = 0; i < xs.length; i++) {
          const fd = numericGradient((t) => tf.sum(tf.mul(c.f(...xs.map((x, j) => (j === i ? t : x))), rr)), xs[i], 1e-3);
          expectAllClose(wasm.grads[i], fd, { atol: 5e-3, rtol: 1e-2, label: `${c.name}: input ${i} vs finite differences` });
          fd.dispose();
        }
        tf.dispose([...xs, rr]);
      }
    });
  }
});

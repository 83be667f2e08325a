/**
 * `eagerFreeGradients` against tfjs-core's own `Engine.gradients` (same tape,
 * same gradient functions: the values must agree to the last bit) and
 * against central finite differences, on every test backend; its peak of
 * live tensor bytes during a backward pass against tfjs's (the point of it);
 * no leaked tensors; higher-order gradients still work (they run tfjs's walk).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, lcgValues, numericGradient, setTestBackend, testBackends } from '../testing';
import { eagerFreeGradients, stockGradients } from './eager-free-gradients';

type Grads = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };

/** A small graph with what a backward walk must get right: a tensor used twice, broadcasting, a custom gradient, a branch that does not reach y, a pooled output. */
function graph(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Scalar {
  const square = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([t]);
    return { value: tf.square(t), gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => [tf.mul(dy, tf.mul(s, 2))] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const h = tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b));
  const unused = tf.exp(h); // on the tape, not on a path to y
  unused.dispose();
  const g = tf.mul(h, tf.sigmoid(h)); // h read twice
  const p = tf.maxPool(square(g) as tf.Tensor4D, 2, 2, 'valid');
  return tf.add(tf.sum(p), tf.mul(tf.sum(tf.mul(g, b)), 0.5)) as tf.Scalar;
}

function inputs() {
  const x = tf.tensor4d(lcgValues(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
  const w = tf.tensor4d(lcgValues(3 * 3 * 3 * 4, 2, 0.5), [3, 3, 3, 4]);
  const b = tf.tensor1d(lcgValues(4, 3, 0.3));
  return { x, w, b };
}

function run(grads: Grads) {
  const { x, w, b } = inputs();
  const { value, grads: g } = grads(() => graph(x, w, b), [x, w, b]);
  const out = { value: value.dataSync().slice(), grads: g.map((t) => t.dataSync().slice()) };
  tf.dispose([x, w, b, value, ...g]);
  return out;
}

describe.each(testBackends())('eagerFreeGradients on %s', (backend) => {
  beforeAll(() => setTestBackend(backend));

  it('gives tfjs-core’s gradients exactly', () => {
    const ours = run(eagerFreeGradients);
    const theirs = run(stockGradients);
    expect(Array.from(ours.value)).toEqual(Array.from(theirs.value));
    ours.grads.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(theirs.grads[i])));
  });

  it('matches central finite differences', () => {
    const { x, w, b } = inputs();
    const { value, grads } = eagerFreeGradients(() => graph(x, w, b), [x, w, b]);
    const nw = numericGradient((t) => graph(x, t as tf.Tensor4D, b), w, 1e-2);
    const nb = numericGradient((t) => graph(x, w, t as tf.Tensor1D), b, 1e-2);
    expectAllClose(grads[1], nw, { rtol: 2e-2, atol: 2e-2 });
    expectAllClose(grads[2], nb, { rtol: 2e-2, atol: 2e-2 });
    tf.dispose([x, w, b, value, ...grads, nw, nb]);
  });

  it('leaves no tensor behind, with or without a given dy', () => {
    const { x, w, b } = inputs();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = eagerFreeGradients(() => graph(x, w, b), [x, w, b]);
      tf.dispose([value, ...grads]);
      const dy = tf.scalar(2);
      const r = eagerFreeGradients(() => graph(x, w, b), [w], dy);
      expect(dy.isDisposed).toBe(false);
      tf.dispose([dy, r.value, ...r.grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });

  it('holds far fewer bytes at its peak than tfjs’s walk on a deep chain', () => {
    // 24 layers of relu(x·wᵢ + x): tfjs keeps every saved tensor and every intermediate gradient to the end.
    const x = tf.tensor2d(lcgValues(256 * 64, 4), [256, 64]);
    const ws = Array.from({ length: 24 }, (_, i) => tf.tensor2d(lcgValues(64 * 64, 10 + i, 0.1), [64, 64]));
    const chain = () => {
      let h: tf.Tensor = x;
      for (const w of ws) {
        const input = h;
        h = tf.tidy(() => tf.relu(tf.add(tf.matMul(input, w), input))); // a layer: its temporaries end with it
      }
      return tf.sum(h) as tf.Scalar;
    };
    const peakOf = (grads: Grads) => {
      const eng = tf.engine() as unknown as { state: { numBytes: number }; runKernelFunc: (a: unknown) => unknown };
      const original = eng.runKernelFunc;
      const start = eng.state.numBytes;
      let peak = 0;
      eng.runKernelFunc = function (this: unknown, a: unknown) {
        const r = original.call(eng, a);
        peak = Math.max(peak, eng.state.numBytes - start);
        return r;
      };
      try {
        const { value, grads: g } = grads(chain, ws);
        tf.dispose([value, ...g]);
      } finally {
        eng.runKernelFunc = original;
      }
      return peak;
    };
    const theirs = peakOf(stockGradients);
    const ours = peakOf(eagerFreeGradients);
    // Saved: 24 × (x, matMul out, add out) ≈ 72 activations; tfjs adds ≈ 72 gradients. Ours frees as it goes.
    expect(ours).toBeLessThan(0.65 * theirs);
    tf.dispose([x, ...ws]);
  });

  it('leaves higher-order gradients to tfjs (d²/dx² x³ = 6x)', () => {
    const x = tf.tensor1d([0.5, -1.5, 2]);
    const d2 = tf.grad((t: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(t));
    const g = d2(x);
    expectAllClose(g, [3, -9, 12], { rtol: 1e-5 });
    tf.dispose([x, g]);
  });
});

/** Soft symmetric cross-entropy against a float64 hand computation, gradients on both sides. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, numericGradient, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { symmetricCrossEntropy } from './symmetric-cross-entropy';

function logSoftmax(z: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(z));
  const lse = m + Math.log(Array.from(z).reduce((s, v) => s + Math.exp(v - m), 0));
  return Array.from(z, (v) => v - lse);
}

/** SPEC §2: −Σ_c p_a log p_b − Σ_c p_b log p_a per pixel, mean over pixels. */
function referenceSce(a: Float32Array, b: Float32Array, c: number): number {
  const pixels = a.length / c;
  let total = 0;
  for (let i = 0; i < pixels; i++) {
    const la = logSoftmax(a.subarray(i * c, (i + 1) * c));
    const lb = logSoftmax(b.subarray(i * c, (i + 1) * c));
    for (let k = 0; k < c; k++) total -= Math.exp(la[k]) * lb[k] + Math.exp(lb[k]) * la[k];
  }
  return total / pixels;
}

describe.each(testBackends())('symmetricCrossEntropy on %s', (backend) => {
  beforeAll(async () => setTestBackend(backend));
  const C = 5;
  const shape = [2, 2, 2, C];
  const rng = new Rng(3);
  const a = rng.normalArray(8 * C, 0, 1.5);
  const b = rng.normalArray(8 * C, 0, 1.5);

  it('logits=[2,2,2,5]: value by hand (mean over N·H·W = 8 pixels), symmetric in its arguments', () => {
    const ta = tf.tensor(a, shape);
    const tb = tf.tensor(b, shape);
    const expected = referenceSce(a, b, C);
    expectAllClose(symmetricCrossEntropy(ta, tb), expected, { atol: 1e-5 });
    expectAllClose(symmetricCrossEntropy(tb, ta), expected, { atol: 1e-5 });
    tf.dispose([ta, tb]);
  });

  it('logits=[2,2,2,5]: both arguments receive gradients equal to finite differences', () => {
    const ta = tf.tensor(a, shape);
    const tb = tf.tensor(b, shape);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => symmetricCrossEntropy(x, y))([ta, tb]);
    expect(tf.max(tf.abs(ga)).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(tf.max(tf.abs(gb)).dataSync()[0]).toBeGreaterThan(1e-3);
    expectAllClose(ga, numericGradient((x) => symmetricCrossEntropy(x, tb), ta), { atol: 2e-3 });
    expectAllClose(gb, numericGradient((y) => symmetricCrossEntropy(ta, y), tb), { atol: 2e-3 });
    tf.dispose([ta, tb, ga, gb]);
  });

  it('identical one-hot-like logits give 2× the entropy; shape mismatch throws', () => {
    // a = b = [10, 0]: p = [1/(1+e^-10), ...]; SCE = 2·H(p).
    const p1 = 1 / (1 + Math.exp(-10));
    const h = -(p1 * Math.log(p1) + (1 - p1) * Math.log(1 - p1));
    const t = tf.tensor([10, 0], [1, 1, 1, 2]);
    expectAllClose(symmetricCrossEntropy(t, t), 2 * h, { atol: 1e-5 });
    const u = tf.zeros([1, 1, 2, 2]);
    expect(() => symmetricCrossEntropy(t, u)).toThrow(/\[1,1,1,2\] and \[1,1,2,2\]/);
    tf.dispose([t, u]);
  });

  it('no tensor leaks', async () => {
    const ta = tf.tensor(a, shape);
    await expectNoTensorLeak(() => symmetricCrossEntropy(ta, ta).dispose());
    ta.dispose();
  });
});

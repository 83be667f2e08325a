/**
 * Cross-entropy with ignore 255 and class weights, and the pseudo-label
 * helpers, against plain-JS computations (log-sum-exp per pixel) and finite
 * differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, numericGradient, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { crossEntropy, pseudoLabelCrossEntropy, pseudoLabels } from './cross-entropy';

/** −log softmax(z)_y for one pixel, in float64. */
function nll(z: ArrayLike<number>, y: number): number {
  let m = -Infinity;
  for (let c = 0; c < z.length; c++) m = Math.max(m, z[c]);
  let s = 0;
  for (let c = 0; c < z.length; c++) s += Math.exp(z[c] - m);
  return m + Math.log(s) - z[y];
}

/** PyTorch's reduction: Σ w_y·nll / Σ w_y over non-ignored pixels. */
function referenceCe(logits: Float32Array, labels: number[], c: number, weights?: number[]): number {
  let num = 0;
  let den = 0;
  labels.forEach((y, i) => {
    if (y === 255) return;
    const w = weights ? weights[y] : 1;
    num += w * nll(logits.subarray(i * c, (i + 1) * c), y);
    den += w;
  });
  return den === 0 ? 0 : num / den;
}

describe.each(testBackends())('crossEntropy on %s', (backend) => {
  beforeAll(async () => setTestBackend(backend));

  const C = 4;
  const shape = [1, 2, 3, C];
  const data = new Rng(11).normalArray(6 * C, 0, 2);
  const labels = [0, 255, 3, 1, 255, 2];

  it('logits=[1,2,3,4] ignore=255 (2 of 6 pixels): mean over the 4 valid pixels', () => {
    const x = tf.tensor(data, shape);
    const y = tf.tensor(labels, [1, 2, 3], 'int32');
    expectAllClose(crossEntropy(x, y), referenceCe(data, labels, C), { atol: 1e-5 });
    const g = tf.grad((v: tf.Tensor) => crossEntropy(v, y))(x);
    expectAllClose(g, numericGradient((v) => crossEntropy(v, y), x), { atol: 2e-3 });
    // Ignored pixels get exactly zero gradient.
    const gd = g.dataSync();
    for (const i of [1, 4]) for (let c = 0; c < C; c++) expect(Math.abs(gd[i * C + c])).toBe(0);
    tf.dispose([x, y, g]);
  });

  it('logits=[1,2,3,4] class weights [0.5,2,1,3]: Σ w·nll / Σ w (PyTorch weighted mean)', () => {
    const w = [0.5, 2, 1, 3];
    const x = tf.tensor(data, shape);
    const y = tf.tensor(labels, [1, 2, 3], 'int32');
    expectAllClose(crossEntropy(x, y, { classWeights: w }), referenceCe(data, labels, C, w), { atol: 1e-5 });
    const g = tf.grad((v: tf.Tensor) => crossEntropy(v, y, { classWeights: w }))(x);
    expectAllClose(g, numericGradient((v) => crossEntropy(v, y, { classWeights: w }), x), { atol: 2e-3 });
    tf.dispose([x, y, g]);
  });

  it('all pixels ignored: loss 0 and zero gradient, no NaN', () => {
    const x = tf.tensor(data, shape);
    const y = tf.fill([1, 2, 3], 255, 'int32');
    const loss = crossEntropy(x, y, { classWeights: [1, 1, 1, 1] });
    expect(loss.dataSync()[0]).toBe(0);
    const g = tf.grad((v: tf.Tensor) => crossEntropy(v, y))(x);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true); // -0 === 0
    tf.dispose([x, y, loss, g]);
  });

  it('bad labels, shapes, weights and dtypes throw, quoting what was received', () => {
    const x = tf.zeros([1, 2, 2, 3]);
    expect(() => crossEntropy(x, tf.tensor([[[0, 7], [1, 2]]], undefined, 'int32'))).toThrow(/label 7 at flat index 1/);
    expect(() => crossEntropy(x, tf.zeros([1, 2, 3], 'int32'))).toThrow(/logits \[1,2,2,3\] and labels \[1,2,3\]/);
    expect(() => crossEntropy(x, tf.zeros([1, 2, 2]))).toThrow(/int32, received float32/);
    expect(() => crossEntropy(x, tf.zeros([1, 2, 2], 'int32'), { classWeights: [1, 2] })).toThrow(/2 entries but logits have 3/);
    expect(() => crossEntropy(x, tf.zeros([1, 2, 2], 'int32'), { classWeights: [1, -2, 1] })).toThrow(/received \[1, -2, 1\]/);
    x.dispose();
  });

  it('pseudoLabels x=[1,1,3,3] δ=0.9 and per-class thresholds: argmax where max prob ≥ δ, else 255', () => {
    // Pixel 0: softmax([5,0,0]) = 0.9867 → 0; pixel 1: softmax([1,0,0]) = 0.576 → 255;
    // pixel 2: softmax([0,0,3]) = 0.9094 → 2.
    const x = tf.tensor([5, 0, 0, 1, 0, 0, 0, 0, 3], [1, 1, 3, 3]);
    const p = pseudoLabels(x, 0.9);
    expect(p.dtype).toBe('int32');
    expect(Array.from(p.dataSync())).toEqual([0, 255, 2]);
    // class-median style thresholds, by predicted class: class 0 needs only 0.5 (pixels 0 and 1
    // pass), class 2 needs 0.95 (0.9094 fails).
    const q = pseudoLabels(x, [0.5, 0.5, 0.95]);
    expect(Array.from(q.dataSync())).toEqual([0, 0, 255]);
    expect(() => pseudoLabels(x, [0.9])).toThrow(/1 entries but logits have 3/);
    expect(() => pseudoLabels(x, 1.5)).toThrow(/received 1.5/);
    tf.dispose([x, p, q]);
  });

  it('pseudoLabelCrossEntropy from teacher logits equals CE against the thresholded argmax', () => {
    const teacher = tf.tensor([5, 0, 0, 1, 0, 0, 0, 0, 3], [1, 1, 3, 3]);
    const student = tf.tensor([0.2, 0.1, -0.3, 1, 1, 1, -1, 0.5, 2], [1, 1, 3, 3]);
    const s = student.dataSync() as Float32Array;
    const expected = (nll(s.subarray(0, 3), 0) + nll(s.subarray(6, 9), 2)) / 2;
    expectAllClose(pseudoLabelCrossEntropy(student, { teacherLogits: teacher, threshold: 0.9 }), expected, { atol: 1e-6 });
    const labels = tf.tensor([[[0, 255, 2]]], undefined, 'int32');
    expectAllClose(pseudoLabelCrossEntropy(student, { labels }), expected, { atol: 1e-6 });
    tf.dispose([teacher, student, labels]);
  });

  it('no tensor leaks', async () => {
    const x = tf.tensor(data, shape);
    const y = tf.tensor(labels, [1, 2, 3], 'int32');
    await expectNoTensorLeak(() => {
      crossEntropy(x, y, { classWeights: [1, 2, 3, 4] }).dispose();
      pseudoLabelCrossEntropy(x, { teacherLogits: x }).dispose();
    });
    tf.dispose([x, y]);
  });
});

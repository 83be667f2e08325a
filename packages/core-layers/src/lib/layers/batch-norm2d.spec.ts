/**
 * BatchNorm2d with `batchStatistics`: the training forward against a float64
 * loop over the batch, the running-statistics update worked out by hand
 * (PyTorch's rule: biased variance normalizes, unbiased variance is kept),
 * eval mode on the running statistics, and gradients (through the batch mean
 * and variance) against finite differences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, lcgValues, numericGradient, setTestBackend, testBackends } from '../../testing';
import { BatchNorm2d } from './batch-norm2d';

/** Per-channel mean, biased and unbiased variance of NHWC values, in float64. */
function channelMoments(values: Float32Array, channels: number): { mean: number[]; biased: number[]; unbiased: number[] } {
  const n = values.length / channels;
  const mean = new Array(channels).fill(0);
  const sq = new Array(channels).fill(0);
  values.forEach((v, i) => (mean[i % channels] += v / n));
  values.forEach((v, i) => (sq[i % channels] += (v - mean[i % channels]) ** 2));
  return { mean, biased: sq.map((s) => s / n), unbiased: sq.map((s) => s / (n - 1)) };
}

describe.each(testBackends())('BatchNorm2d with batch statistics, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  const shape: [number, number, number, number] = [2, 3, 4, 3];
  const values = lcgValues(2 * 3 * 4 * 3, 11, 2);

  it('normalizes a training batch with its own mean and biased variance, then applies the affine', () => {
    const bn = new BatchNorm2d({ channels: 3, batchStatistics: true });
    bn.weight?.assign(tf.tensor1d([1.5, -0.5, 2]));
    bn.bias?.assign(tf.tensor1d([0.1, 0.2, -0.3]));
    bn.train();
    const { mean, biased } = channelMoments(values, 3);
    const w = [1.5, -0.5, 2];
    const b = [0.1, 0.2, -0.3];
    const expected = Array.from(values, (v, i) => {
      const c = i % 3;
      return ((v - mean[c]) / Math.sqrt(biased[c] + 1e-5)) * w[c] + b[c];
    });
    const x = tf.tensor4d(values, shape);
    const y = bn.forward(x);
    expectAllClose(y, expected, { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('moves the running statistics by momentum towards the batch mean and unbiased variance', () => {
    const bn = new BatchNorm2d({ channels: 3, batchStatistics: true, momentum: 0.25 });
    bn.train();
    const x = tf.tensor4d(values, shape);
    const { mean, unbiased } = channelMoments(values, 3);
    tf.dispose(bn.forward(x));
    // From the initial 0 and 1: 0.75·0 + 0.25·mean, 0.75·1 + 0.25·unbiased.
    expectAllClose(bn.runningMean, mean.map((m) => 0.25 * m), { atol: 1e-6, rtol: 1e-5 });
    expectAllClose(bn.runningVar, unbiased.map((v) => 0.75 + 0.25 * v), { atol: 1e-6, rtol: 1e-5 });
    tf.dispose(bn.forward(x));
    // Second step: 0.75·(0.25·mean) + 0.25·mean.
    expectAllClose(bn.runningMean, mean.map((m) => 0.4375 * m), { atol: 1e-6, rtol: 1e-5 });
    x.dispose();
    bn.dispose();
  });

  it('uses (and leaves) the running statistics in eval mode', () => {
    const bn = new BatchNorm2d({ channels: 3, batchStatistics: true, affine: false });
    bn.runningMean.assign(tf.tensor1d([1, 2, 3]));
    bn.runningVar.assign(tf.tensor1d([4, 9, 16]));
    bn.eval();
    const x = tf.tensor4d(values, shape);
    const y = bn.forward(x);
    const expected = Array.from(values, (v, i) => (v - [1, 2, 3][i % 3]) / Math.sqrt([4, 9, 16][i % 3] + 1e-5));
    expectAllClose(y, expected, { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(bn.runningMean, [1, 2, 3], { atol: 0, rtol: 0 });
    tf.dispose([x, y]);
    bn.dispose();
  });

  it('gradients through the batch statistics match finite differences', () => {
    const bn = new BatchNorm2d({ channels: 3, batchStatistics: true });
    bn.weight?.assign(tf.tensor1d([1.2, 0.7, -0.9]));
    bn.train();
    // A loss that is not invariant to the normalization (a plain sum would have zero gradient).
    const probe = tf.tensor4d(lcgValues(values.length, 5), shape);
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(tf.square(bn.forward(x as tf.Tensor4D)), probe));
    const x = tf.tensor4d(values, shape);
    const analytic = tf.grad(loss)(x);
    expectAllClose(analytic, numericGradient(loss, x, 1e-2), { atol: 2e-3, rtol: 2e-2, label: 'd/dx' });
    tf.dispose([x, analytic, probe]);
    bn.dispose();
  });

  it('refuses a batch with one value per channel', () => {
    const bn = new BatchNorm2d({ channels: 2, batchStatistics: true });
    bn.train();
    const x = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
    expect(() => bn.forward(x)).toThrow(/more than one value per channel, input \[1,1,1,2\]/);
    x.dispose();
    bn.dispose();
  });

  it('leaves no tensors behind in a training forward', async () => {
    const bn = new BatchNorm2d({ channels: 3, batchStatistics: true });
    bn.train();
    const x = tf.tensor4d(values, shape);
    await expectNoTensorLeak(() => {
      tf.dispose(bn.forward(x));
    });
    x.dispose();
    bn.dispose();
  });
});

/** LSGAN and BCE-with-logits against plain-JS hand computations and finite differences. */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectAllClose, expectNoTensorLeak, numericGradient, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { lsganDiscriminatorLoss, lsganGeneratorLoss } from './lsgan';
import { bceWithLogits } from './bce-with-logits';

const meanOf = (xs: ArrayLike<number>, f: (v: number) => number): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += f(xs[i]);
  return s / xs.length;
};

describe.each(testBackends())('lsgan / bce on %s', (backend) => {
  beforeAll(async () => setTestBackend(backend));

  // Three scales of different sizes, as a 3-scale patch discriminator produces.
  const rng = new Rng(5);
  const shapes = [[1, 4, 4, 1], [1, 2, 2, 1], [1, 1, 1, 1]];
  const real = shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b)));
  const fake = shapes.map((s) => rng.normalArray(s.reduce((a, b) => a * b)));

  it('D side over scales [4x4, 2x2, 1x1]: mean_s[mean((r-1)^2) + mean(f^2)]', () => {
    const expected = (real.map((r, i) => meanOf(r, (v) => (v - 1) ** 2) + meanOf(fake[i], (v) => v * v)).reduce((a, b) => a + b)) / 3;
    const r = real.map((d, i) => tf.tensor(d, shapes[i]));
    const f = fake.map((d, i) => tf.tensor(d, shapes[i]));
    expectAllClose(lsganDiscriminatorLoss(r, f), expected, { atol: 1e-6 });
    tf.dispose([...r, ...f]);
  });

  it('G side over scales [4x4, 2x2, 1x1]: mean_s mean((f-1)^2), with finite-difference gradient', () => {
    const expected = fake.map((f) => meanOf(f, (v) => (v - 1) ** 2)).reduce((a, b) => a + b) / 3;
    const f = fake.map((d, i) => tf.tensor(d, shapes[i]));
    expectAllClose(lsganGeneratorLoss(f), expected, { atol: 1e-6 });
    // Gradient w.r.t. the 2x2 scale: analytic 2(f−1)/(4·3) and by finite differences.
    const g = tf.grad((x: tf.Tensor) => lsganGeneratorLoss([f[0], x, f[2]]))(f[1]);
    expectAllClose(g, Array.from(fake[1], (v) => (2 * (v - 1)) / 12), { atol: 1e-6 });
    expectAllClose(g, numericGradient((x) => lsganGeneratorLoss([f[0], x, f[2]]), f[1]), { atol: 2e-3 });
    tf.dispose([...f, g]);
  });

  it('D side with mismatched scale lists or none throws, quoting the counts', () => {
    const a = tf.zeros([1, 2, 2, 1]);
    expect(() => lsganDiscriminatorLoss([a, a], [a])).toThrow(/real has 2 scales but fake has 1/);
    expect(() => lsganGeneratorLoss([])).toThrow(/empty list/);
    a.dispose();
  });

  it('bce x=[2,3] target tensor and constant: stable form matches -z·log σ(x) − (1−z)·log(1−σ(x))', () => {
    const x = [0.3, -1.2, 4.0, -0.01, 2.5, -3.0];
    const z = [1, 0, 0.25, 1, 0, 0.5];
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const ref = (zs: number[]): number =>
      meanOf(x.map((v, i) => -zs[i] * Math.log(sig(v)) - (1 - zs[i]) * Math.log(1 - sig(v))), (v) => v);
    const xt = tf.tensor(x, [2, 3]);
    const zt = tf.tensor(z, [2, 3]);
    expectAllClose(bceWithLogits(xt, zt), ref(z), { atol: 1e-6 });
    expectAllClose(bceWithLogits(xt, 1), ref(x.map(() => 1)), { atol: 1e-6 });
    // d/dx = (σ(x) − z)/n
    const g = tf.grad((v: tf.Tensor) => bceWithLogits(v, zt))(xt);
    expectAllClose(g, x.map((v, i) => (sig(v) - z[i]) / 6), { atol: 1e-6 });
    expectAllClose(g, numericGradient((v) => bceWithLogits(v, zt), xt), { atol: 2e-3 });
    tf.dispose([xt, zt, g]);
  });

  it('bce with logits ±200 stays finite: loss ≈ |x| for the wrong label, 0 for the right one', () => {
    const xt = tf.tensor([200, -200]);
    expectAllClose(bceWithLogits(xt, 0), 100, { atol: 1e-3 });
    expectAllClose(bceWithLogits(xt, tf.tensor([1, 0])), 0, { atol: 1e-6 });
    expect(() => bceWithLogits(xt, 2)).toThrow(/received 2/);
    xt.dispose();
  });

  it('no tensor leaks', async () => {
    const r = tf.ones([1, 2, 2, 1]);
    await expectNoTensorLeak(() => {
      lsganDiscriminatorLoss([r], [r]).dispose();
      lsganGeneratorLoss([r]).dispose();
      bceWithLogits(r, 1).dispose();
    });
    r.dispose();
  });
});

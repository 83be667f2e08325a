/** L1 (mean absolute difference) against a hand computation and finite differences. */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, numericGradient, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { l1Loss } from './l1';

describe.each(testBackends())('l1Loss on %s', (backend) => {
  beforeAll(async () => setTestBackend(backend));

  it('x=[1,2,2,1]: mean |a−b| by hand, gradient sign(a−b)/n by finite differences', () => {
    const a = tf.tensor([0.5, -1, 2, 0.25], [1, 2, 2, 1]);
    const b = tf.tensor([1, 1, -1, 0], [1, 2, 2, 1]);
    // |−0.5| + |−2| + |3| + |0.25| = 5.75, /4
    expectAllClose(l1Loss(a, b), 1.4375, { atol: 1e-7 });
    const g = tf.grad((x: tf.Tensor) => l1Loss(x, b))(a);
    expectAllClose(g, [-0.25, -0.25, 0.25, 0.25], { atol: 1e-7 });
    expectAllClose(g, numericGradient((x) => l1Loss(x, b), a), { atol: 1e-3 });
    tf.dispose([a, b, g]);
  });

  it('different shapes throw, quoting both', () => {
    const a = tf.zeros([1, 2]);
    const b = tf.zeros([2, 1]);
    expect(() => l1Loss(a, b)).toThrow(/\[1,2\] and \[2,1\]/);
    tf.dispose([a, b]);
  });

  it('no tensor leaks', async () => {
    const a = tf.ones([2, 3]);
    await expectNoTensorLeak(() => l1Loss(a, a).dispose());
    a.dispose();
  });
});

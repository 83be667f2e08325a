/**
 * Our `Square` gradient against the hand computation
 * ∂/∂x Σ probe · x² = 2 · x · probe, ranks 0–4, on every test backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, lcgValues, setTestBackend, testBackends } from '../testing';
import { squareGradConfig } from './square-grad';

const SHAPES: number[][] = [[], [7], [3, 5], [2, 3, 4], [2, 4, 3, 5]];

describe.each(testBackends())('Square gradient, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('is the registered Square gradient', () => {
    expect(tf.getGradient('Square')).toBe(squareGradConfig);
  });

  it.each(SHAPES.map((s) => [JSON.stringify(s), s] as const))('x=%s: equals 2·x·probe', (_name, shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const xv = lcgValues(size, 11, 3);
    const pv = lcgValues(size, 13);
    const x = tf.tensor(xv, shape);
    const probe = tf.tensor(pv, shape);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), probe)))(x);
    expectAllClose(g.dataSync(), xv.map((v, i) => 2 * v * pv[i]), { rtol: 1e-6, atol: 1e-6 });
    tf.dispose([x, probe, g]);
  });
});

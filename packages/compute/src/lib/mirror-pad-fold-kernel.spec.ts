/**
 * The one-kernel MirrorPad gradient against two independent references: the
 * gradient composed from tfjs ops (slices, reverses, pads, adds; what
 * tfjs-node registers) and finite differences of `tf.mirrorPad`,
 * over both modes, ranks 1–4 and asymmetric pads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, lcgValues, numericGradient, setTestBackend, testBackends } from '../testing';
import { MIRROR_PAD_FOLD } from './mirror-pad-fold-kernel';
import { composedKernelConfig } from './composed-kernels';

const CASES: { shape: number[]; paddings: [number, number][]; mode: 'reflect' | 'symmetric' }[] = [
  { shape: [1, 4, 5, 2], paddings: [[0, 0], [3, 1], [2, 2], [0, 0]], mode: 'reflect' },
  { shape: [2, 3, 4, 3], paddings: [[0, 0], [1, 2], [3, 0], [0, 0]], mode: 'symmetric' },
  { shape: [3, 4, 2], paddings: [[1, 1], [0, 3], [1, 0]], mode: 'reflect' },
  { shape: [5], paddings: [[4, 2]], mode: 'reflect' },
  { shape: [4, 3], paddings: [[4, 4], [3, 2]], mode: 'symmetric' },
  // Padded dims apart (folded one at a time) and together (one pass over their flattened index).
  { shape: [3, 2, 4, 2], paddings: [[1, 1], [0, 0], [2, 1], [0, 0]], mode: 'reflect' },
];

describe.each(testBackends())('MirrorPad gradient as one kernel, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('is registered for this backend', () => {
    expect(tf.getKernel(MIRROR_PAD_FOLD, backend)).toBeDefined();
  });

  const named = CASES.map((c) => [`${c.mode} x=[${c.shape}] pads=${JSON.stringify(c.paddings)}`, c] as const);
  it.each(named)('%s: equals the composed fold and finite differences', (_name, { shape, paddings, mode }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(lcgValues(size, 3), shape);
    const padded = shape.map((n, i) => n + paddings[i][0] + paddings[i][1]);
    const probe = tf.tensor(lcgValues(padded.reduce((a, b) => a * b, 1), 9), padded);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, mode), probe));
    const fast = tf.grad(loss)(x);
    // The composed fold (composed-kernels.ts: what tfjs-node registers) in place of the loop.
    const config = tf.getKernel(MIRROR_PAD_FOLD, backend) as tf.KernelConfig;
    tf.unregisterKernel(MIRROR_PAD_FOLD, backend);
    tf.registerKernel(composedKernelConfig(MIRROR_PAD_FOLD, backend));
    let composed: tf.Tensor;
    try {
      composed = tf.grad(loss)(x);
    } finally {
      tf.unregisterKernel(MIRROR_PAD_FOLD, backend);
      tf.registerKernel(config);
    }
    expectAllClose(fast, composed, { atol: 1e-6, rtol: 1e-6, label: 'kernel vs composed' });
    expectAllClose(fast, numericGradient(loss, x, 1e-2), { atol: 2e-3, rtol: 1e-3, label: 'kernel vs finite differences' });
    tf.dispose([x, probe, fast, composed]);
  });
});

/**
 * A parameter updated in place keeps its dataId but not its contents: the
 * native convolutions must not read a reordered copy of its old values
 * (tensor-tokens.ts). Forward convolution (caches a blocked copy of the
 * filter), in-place SGD update of the filter, then the input gradient with
 * no forward in between — checked against the cpu backend on the new values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fusedSgdUpdate } from './optimizer-kernels';
import { relativeError, setTestBackend } from '../testing';
import { describeNative } from './native/tensor-kernels-harness';
import { retireTensorToken, tensorToken } from './tensor-tokens';

describe('tensorToken', () => {
  it('names one dataId’s contents until retired, then a fresh number; never reused', () => {
    const [a, b] = [{}, {}].map((dataId) => ({ dataId, shape: [1], dtype: 'float32' as const }));
    const ta = tensorToken(a);
    expect(tensorToken(a)).toBe(ta);
    expect(tensorToken(b)).not.toBe(ta);
    retireTensorToken(a.dataId);
    const fresh = tensorToken(a);
    expect(fresh).not.toBe(ta);
    expect(fresh).not.toBe(tensorToken(b));
    expect(fresh).toBeGreaterThan(0);
  });
});


describeNative('tensor tokens (native backend)', () => {
  it('an input gradient after an in-place update of its filter uses the new values', async () => {
    await setTestBackend('native');
    // Blocked layouts (≥ 32 channels, ≥ 64 output pixels): the backward reads the forward's filter copy when tokens match.
    const x = tf.randomNormal([1, 16, 16, 32], 0, 1, 'float32', 1) as tf.Tensor4D;
    const dy = tf.randomNormal([1, 16, 16, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
    const w0 = tf.tidy(() => tf.mul(tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 3), 1)) as tf.Tensor4D; // a private allocator block
    const g = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 4);
    tf.dispose(tf.conv2d(x, w0, 1, 'same'));
    const [w1] = fusedSgdUpdate(w0, g, null, { lr: 1, momentum: 0, nesterov: false, weightDecay: 0, inPlace: true }) as [tf.Tensor4D];
    expect(w1.dataId).toBe(w0.dataId); // updated in place: the case under test
    const dx = tf.conv2dTranspose(dy, w1, x.shape, 1, 'same').dataSync().slice();
    const [xv, dyv, wv] = [x, dy, w1].map((t) => ({ values: t.dataSync().slice(), shape: t.shape }));
    tf.dispose([x, dy, w1, g]);

    await setTestBackend('cpu');
    const expected = tf.tidy(() =>
      tf.conv2dTranspose(tf.tensor4d(dyv.values, dyv.shape as [number, number, number, number]), tf.tensor4d(wv.values, wv.shape as [number, number, number, number]), xv.shape as [number, number, number, number], 1, 'same').dataSync().slice(),
    );
    expect(relativeError(dx, expected)).toBeLessThan(1e-5);
  });
});

/** The test helpers themselves, against hand computations. */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, numericGradient, relativeError, setTestBackend, testBackends } from './index';

describe('compute testing helpers', () => {
  it('testBackends lists cpu and wasm, and native where the addon loads', () => {
    let addon = process.env['SEMADAPT_NATIVE'] !== '0';
    const addonPackage = '@semadapt/onednn-kernels'; // the optional addon, resolved at run time by name
    try {
      require(addonPackage);
    } catch {
      addon = false;
    }
    expect(testBackends()).toEqual(process.env['SEMADAPT_TEST_BACKENDS'] ? expect.any(Array) : addon ? ['cpu', 'wasm', 'native'] : ['cpu', 'wasm']);
  });

  for (const backend of testBackends()) {
    describe(`on ${backend}`, () => {
      beforeAll(async () => setTestBackend(backend));

      it('setTestBackend activates the backend', () => {
        expect(tf.getBackend()).toBe(backend);
      });

      it('numericGradient of sum(x^3) x=[2,3] is 3x^2 (hand computation)', () => {
        const x = tf.tensor2d([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
        const g = numericGradient((t) => tf.sum(tf.pow(t, 3)), x, 1e-2);
        const hand = [0.75, 3, 12, 6.75, 0.1875, 1.6875];
        // Central differences of a cubic have error exactly eps^2 (=1e-4) per element.
        expectAllClose(g, hand, { atol: 2e-3, rtol: 1e-3 });
        x.dispose();
        g.dispose();
      });

      it('expectNoTensorLeak passes on a tidy call and fails on a leak', async () => {
        await expectNoTensorLeak(() => tf.tidy(() => tf.add(tf.ones([2]), 1)).dispose());
        let leaked: tf.Tensor | undefined;
        await expect(expectNoTensorLeak(() => { leaked = tf.ones([3]); })).rejects.toThrow(/numTensors went from \d+ to \d+ \(\+1\)/);
        leaked?.dispose();
      });
    });
  }

  it('expectAllClose reports the worst element with its index', () => {
    const a = tf.tensor2d([[1, 2], [3, 4]]);
    expect(() => expectAllClose(a, [1, 2, 3.5, 4], { atol: 0.1, rtol: 0, label: 'case' })).toThrow(
      /case: 1\/4 elements not close .*worst at flat 2 \(index \[1,0\]\): actual 3 vs expected 3.5 \(abs diff 0.5\)/,
    );
    expect(() => expectAllClose(a, tf.tensor1d([1, 2, 3, 4]))).toThrow(/shape mismatch/);
    expect(() => expectAllClose([NaN, 1], [NaN, 1])).not.toThrow();
    expect(() => expectAllClose([1.00001], [1], { atol: 0, rtol: 1e-4 })).not.toThrow();
    a.dispose();
  });

  it('relativeError is max|a-e| / max|e|', () => {
    expect(relativeError([1, 2, 4.02], [1, 2, 4])).toBeCloseTo(0.02 / 4, 12);
  });
});

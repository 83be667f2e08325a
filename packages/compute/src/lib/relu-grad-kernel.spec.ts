/**
 * `reluGrad(dy, y)` = dy·step(y) on every backend against a float64 loop
 * written here (tfjs's step: NaN stays NaN, y > 0 → 1, else 0), with the
 * edge values (0, −0, NaN, ±Infinity in dy and y) and a size past the
 * threading threshold; and the composition it replaces, on the same backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, setTestBackend, testBackends } from '../testing';
import { kernelImplementation } from './kernel-registry';
import { RELU_GRAD, reluGrad, reluGradConfig } from './relu-grad-kernel';

function expected(dy: Float32Array, y: Float32Array): Float64Array {
  const out = new Float64Array(dy.length);
  for (let i = 0; i < dy.length; i++) out[i] = Number.isNaN(y[i]) ? NaN : y[i] > 0 ? dy[i] : dy[i] * 0;
  return out;
}

function series(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (2 * s) / 2 ** 32 - 1;
  }
  return out;
}

for (const backend of testBackends()) {
  describe(`reluGrad on ${backend}`, () => {
    beforeAll(async () => {
      await setTestBackend(backend);
    });

    it('is registered on the backend', () => {
      expect(kernelImplementation(RELU_GRAD, tf.getBackend())).toBeDefined();
      if (backend === 'native') expect(kernelImplementation(RELU_GRAD, backend)).toBe('native');
    });

    it('edge values: y of 0, −0, NaN, ±Infinity; dy of ±Infinity and NaN', () => {
      const y = Float32Array.from([1, 0, -0, -2, NaN, Infinity, -Infinity, 3, -1, 0.5, 2, -3]);
      const dy = Float32Array.from([2, 5, 7, 1, 4, -3, 6, Infinity, Infinity, NaN, -Infinity, NaN]);
      const g = reluGrad(tf.tensor(dy, [3, 4]), tf.tensor(y, [3, 4]));
      expect(g.shape).toEqual([3, 4]);
      expectAllClose(g, expected(dy, y), { rtol: 0, atol: 0 });
      g.dispose();
    });

    it('matches the float64 loop and the Step·Multiply composition on a large NHWC tensor', () => {
      const shape = [2, 133, 47, 43]; // 537,578 elements: past the native loops' threading bound (2¹⁹)
      const n = shape.reduce((p, d) => p * d, 1);
      const dy = series(n, 1);
      const y = series(n, 2);
      tf.tidy(() => {
        const dt = tf.tensor(dy, shape);
        const yt = tf.tensor(y, shape);
        const g = reluGrad(dt, yt);
        expectAllClose(g, expected(dy, y), { rtol: 0, atol: 0 });
        expectAllClose(g, tf.mul(dt, tf.step(yt)), { rtol: 0, atol: 0 });
      });
    });

    it("tf.relu's gradient is SemadaptReluGrad (one pass but on wasm: no Step, no Multiply) with tfjs's values", async () => {
      expect(tf.getGradient('Relu')).toBe(reluGradConfig);
      const x = Float32Array.from([1, 0, -0, -2, NaN, Infinity, -Infinity, 3, ...series(4093, 3)]);
      const dy = series(x.length, 4);
      let g: Float32Array = new Float32Array(0);
      const info = await tf.profile(() => {
        const out = tf.grad((v: tf.Tensor) => tf.relu(v))(tf.tensor(x), tf.tensor(dy));
        g = out.dataSync() as Float32Array;
        out.dispose();
      });
      expect(info.kernelNames).toContain(RELU_GRAD);
      if (kernelImplementation(RELU_GRAD, backend) !== 'composed') {
        // wasm composes the kernel from its Step and Multiply; elsewhere it is one pass.
        expect(info.kernelNames).not.toContain('Step');
        expect(info.kernelNames).not.toContain('Multiply');
      }
      expectAllClose(g, expected(dy, x), { rtol: 0, atol: 0 });
    });

    it('rejects other dtypes and mismatched shapes, naming both', () => {
      tf.tidy(() => {
        expect(() => reluGrad(tf.ones([2, 3]), tf.ones([3, 2]))).toThrow(/reluGrad: dy \[2,3\] and y \[3,2\]/);
        expect(() => reluGrad(tf.ones([2], 'int32'), tf.ones([2]))).toThrow(/reluGrad: float32 tensors only, received int32/);
      });
    });
  });
}

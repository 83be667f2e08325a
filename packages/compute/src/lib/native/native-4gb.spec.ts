/**
 * The native backend has no 4 GB ceiling: its tensors are plain typed arrays
 * (wasm32's one heap stops at 4 GiB). Here two 1.6 GB tensors and their sum
 * make a 4.8 GB working set — past 4 GiB, which wasm cannot hold — and the
 * sum is right everywhere we look (both ends, a strided sample, its min and
 * max), then everything is released.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, testBackends } from '../../testing';

const SHAPE: [number, number, number, number] = [1, 8192, 8192, 6];
const N = SHAPE.reduce((a, b) => a * b, 1);

if (testBackends().includes('native')) {
  describe('native backend beyond 4 GiB', () => {
    beforeAll(async () => {
      await setTestBackend('native');
    });

    it(`a + b over [${SHAPE}] (3 × ${((4 * N) / 1e9).toFixed(2)} GB = ${((12 * N) / 2 ** 30).toFixed(2)} GiB live)`, () => {
      const before = tf.memory().numTensors;
      const a = tf.fill(SHAPE, 1.5);
      const b = tf.fill(SHAPE, 2);
      const c = tf.add(a, b);
      expect(tf.memory().numBytes).toBeGreaterThan(4 * 2 ** 30);
      const v = c.dataSync();
      expect(v.length).toBe(N);
      expect([v[0], v[N - 1]]).toEqual([3.5, 3.5]);
      for (let i = 0; i < N; i += 9_999_991) expect(v[i]).toBe(3.5);
      const [lo, hi] = tf.tidy(() => [tf.min(c), tf.max(c)].map((t) => t.dataSync()[0]));
      expect([lo, hi]).toEqual([3.5, 3.5]);
      tf.dispose([a, b, c]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
} else {
  it('native backend beyond 4 GiB: not tested (the addon is not loaded)', () => {
    console.warn('\n*** NATIVE > 4 GiB NOT TESTED: the addon is not loaded ***\n');
    expect(testBackends()).not.toContain('native');
  });
}

/**
 * The addon's convolution primitive cache is bounded: convolutions over many
 * geometries (as training over many image sizes does) keep its bytes under
 * the limit and evict the oldest entries; results do not depend on what was evicted (a conv after
 * its geometry's eviction equals the cpu backend's).
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend, testBackends } from '../../testing';
import { loadNativeKernels } from './addon';

const HAS_NATIVE = testBackends().includes('native');

/** Forward and both gradients of a 3×3 conv with C → C channels on a `[1, h, w, C]` input (blocked layouts: scratch copies). */
function step(h: number, w: number, C = 64): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(lcgValues(h * w * C, h * 1000 + w), [1, h, w, C]);
    const f = tf.tensor4d(lcgValues(9 * C * C, 7).map((v) => v * 0.1), [3, 3, C, C]);
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, f]);
    return [dx, df].map((t) => Float32Array.from(t.dataSync()));
  });
}

if (HAS_NATIVE) {
  describe('native primitive cache', () => {
    const addon = loadNativeKernels().addon;
    let saved = 0;

    beforeAll(async () => {
      await setTestBackend('native');
      saved = addon?.cacheStats().limit ?? 0;
    });
    afterAll(() => addon?.setCacheLimit(saved));

    it('stays under its byte limit over 48 geometries, evicting', () => {
      if (!addon) throw new Error('addon not loaded');
      const limit = 24 << 20;
      addon.setCacheLimit(limit);
      const before = addon.cacheStats().evictions;
      for (let i = 0; i < 48; i++) {
        step(40 + (i % 24), 48 + Math.floor(i / 24) * 8);
        const s = addon.cacheStats();
        expect(s.bytes).toBeLessThanOrEqual(limit);
      }
      const after = addon.cacheStats();
      expect(after.evictions - before).toBeGreaterThan(60);
      // The cache's own accounting is the evidence: process RSS inside a jest worker moves by hundreds of MB
      // with what earlier suites left in malloc's arenas, and does not tell a bounded cache from an unbounded one.
    });

    it('a geometry evicted and run again gives the cpu result', async () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(0);
      // Small: tfjs-backend-cpu's filter gradient takes minutes at 64 channels.
      const onNative = step(13, 11, 16);
      await setTestBackend('cpu');
      const onCpu = step(13, 11, 16);
      await setTestBackend('native');
      onNative.forEach((a, i) => expect(relativeError(a, onCpu[i])).toBeLessThan(1e-4));
      expect(addon.cacheStats().entries).toBeLessThanOrEqual(1);
    });
  });
} else {
  it('native primitive cache: not tested (the addon is not loaded)', () => {
    console.warn('\n*** NATIVE PRIMITIVE CACHE NOT TESTED: the addon is not loaded ***\n');
    expect(loadNativeKernels().status.enabled).toBe(false);
  });
}

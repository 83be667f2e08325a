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

    it('holds a scratch copy only where a primitive reorders: 4 activation copies a conv, not 6', () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(1 << 30);
      const before = addon.cacheStats();
      const [h, w, C] = [21, 19, 64];
      step(h, w, C); // a geometry no other test runs
      const after = addon.cacheStats();
      expect(after.evictions).toBe(before.evictions);
      // Three primitives (64 KiB each, nominal); forward: x, y and the filter; input gradient: dy, dx and
      // the filter; filter gradient: dw only (x from the forward's copy, dy from the input gradient's).
      const activation = 4 * h * w * C;
      const filter = 4 * 9 * C * C;
      expect(after.entries - before.entries).toBe(3);
      expect(after.bytes - before.bytes).toBe(3 * 65536 + 4 * activation + 3 * filter);
    });

    it('a geometry evicted and run again gives the cpu result', async () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(0);
      // Small (tfjs-backend-cpu's filter gradient takes minutes at 64 channels), but 32 channels: blocked layouts, scratch copies.
      const onNative = step(13, 11, 32);
      await setTestBackend('cpu');
      const onCpu = step(13, 11, 32);
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

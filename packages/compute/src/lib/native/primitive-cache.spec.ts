/**
 * The addon's convolution primitive cache is bounded: convolutions over many
 * geometries (as training over many image sizes does) keep its bytes under
 * the limit and evict the oldest entries; results do not depend on what was evicted (a conv after
 * its geometry's eviction equals the cpu backend's). Entries hold only the
 * copies a later primitive reads; what a call stages for itself lives in one
 * shared workspace, sized by the largest call; a filter gradient whose
 * blocked copy would pass 64 MiB runs in output-channel parts (checked
 * against a float64 loop).
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend, testBackends } from '../../testing';
import { loadNativeKernels, type ConvGeometry } from './addon';

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

    it('stays under its byte limit over 48 geometries, dropping held copies before it evicts primitives', () => {
      if (!addon) throw new Error('addon not loaded');
      const limit = 24 << 20;
      // Empty first: the addon (and its cache) outlives a spec file in a jest worker, so entries other suites
      // left would count against the bound here.
      addon.setCacheLimit(0);
      addon.setCacheLimit(limit);
      const before = addon.cacheStats();
      expect(before.entries).toBe(0);
      for (let i = 0; i < 48; i++) {
        step(40 + (i % 24), 48 + Math.floor(i / 24) * 8);
        const s = addon.cacheStats();
        expect(s.bytes).toBeLessThanOrEqual(limit);
      }
      const after = addon.cacheStats();
      // 144 primitives' nominal 64 KiB (9 MiB) fit: only their copies went.
      expect((after.drops ?? 0) - (before.drops ?? 0)).toBeGreaterThan(60);
      expect(after.evictions).toBe(before.evictions);
      expect(after.entries - before.entries).toBe(144);
      // Under a bound below the primitives' own bytes, entries go too.
      addon.setCacheLimit(4 << 20);
      expect(addon.cacheStats().entries).toBeLessThanOrEqual(64);
      expect(addon.cacheStats().evictions).toBeGreaterThan(after.evictions);
      // The cache's own accounting is the evidence: process RSS inside a jest worker moves by hundreds of MB
      // with what earlier suites left in malloc's arenas, and does not tell a bounded cache from an unbounded one.
    });

    it('holds only the copies a later primitive reads: x, dy and the filter, 2 activations a conv (was 6)', () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(1 << 30);
      const before = addon.cacheStats();
      const [h, w, C] = [21, 19, 64];
      step(h, w, C); // a geometry no other test runs
      const after = addon.cacheStats();
      expect(after.evictions).toBe(before.evictions);
      // Three primitives (64 KiB each, nominal); held: the forward's x and filter (read by the filter gradient
      // and the input gradient) and the input gradient's dy (read by the filter gradient). y, dx, dw and the
      // input gradient's own filter copy are staged in the workspace for their call only.
      const activation = 4 * h * w * C;
      const filter = 4 * 9 * C * C;
      expect(after.entries - before.entries).toBe(3);
      expect(after.bytes - before.bytes).toBe(3 * 65536 + 2 * activation + filter);
    });

    it('stages one-call copies in one shared workspace: the largest call\'s need, not a sum over geometries', () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(1 << 30, 0); // frees the workspace
      addon.setCacheLimit(1 << 30, 256 << 20);
      const page = (bytes: number) => Math.ceil(bytes / 4096) * 4096;
      // 'same' 3×3 convs, C → C channels (multiples of 8: blocked copies are as large as the user's arrays);
      // the second has the largest activations and filter.
      const geometries: [number, number, number][] = [[23, 17, 48], [29, 21, 64], [17, 11, 56]];
      const [h, w, C] = geometries[1];
      step(h, w, C);
      const alone = addon.cacheStats().workspace ?? 0;
      // Its largest call, the input gradient: its filter copy and dx.
      expect(alone).toBe(page(4 * 9 * C * C) + page(4 * h * w * C));
      addon.setCacheLimit(1 << 30, 0);
      addon.setCacheLimit(1 << 30, 256 << 20);
      for (const [gh, gw, gc] of geometries) step(gh, gw, gc);
      // Three geometries' nine calls need no more than the largest call: one buffer, not a sum.
      expect(addon.cacheStats().workspace).toBe(alone);
      expect(addon.cacheStats().workspaceLimit).toBe(256 << 20);
      addon.setCacheLimit(1 << 30, 0);
      expect(addon.cacheStats().workspace).toBe(0);
      // Above the bound a call gets a buffer of its own, freed after it: results unchanged, nothing kept.
      const [onSmallWorkspace] = step(23, 17, 64);
      expect(addon.cacheStats().workspace).toBe(0);
      addon.setCacheLimit(1 << 30, 256 << 20);
      const [onWorkspace] = step(23, 17, 64);
      expect(relativeError(onSmallWorkspace, onWorkspace)).toBe(0);
    });

    it('runs a filter gradient whose blocked copy passes 64 MiB in output-channel parts: dw, db match a float64 loop', () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(1 << 30, 0);
      addon.setCacheLimit(1 << 30, 256 << 20);
      // 7×7, 512 → 704 (69 MiB of filter) on a 7×8 input: 1×2 output px, so the forward and input gradient are
      // plain (no filter copy) and the filter gradient (kernels over 5×5) blocked: two parts of 352 channels.
      const [H, W, CI, CO, K] = [7, 8, 512, 704, 7];
      const g: ConvGeometry = { xShape: [1, H, W, CI], wShape: [K, K, CI, CO], yShape: [1, 1, 2, CO], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };
      const x = lcgValues(H * W * CI, 11);
      const dy = lcgValues(2 * CO, 12);
      const dw = new Float32Array(K * K * CI * CO);
      const db = new Float32Array(CO);
      addon.conv2dForward(g, x, new Float32Array(K * K * CI * CO), new Float32Array(2 * CO), 901, 902); // x's token: the filter gradient may read its copy
      addon.conv2dBackwardWeights(g, x, dy, dw, 901, 903, db);
      // dw[kh, kw, ci, co] = x[kh, kw, ci] · dy[0, 0, co] + x[kh, kw + 1, ci] · dy[0, 1, co]; db[co] = dy[0, 0, co] + dy[0, 1, co].
      // Every output channel (both parts) at every 16th input channel: a loop over all 17.7 M weights takes ~20 s in jest.
      let err = 0;
      let scale = 0;
      for (let kh = 0; kh < K; kh++)
        for (let kw = 0; kw < K; kw++)
          for (let ci = 0; ci < CI; ci += 16) {
            const x0 = x[(kh * W + kw) * CI + ci];
            const x1 = x[(kh * W + kw + 1) * CI + ci];
            const at = ((kh * K + kw) * CI + ci) * CO;
            for (let co = 0; co < CO; co++) {
              const ref = x0 * dy[co] + x1 * dy[CO + co];
              err = Math.max(err, Math.abs(dw[at + co] - ref));
              scale = Math.max(scale, Math.abs(ref));
            }
          }
      expect(err / scale).toBeLessThan(1e-5);
      const dbRef = new Float64Array(CO).map((_, co) => dy[co] + dy[CO + co]);
      expect(relativeError(db, dbRef)).toBeLessThan(1e-5);
      // The dw copy staged was one part's (35 MB), never the whole filter's 69 MiB.
      const stats = addon.cacheStats();
      expect(stats.workspace).toBeGreaterThanOrEqual((4 * K * K * CI * CO) / 2);
      expect(stats.workspace).toBeLessThan(4 * K * K * CI * CO);
    });

    it('does not hold a forward\'s blocked filter copy over 64 MiB for the input gradient', () => {
      if (!addon) throw new Error('addon not loaded');
      addon.setCacheLimit(1 << 30, 512 << 20);
      // 7×7, 512 → 704 (69 MiB) on 14×14: 8×8 = 64 output px, blocked layouts (filter reordered).
      const [H, CI, CO, K] = [14, 512, 704, 7];
      const OH = H - K + 1;
      const g: ConvGeometry = { xShape: [1, H, H, CI], wShape: [K, K, CI, CO], yShape: [1, OH, OH, CO], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };
      expect(addon.convLayout?.(g)).toBe('blocked');
      const before = addon.cacheStats();
      addon.conv2dForward(g, lcgValues(H * H * CI, 21), new Float32Array(K * K * CI * CO), new Float32Array(OH * OH * CO), 911, 912);
      const after = addon.cacheStats();
      // One primitive (64 KiB nominal) holding its copy of x only; the filter copy was a workspace slice.
      expect(after.entries - before.entries).toBe(1);
      expect(after.bytes - before.bytes).toBe(65536 + 4 * H * H * CI);
      expect(after.workspace).toBeGreaterThanOrEqual(4 * K * K * CI * CO);
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

/**
 * The native backend's output arrays (tensor-arrays.ts): a block is freed the
 * moment its last tensor is disposed, and never while someone outside the
 * backend can still see it — a caller's array given to `tf.tensor`, an array
 * returned by `dataSync`, a buffer another tensor still views. The rules are
 * checked on `TensorArrays` with a recording allocator, then through the live
 * native backend and the addon's allocator (when the addon loads).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadNativeKernels } from './addon';
import { NativeBackend } from './native-backend';
import { nativeIo } from './native-io';
import { TensorArrays, type BlockAllocator, type TensorArray } from './tensor-arrays';
import { describeNative, useNativeTensorKernels } from './tensor-kernels-harness';

const KB = 1024;

/** An allocator of plain ArrayBuffers that records what it was asked. */
function recordingAllocator(): BlockAllocator & { zeroed: boolean[]; freed: ArrayBuffer[]; live: Set<ArrayBuffer> } {
  const live = new Set<ArrayBuffer>();
  const rec = {
    zeroed: [] as boolean[],
    freed: [] as ArrayBuffer[],
    live,
    allocate(bytes: number, zero: boolean) {
      rec.zeroed.push(zero);
      const b = new ArrayBuffer(bytes);
      live.add(b);
      return b;
    },
    release(b: ArrayBuffer) {
      if (!live.delete(b)) return false;
      rec.freed.push(b);
      return true;
    },
  };
  return rec;
}

describe('TensorArrays', () => {
  it('serves large outputs from the allocator (zeroed unless overwritten) and small ones as JS arrays', () => {
    const alloc = recordingAllocator();
    const arrays = new TensorArrays(alloc, 16 * KB, 0);
    const big = arrays.take(Float32Array, 8 * KB);
    const written = arrays.take(Int32Array, 8 * KB, true);
    const small = arrays.take(Float32Array, 100);
    expect(big).toBeInstanceOf(Float32Array);
    expect(big.length).toBe(8 * KB);
    expect(written).toBeInstanceOf(Int32Array);
    expect(alloc.live.has(big.buffer as ArrayBuffer)).toBe(true);
    expect(alloc.live.has(small.buffer as ArrayBuffer)).toBe(false);
    expect(alloc.zeroed).toEqual([true, false]);
  });

  it('frees a block when its last stored reference goes, never a foreign, exposed or still-viewed one', () => {
    const alloc = recordingAllocator();
    const arrays = new TensorArrays(alloc, KB, 0);

    const foreign = new Float32Array(4 * KB);
    arrays.retain(foreign);
    arrays.release(foreign);
    expect(alloc.freed).toEqual([]);

    const shared = arrays.take(Float32Array, 4 * KB);
    const view = shared.subarray(10, 20); // another tensor stores a view of the same buffer
    arrays.retain(shared);
    arrays.retain(view);
    arrays.release(view);
    expect(alloc.freed).toEqual([]); // the whole array is still stored
    arrays.release(shared);
    expect(alloc.freed).toEqual([shared.buffer]); // the last reference is gone

    const exposed = arrays.take(Float32Array, 4 * KB);
    arrays.retain(exposed);
    arrays.expose(exposed);
    arrays.release(exposed);
    expect(alloc.freed).toHaveLength(1);
    expect(arrays.snapshot()).toEqual({ allocated: 2, released: 1, exposed: 1, reused: 0, pooledBytes: 0 });
  });

  it('keeps released blocks in a pool for the next output of the same byte length (zero-filled unless overwritten)', () => {
    const alloc = recordingAllocator();
    const arrays = new TensorArrays(alloc, KB, 64 * KB);
    arrays.expose(arrays.take(Uint8Array, 32 * KB)); // 32 KiB were once live: the pool may hold what fits beside the live ones
    const a = arrays.take(Float32Array, 2 * KB);
    a.fill(7);
    arrays.retain(a);
    arrays.release(a);
    expect(alloc.freed).toEqual([]);
    expect(arrays.snapshot().pooledBytes).toBe(8 * KB);

    const other = arrays.take(Float32Array, 3 * KB); // another size: a new block
    expect(other.buffer).not.toBe(a.buffer);
    const again = arrays.take(Int32Array, 2 * KB); // same bytes, another dtype: the pooled block, zeroed
    expect(again.buffer).toBe(a.buffer);
    expect(again.every((v) => v === 0)).toBe(true);
    arrays.retain(again);
    expect(arrays.isPrivate(again)).toBe(true); // owned again, stored once
    new Float32Array(again.buffer).fill(5);
    arrays.release(again);
    const overwritten = arrays.take(Float32Array, 2 * KB, true); // the caller writes every element: not zeroed
    expect(overwritten.buffer).toBe(a.buffer);
    expect(overwritten[0]).toBe(5);
    expect(arrays.snapshot()).toEqual({ allocated: 3, released: 0, exposed: 1, reused: 2, pooledBytes: 0 });
    expect(alloc.zeroed).toEqual([true, true, true]);
  });

  it('frees the oldest pooled blocks beyond the bound, blocks larger than it at once, and all of them on drain', () => {
    const alloc = recordingAllocator();
    const arrays = new TensorArrays(alloc, KB, 10 * KB);
    const blocks = [4, 4, 4].map((k) => arrays.take(Uint8Array, k * KB));
    const huge = arrays.take(Uint8Array, 11 * KB);
    for (const b of blocks) {
      arrays.retain(b);
      arrays.release(b);
    }
    expect(alloc.freed).toEqual([blocks[0].buffer]); // 12 KiB > 10: the first released leaves
    expect(arrays.snapshot().pooledBytes).toBe(8 * KB);

    arrays.retain(huge);
    arrays.release(huge);
    expect(alloc.freed).toEqual([blocks[0].buffer, huge.buffer]);

    arrays.drain();
    expect(alloc.freed).toEqual([blocks[0].buffer, huge.buffer, blocks[1].buffer, blocks[2].buffer]);
    expect(arrays.snapshot().pooledBytes).toBe(0);
    expect(alloc.live.size).toBe(0);
  });

  it('gives up pooled blocks before a new one so that live and pooled bytes stay within the most ever live', () => {
    const alloc = recordingAllocator();
    const arrays = new TensorArrays(alloc, KB, 64 * KB);
    const keep = (a: TensorArray): TensorArray => (arrays.retain(a), a);
    const drop = (a: TensorArray): void => arrays.release(a);
    const [a, b, c] = [8, 8, 2].map((k) => keep(arrays.take(Uint8Array, k * KB))); // 18 KiB live: the most ever
    [a, b, c].forEach(drop); // all three pooled: 18 KiB
    const again = keep(arrays.take(Uint8Array, 8 * KB)); // a hit: nothing freed
    expect(again.buffer).toBe(b.buffer);
    const small = keep(arrays.take(Uint8Array, KB)); // a miss, 8 + 1 live + 10 pooled = 19 > 18: the oldest pooled (a) goes
    expect(alloc.freed).toEqual([a.buffer]);
    expect(arrays.snapshot().pooledBytes).toBe(2 * KB);
    drop(small);
    drop(again);
    const within = keep(arrays.take(Uint8Array, 4 * KB)); // a miss: 4 live + 11 pooled = 15 ≤ 18, nothing freed
    expect(alloc.freed).toEqual([a.buffer]);
    expect(arrays.snapshot().pooledBytes).toBe(11 * KB);
    drop(within);
    expect(arrays.snapshot().pooledBytes).toBe(15 * KB);
  });

  it('without an allocator, every array is a JS one and nothing is freed early', () => {
    const arrays = new TensorArrays(null, KB);
    const a = arrays.take(Float32Array, 64 * KB);
    arrays.retain(a);
    arrays.release(a);
    expect(a.length).toBe(64 * KB);
    expect(arrays.snapshot().allocated).toBe(0);
  });
});

describeNative('native backend tensor memory', () => {
  beforeAll(async () => {
    await useNativeTensorKernels();
  });

  const addon = () => {
    const a = loadNativeKernels().addon;
    if (!a?.memoryStats) throw new Error('the addon has no allocator (rebuild it: npx nx run @semadapt/compute:build-native)');
    return a as Required<typeof a>;
  };

  /** Runs `body` with the backend's pool off (every released block freed at once). */
  const withoutPool = (body: () => void) => {
    const arrays = (tf.backend() as NativeBackend).arrays;
    const bound = arrays.poolBytes;
    arrays.poolBytes = 0;
    arrays.drain();
    try {
      body();
    } finally {
      arrays.poolBytes = bound;
    }
  };

  it('frees a disposed tensor’s block at once (pool off), and a view kept by mistake reads as empty', () => withoutPool(() => {
    const backend = tf.backend() as NativeBackend;
    expect(backend).toBeInstanceOf(NativeBackend);
    const before = addon().memoryStats();
    const n = 1 << 20; // 4 MiB
    const t = tf.tidy(() => tf.mul(tf.ones([n]), 3));
    const during = addon().memoryStats();
    expect(during.bytes - before.bytes).toBe(4 * n);
    // A view taken behind the backend's back (as a buggy kernel might keep one).
    const leaked = (backend as unknown as { data: { get(id: object): { values: Float32Array } } }).data.get(t.dataId as object).values;
    expect(leaked[7]).toBe(3);
    t.dispose();
    expect(addon().memoryStats()).toEqual(before);
    expect(leaked.length).toBe(0); // detached: never another tensor's values
    expect(leaked[7]).toBeUndefined();
  }));

  it('serves a repeated step’s outputs from the pool: no new ArrayBuffer after the first step', () => {
    const arrays = (tf.backend() as NativeBackend).arrays;
    const x = tf.randomNormal([1, 32, 32, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 16, 16], 0, 0.1, 'float32', 6) as tf.Tensor4D;
    const step = () => tf.dispose(tf.grads((a: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'))))([x]));
    step();
    const first = arrays.snapshot();
    for (let i = 0; i < 3; i++) step();
    const later = arrays.snapshot();
    expect(later.allocated).toBe(first.allocated);
    expect(later.reused - first.reused).toBeGreaterThanOrEqual(3 * 4); // conv, relu, their gradients: 16 KiB+ outputs each step
    expect(later.pooledBytes).toBeLessThanOrEqual(arrays.poolBytes);
    tf.dispose([x, w]);
  });

  it('a kernel that writes only part of its output sees zeros where a disposed tensor was', () => {
    const n = 1 << 20;
    for (let i = 0; i < 4; i++) tf.dispose(tf.tidy(() => tf.mul(tf.ones([n]), 123.5 + i))); // dirty blocks back to malloc
    tf.registerKernel({
      kernelName: 'SemadaptTestPartialWrite',
      backendName: 'native',
      kernelFunc: ({ backend: b }) => {
        const out = nativeIo(b as tf.KernelBackend, 'SemadaptTestPartialWrite').outputFloat32([n]);
        out.values[0] = 1;
        return out.info;
      },
    });
    let partial: tf.Tensor;
    try {
      partial = tf.engine().runKernel('SemadaptTestPartialWrite', {}, {}) as tf.Tensor;
    } finally {
      tf.unregisterKernel('SemadaptTestPartialWrite', 'native');
    }
    const values = partial.dataSync();
    expect(values[0]).toBe(1);
    let nonZero = 0;
    for (let i = 1; i < values.length; i++) if (values[i] !== 0) nonZero++;
    expect(nonZero).toBe(0);
    partial.dispose();
  });

  it('never frees a caller’s array or one returned by dataSync', () => {
    const n = 1 << 20;
    const mine = new Float32Array(n).fill(4);
    const t = tf.tensor1d(mine);
    t.dispose();
    const read = tf.tidy(() => tf.add(tf.ones([n]), 1));
    const readValues = read.dataSync();
    read.dispose();
    for (let i = 0; i < 4; i++) tf.dispose(tf.tidy(() => tf.mul(tf.ones([n]), 5 + i)));
    expect(mine.every((v) => v === 4)).toBe(true);
    expect(readValues.length).toBe(n);
    expect(readValues.every((v) => v === 2)).toBe(true);
  });

  it('holds the allocator’s live bytes flat over repeated steps (pool off: every block of a disposed tensor freed)', () => withoutPool(() => {
    const w = tf.variable(tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 3));
    const x = tf.randomNormal([1, 64, 64, 32], 0, 1, 'float32', 4) as tf.Tensor4D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.relu(tf.conv2d(x, w as unknown as tf.Tensor4D, 1, 'same')))) as tf.Scalar, [w]);
      const next = tf.tidy(() => tf.sub(w, tf.mul(grads[w.name], 0.1)));
      w.assign(next);
      tf.dispose([value, next, grads[w.name]]);
    };
    step();
    const before = addon().memoryStats();
    for (let i = 0; i < 3; i++) step();
    expect(addon().memoryStats()).toEqual(before);
    tf.dispose([w, x]);
  }));
});

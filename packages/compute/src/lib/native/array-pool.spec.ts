/**
 * The native backend's pool of disposed output arrays (array-pool.ts): it
 * must never hand a kernel another tensor's values where the kernel does not
 * overwrite them, and never reuse an array that someone outside the backend
 * can still see — a caller's array given to `tf.tensor`, an array returned by
 * `dataSync`, a buffer another tensor still views. Checked on the `ArrayPool`
 * itself and through the live native backend (when the addon loads).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ArrayPool } from './array-pool';
import { NativeBackend } from './native-backend';
import { nativeIo } from './native-io';
import { describeNative, useNativeTensorKernels } from './tensor-kernels-harness';

const MB = 1 << 20;

describe('ArrayPool', () => {
  it('hands a released array back zero-filled, or as it was when the caller overwrites every element', () => {
    const pool = new ArrayPool(64 * MB, MB);
    const a = pool.take(Float32Array, MB / 4) as Float32Array;
    a.fill(7);
    pool.retain(a);
    pool.release(a);
    const b = pool.take(Float32Array, MB / 4);
    expect(b).toBe(a);
    expect(b.every((v) => v === 0)).toBe(true);
    b.fill(3);
    pool.retain(b);
    pool.release(b);
    const c = pool.take(Float32Array, MB / 4, true);
    expect(c).toBe(a);
    expect(c[0]).toBe(3);
  });

  it('never pools arrays it did not allocate, arrays still stored twice, exposed arrays, views, or past its limit', () => {
    const pool = new ArrayPool(2 * MB, MB);
    const foreign = new Float32Array(MB / 4);
    pool.retain(foreign);
    pool.release(foreign);
    expect(pool.snapshot().arrays).toBe(0);

    const shared = pool.take(Float32Array, MB / 4);
    const view = shared.subarray(10, 20); // another tensor stores a view of the same buffer
    pool.retain(shared);
    pool.retain(view);
    pool.release(view);
    expect(pool.snapshot().arrays).toBe(0); // the whole array is still stored
    pool.release(shared);
    expect(pool.snapshot().arrays).toBe(1); // the last reference is gone

    const exposed = pool.take(Float32Array, MB / 2);
    pool.retain(exposed);
    pool.expose(exposed);
    pool.release(exposed);
    expect(pool.snapshot().arrays).toBe(1);

    const big = pool.take(Float32Array, (2 * MB) / 4);
    pool.retain(big);
    pool.release(big); // 1 MB held + 2 MB > the 2 MB limit
    expect(pool.snapshot()).toMatchObject({ arrays: 1, bytes: MB });

    const small = pool.take(Uint8Array, 1000);
    pool.retain(small);
    pool.release(small);
    expect(pool.snapshot().arrays).toBe(1);
  });

  it('matches type and length exactly', () => {
    const pool = new ArrayPool(64 * MB, MB);
    const f = pool.take(Float32Array, MB / 4);
    pool.retain(f);
    pool.release(f);
    expect(pool.take(Int32Array, MB / 4)).not.toBe(f);
    expect(pool.take(Float32Array, MB / 4 + 1)).not.toBe(f);
    expect(pool.take(Float32Array, MB / 4)).toBe(f);
  });
});

describeNative('native backend with the array pool', () => {
  let limitBefore = 0;
  beforeAll(async () => {
    await useNativeTensorKernels();
    const backend = tf.backend() as NativeBackend;
    limitBefore = backend.pool.limitBytes;
    backend.setPoolLimit(64 * MB); // off by default (SEMADAPT_NATIVE_POOL_MB)
  });
  afterAll(() => (tf.backend() as NativeBackend).setPoolLimit(limitBefore));

  it('a kernel that writes only part of its output sees zeros, not a disposed tensor’s values', () => {
    const backend = tf.backend() as NativeBackend;
    expect(backend).toBeInstanceOf(NativeBackend);
    const n = MB; // 4 MB of float32
    const dirty = tf.fill([n], 123.5);
    const dirtyValues = backend.readSync(dirty.dataId); // exposed: must never be pooled
    dirty.dispose();
    const pooled = tf.tidy(() => tf.mul(tf.ones([n]), 9)); // a kernel output, pool-owned
    pooled.dispose(); // → the pool
    // A kernel writing only its first element, through the same allocation path as every native kernel.
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
    expect(backend.pool.snapshot().reused).toBeGreaterThan(0); // the check ran on a reused array
    expect(dirtyValues[5]).toBe(123.5); // what dataSync returned was not recycled
    partial.dispose();
  });

  it('never recycles a caller’s array or one returned by dataSync', () => {
    const n = MB;
    const mine = new Float32Array(n).fill(4);
    const t = tf.tensor1d(mine);
    t.dispose();
    const read = tf.tidy(() => tf.add(tf.ones([n]), 1));
    const readValues = read.dataSync();
    read.dispose();
    for (let i = 0; i < 4; i++) tf.dispose(tf.tidy(() => tf.mul(tf.ones([n]), 5 + i)));
    expect(mine.every((v) => v === 4)).toBe(true);
    expect(readValues.every((v) => v === 2)).toBe(true);
  });
});

/**
 * The native backend's reductions (reduce.cc), data movement (layout.cc)
 * and index kernels (index.cc, with the gather gradient) against the cpu backend and float64 loops:
 * every axis set of a rank-3 tensor (adjacent or not, keepDims), long rows
 * and long columns split across threads, empty dims, NaN and ties; slices,
 * reverses, tiles, pads and mirror pads as index maps; concat/stack on every
 * axis; one-hot and gather with batch dims.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose } from '../../testing';
import { expectReasonWhenUnavailable, describeNative, onBoth, ref, useNativeTensorKernels, values } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

const AXES = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];

describeNative('native reductions (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each([
    ['sum', tf.sum, 0, (a: number, v: number) => a + v, (a: number) => a],
    ['mean', tf.mean, 0, (a: number, v: number) => a + v, (a: number, n: number) => a / n],
    ['max', tf.max, -Infinity, (a: number, v: number) => Math.max(a, v), (a: number) => a],
    ['min', tf.min, Infinity, (a: number, v: number) => Math.min(a, v), (a: number) => a],
    ['prod', tf.prod, 1, (a: number, v: number) => a * v, (a: number) => a],
  ] as const)('%s over every axis set of [4, 5, 6] and of long rows/columns', async (name, op, init, step, fin) => {
    const cases: Array<[number[], number[]]> = [...AXES.map((ax) => [[4, 5, 6], ax] as [number[], number[]]), [[2, 40000], [1]], [[40000, 3], [0]], [[3, 20000, 5], [1]], [[1, 30001], [0, 1]]];
    for (const [shape, axes] of cases) {
      const lo = name === 'prod' ? 0.9 : -1, hi = name === 'prod' ? 1.1 : 1;
      const x = values(ref.size(shape), 11, lo, hi);
      for (const keepDims of [false, true]) {
        const { cpu, native } = await onBoth(() => op(tf.tensor(x, shape), axes, keepDims));
        const label = `${name} [${shape}] axes [${axes}] keepDims ${keepDims}`;
        expect(native[0].shape).toEqual(cpu[0].shape);
        expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-4, atol: 1e-5, label: `${label} vs cpu` });
        expectAllClose(native[0].values, ref.reduce(x, shape, axes, init, step, fin), { rtol: 1e-5, atol: 1e-6, label: `${label} vs float64` });
      }
    }
  });

  it('int32 sum/max/min, argMax/argMin (first of ties, every axis), all/any, NaN and empty axes', async () => {
    const ints = Int32Array.from([3, -1, 3, 7, 7, 0, -5, 2, -5, 1, 1, 1]);
    const { cpu, native } = await onBoth(() => {
      const t = tf.tensor(ints, [2, 2, 3], 'int32');
      const f = tf.tensor(values(3 * 50 * 7, 12), [3, 50, 7]);
      const b = tf.tensor([1, 1, 0, 1, 1, 1], [2, 3], 'bool');
      return [tf.sum(t, 1), tf.max(t, [0, 2]), tf.min(t, -1), tf.argMax(t, 2), tf.argMin(t, 0), tf.argMax(f, 0), tf.argMax(f, 1), tf.argMax(f, 2), tf.argMin(f, 1),
        tf.all(b, 1), tf.any(b, 0), tf.max(tf.tensor([1, NaN, 2, 3], [2, 2]), 1), tf.sum(tf.zeros([3, 0, 2]), 1), tf.max(tf.tensor([2, 5, 5, 1]))];
    });
    native.forEach((r, i) => {
      expect(r.dtype).toBe(cpu[i].dtype);
      expect(r.shape).toEqual(cpu[i].shape);
      expectAllClose(r.values, cpu[i].values, { rtol: 0, atol: 0, label: `case ${i}` });
    });
    expect(Array.from(native[3].values)).toEqual([0, 0, 1, 0]); // ties: first index
    expectAllClose(native[11].values, [NaN, 3]);
  });
});

/** Float64 gather: out[c] = x[map_d(c_d)...], −1 → pad. */
function gatherRef(x: ArrayLike<number>, xShape: number[], outShape: number[], maps: ((k: number) => number)[], pad = 0): Float64Array {
  const st = ref.strides(xShape);
  return Float64Array.from({ length: ref.size(outShape) }, (_, i) => {
    const c = ref.unravel(i, outShape);
    let off = 0;
    for (let d = 0; d < c.length; d++) {
      const s = maps[d](c[d]);
      if (s < 0) return pad;
      off += s * st[d];
    }
    return x[off];
  });
}

const reflect = (n: number, before: number, shift: number) => (k: number) => {
  const p = k - before;
  if (p < 0) return -p - 1 + shift;
  if (p >= n) return n - 1 - shift - (p - n);
  return p;
};

describeNative('native layout kernels (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  const shape = [3, 7, 5, 4];
  const x = values(ref.size(shape), 21);
  const id = (k: number) => k;

  it('transpose under every kind of permutation, also past the threading threshold', async () => {
    for (const [s, perm] of [[shape, [0, 3, 1, 2]], [shape, [3, 2, 1, 0]], [shape, [1, 0, 2, 3]], [[300, 257], [1, 0]], [[1, 1, 512, 512], [2, 3, 0, 1]], [[2, 0, 3], [2, 1, 0]]] as Array<[number[], number[]]>) {
      const v = values(ref.size(s), 22);
      const { cpu, native } = await onBoth(() => tf.transpose(tf.tensor(v, s), perm));
      const outShape = perm.map((d) => s[d]);
      const st = ref.strides(s);
      const expected = Float64Array.from({ length: ref.size(outShape) }, (_, i) => v[ref.unravel(i, outShape).reduce((o, c, d) => o + c * st[perm[d]], 0)]);
      expectAllClose(native[0].values, cpu[0].values, { rtol: 0, atol: 0, label: `[${s}] perm [${perm}] vs cpu` });
      expectAllClose(native[0].values, expected, { rtol: 0, atol: 0, label: `[${s}] perm [${perm}] vs float64` });
    }
  });

  it('slice, reverse, tile, pad and mirror pad as index maps', async () => {
    const { cpu, native } = await onBoth(() => {
      const t = tf.tensor(x, shape);
      return [
        tf.slice(t, [1, 2, 0, 1], [2, 3, 5, 2]),
        tf.slice(t, [0, 0, 1, 0], [3, 7, 3, 4]),
        tf.reverse(t, [1, 3]),
        tf.tile(t, [1, 2, 1, 3]),
        tf.pad(t, [[0, 0], [2, 1], [0, 3], [1, 0]], 0.5),
        tf.mirrorPad(t, [[0, 0], [2, 3], [1, 4], [0, 0]], 'reflect'),
        tf.mirrorPad(t, [[1, 2], [0, 0], [5, 5], [0, 0]], 'symmetric'),
      ];
    });
    const expected = [
      gatherRef(x, shape, [2, 3, 5, 2], [(k) => k + 1, (k) => k + 2, id, (k) => k + 1]),
      gatherRef(x, shape, [3, 7, 3, 4], [id, id, (k) => k + 1, id]),
      gatherRef(x, shape, shape, [id, (k) => 6 - k, id, (k) => 3 - k]),
      gatherRef(x, shape, [3, 14, 5, 12], [id, (k) => k % 7, id, (k) => k % 4]),
      gatherRef(x, shape, [3, 10, 8, 5], [id, (k) => (k >= 2 && k < 9 ? k - 2 : -1), (k) => (k < 5 ? k : -1), (k) => (k >= 1 ? k - 1 : -1)], 0.5),
      gatherRef(x, shape, [3, 12, 10, 4], [id, reflect(7, 2, 1), reflect(5, 1, 1), id]),
      gatherRef(x, shape, [6, 7, 15, 4], [reflect(3, 1, 0), id, reflect(5, 5, 0), id]),
    ];
    native.forEach((r, i) => {
      expect(r.shape).toEqual(cpu[i].shape);
      expectAllClose(r.values, cpu[i].values, { rtol: 0, atol: 0, label: `case ${i} vs cpu` });
      expectAllClose(r.values, expected[i], { rtol: 0, atol: 0, label: `case ${i} vs float64` });
    });
  });

  it('concat and stack on every axis, int32 and bool, with empty inputs', async () => {
    const a = values(2 * 3 * 4, 31), b = values(2 * 5 * 4, 32);
    const { cpu, native } = await onBoth(() => {
      const ta = tf.tensor(a, [2, 3, 4]);
      return [
        tf.concat([ta, tf.tensor(b, [2, 5, 4])], 1),
        tf.concat([ta, ta, ta], 0),
        tf.concat([ta, tf.zeros([2, 3, 0]), ta], 2),
        tf.stack([ta, ta], 1),
        tf.stack([ta, ta, ta], 3),
        tf.concat([tf.tensor([1, 2], [2, 1], 'int32'), tf.tensor([3, 4, 5, 6], [2, 2], 'int32')], 1),
        tf.concat([tf.tensor([1, 0], [2], 'bool'), tf.tensor([1], [1], 'bool')], 0),
        tf.concat([tf.tensor(values(300 * 200, 33), [300, 200]), tf.tensor(values(300 * 100, 34), [300, 100])], 1),
      ];
    });
    native.forEach((r, i) => {
      expect(r.shape).toEqual(cpu[i].shape);
      expect(r.dtype).toBe(cpu[i].dtype);
      expectAllClose(r.values, cpu[i].values, { rtol: 0, atol: 0, label: `case ${i}` });
    });
    // Independent check of the first: out[n, j, c] = j < 3 ? a[n, j, c] : b[n, j − 3, c].
    expectAllClose(native[0].values, Float64Array.from({ length: 2 * 8 * 4 }, (_, i) => {
      const [n, j, c] = ref.unravel(i, [2, 8, 4]);
      return j < 3 ? a[(n * 3 + j) * 4 + c] : b[(n * 5 + j - 3) * 4 + c];
    }), { rtol: 0, atol: 0 });
  });

  it('resizeNearestNeighbor (up, down, align corners, half-pixel centres)', async () => {
    const img = values(2 * 5 * 7 * 3, 41);
    for (const [size, align, half] of [[[10, 14], false, false], [[3, 4], false, false], [[9, 13], true, false], [[8, 11], false, true]] as Array<[[number, number], boolean, boolean]>) {
      const { cpu, native } = await onBoth(() => tf.image.resizeNearestNeighbor(tf.tensor4d(img, [2, 5, 7, 3]), size, align, half));
      expectAllClose(native[0].values, cpu[0].values, { rtol: 0, atol: 0, label: `size ${size} align ${align} half ${half}` });
    }
  });
});

describeNative('native index kernels (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it('oneHot (out-of-range rows are off) and gather on axes 0 and 1 and with batch dims', async () => {
    const x = values(4 * 6 * 3, 51);
    const { cpu, native } = await onBoth(() => {
      const t = tf.tensor(x, [4, 6, 3]);
      return [
        tf.oneHot(tf.tensor([0, 3, 2, -1, 7, 1], [2, 3], 'int32'), 4, 2, -1),
        tf.gather(t, tf.tensor([3, 0, 0, 2], [4], 'int32'), 0),
        tf.gather(t, tf.tensor([5, 1, 1], [3], 'int32'), 1),
        tf.gather(t, tf.tensor([1, 0, 2, 2, 0, 1, 1, 1], [4, 2], 'int32'), 2, 1),
        tf.gather(tf.tensor([1, 0, 1], [3], 'bool'), tf.tensor([2, 1], [2], 'int32')),
      ];
    });
    native.forEach((r, i) => {
      expect(r.shape).toEqual(cpu[i].shape);
      expectAllClose(r.values, cpu[i].values, { rtol: 0, atol: 0, label: `case ${i}` });
    });
    expect(Array.from(native[0].values)).toEqual([2, -1, -1, -1, -1, -1, -1, 2, -1, -1, 2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, -1, -1]);
    expectAllClose(native[2].values, gatherRef(x, [4, 6, 3], [4, 3, 3], [(k) => k, (k) => [5, 1, 1][k], (k) => k]), { rtol: 0, atol: 0 });
  });

  it('gather gradient (UnsortedSegmentSum, repeated indices) and unsortedSegmentSum vs cpu and float64', async () => {
    const x = values(5 * 300, 53);
    const ids = [3, 0, 3, 9, 1]; // 9: outside the 4 segments, dropped
    const { cpu, native } = await onBoth(() => [
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor([2, 0, 2, 2], [4], 'int32'), 0), tf.tensor(values(4 * 300, 54), [4, 300]))))(tf.tensor(values(3 * 300, 55), [3, 300])),
      tf.unsortedSegmentSum(tf.tensor(x, [5, 300]), tf.tensor(ids, [5], 'int32'), 4),
    ]);
    native.forEach((r, i) => expectAllClose(r.values, cpu[i].values, { rtol: 1e-6, atol: 1e-7, label: `case ${i}` }));
    const expected = new Float64Array(4 * 300);
    ids.forEach((s, i) => {
      if (s < 4) for (let j = 0; j < 300; j++) expected[s * 300 + j] += x[i * 300 + j];
    });
    expectAllClose(native[1].values, expected, { rtol: 1e-6, atol: 1e-7, label: 'vs float64' });
  });

  it('gather with an index out of range is an error naming it', async () => {
    await useNativeTensorKernels();
    expect(() => tf.tidy(() => tf.gather(tf.tensor([1, 2, 3]), tf.tensor([0, 3], [2], 'int32')))).toThrow(/index 3 .* not in \[0, 3\)/);
  });
});

/**
 * The native backend's elementwise kernels (binary.cc, unary.cc) against the
 * cpu backend and float64 loops: broadcasting in every direction, odd and
 * empty shapes, sizes past the threading threshold, int32 and bool, NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose } from '../../testing';
import { expectReasonWhenUnavailable, describeNative, onBoth, ref, useNativeTensorKernels, values } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

const BINARY: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (x: number, y: number) => number]> = [
  ['add', tf.add, (x, y) => x + y],
  ['sub', tf.sub, (x, y) => x - y],
  ['mul', tf.mul, (x, y) => x * y],
  ['div', tf.div, (x, y) => x / y],
  ['maximum', tf.maximum, (x, y) => Math.max(x, y)],
  ['minimum', tf.minimum, (x, y) => Math.min(x, y)],
  ['squaredDifference', tf.squaredDifference, (x, y) => (x - y) ** 2],
  ['pow', tf.pow, (x, y) => Math.pow(x, y)],
];

// [a shape, b shape]: same, trailing/leading/middle broadcast, both sides broadcast, scalars, empty, one past the threading threshold.
const SHAPES: Array<[number[], number[]]> = [
  [[3, 5, 7], [3, 5, 7]],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [[2, 1, 4], [3, 1]],
  [[1, 1, 1, 5], [4, 4, 3, 1]],
  [[6, 1, 3], [1, 5, 1]],
  [[], [3, 2]],
  [[3, 2], []],
  [[0, 3], [3]],
  [[2, 0, 3], [1, 1, 3]],
  [[64, 33, 17], [33, 1]],
  [[37, 1001], [37, 1001]],
];

describeNative('native binary kernels (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each(BINARY)('%s matches the cpu backend and float64 with broadcasting', async (_name, op, f) => {
    for (const [as, bs] of SHAPES) {
      const av = values(ref.size(as), 1, 0.5, 2);
      const bv = values(ref.size(bs), 2, 0.5, 2);
      const { cpu, native } = await onBoth(() => op(tf.tensor(av, as), tf.tensor(bv, bs)));
      const label = `${_name} [${as}] ∘ [${bs}]`;
      expect(native[0].shape).toEqual(cpu[0].shape);
      expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-6, atol: 1e-7, label: `${label} vs cpu` });
      expectAllClose(native[0].values, ref.binary(av, as, bv, bs, f).values, { rtol: 1e-6, atol: 1e-7, label: `${label} vs float64` });
    }
  });

  it('int32 arithmetic (incl. floorDiv of negatives) and comparisons on float32, int32 and bool', async () => {
    const a = Int32Array.from([7, -7, 9, 0, -3, 5]);
    const b = Int32Array.from([2, 2, -4]);
    const { cpu, native } = await onBoth(() => {
      const ta = tf.tensor(a, [2, 3], 'int32');
      const tb = tf.tensor(b, [3], 'int32');
      const fa = tf.tensor(values(6, 3), [2, 3]);
      const fb = tf.tensor(values(3, 4), [3]);
      const ba = tf.tensor([1, 0, 1, 1, 0, 0], [2, 3], 'bool');
      const bb = tf.tensor([1, 1, 0], [3], 'bool');
      return [tf.add(ta, tb), tf.mul(ta, tb), tf.sub(ta, tb), tf.maximum(ta, tb), tf.floorDiv(ta, tb), tf.greater(fa, fb), tf.lessEqual(ta, tb),
        tf.equal(ta, tf.scalar(0, 'int32')), tf.notEqual(fa, fa), tf.logicalAnd(ba, bb), tf.logicalOr(ba, bb), tf.greaterEqual(fa, fb), tf.less(ta, tb)];
    });
    native.forEach((r, i) => {
      expect(r.dtype).toBe(cpu[i].dtype);
      expect(Array.from(r.values)).toEqual(Array.from(cpu[i].values));
    });
    const aShape = [2, 3], bShape = [3];
    expect(Array.from(native[0].values)).toEqual(Array.from(ref.binary(a, aShape, b, bShape, (x, y) => x + y).values));
    expect(Array.from(native[4].values)).toEqual(Array.from(ref.binary(a, aShape, b, bShape, (x, y) => Math.floor(x / y)).values));
    expect(Array.from(native[6].values)).toEqual(Array.from(ref.binary(a, aShape, b, bShape, (x, y) => +(x <= y)).values));
  });

  it('inputs stored as another dtype (a lossless cast shares the int32 or bool array)', async () => {
    const labels = Int32Array.from([3, 255, 0, 7, 255, 1]);
    const { cpu, native } = await onBoth(() => {
      const asFloat = tf.cast(tf.tensor(labels, [2, 3], 'int32'), 'float32');
      const asInt = tf.cast(tf.tensor([1, 0, 1], [3], 'bool'), 'int32');
      return [tf.notEqual(tf.tensor(labels, [2, 3], 'int32'), 255), tf.add(asFloat, tf.scalar(0.5)), tf.mul(asInt, tf.tensor([2, 3, 4], [3], 'int32')), tf.exp(tf.mul(asFloat, 0.01)), tf.sum(asFloat, 1)];
    });
    native.forEach((r, i) => {
      expect(r.dtype).toBe(cpu[i].dtype);
      expectAllClose(r.values, cpu[i].values, { rtol: 1e-6, atol: 0, label: `case ${i}` });
    });
    expect(Array.from(native[0].values)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(Array.from(native[1].values)).toEqual([3.5, 255.5, 0.5, 7.5, 255.5, 1.5]);
  });

  it('maximum and minimum propagate NaN as tfjs does', async () => {
    const { cpu, native } = await onBoth(() => [tf.maximum(tf.tensor([NaN, 1, 2]), tf.tensor([0, NaN, 3])), tf.minimum(tf.tensor([NaN, 1, 2]), tf.tensor([0, NaN, 3]))]);
    expectAllClose(native[0].values, cpu[0].values);
    expectAllClose(native[1].values, cpu[1].values);
    expectAllClose(native[0].values, [NaN, NaN, 3]);
  });
});

const UNARY: Array<[string, (x: tf.Tensor) => tf.Tensor, (v: number) => number, number, number]> = [
  ['relu', tf.relu, (v) => (v < 0 ? 0 : v), -3, 3],
  ['relu6', tf.relu6, (v) => Math.min(Math.max(v, 0), 6), -3, 9],
  ['leakyRelu', (x) => tf.leakyRelu(x, 0.2), (v) => (v < 0 ? 0.2 * v : v), -3, 3],
  ['step', (x) => tf.step(x, 0.3), (v) => (v > 0 ? 1 : 0.3), -3, 3],
  ['neg', tf.neg, (v) => -v, -3, 3],
  ['abs', tf.abs, Math.abs, -3, 3],
  ['square', tf.square, (v) => v * v, -3, 3],
  ['sign', tf.sign, Math.sign, -3, 3],
  ['floor', tf.floor, Math.floor, -3, 3],
  ['ceil', tf.ceil, Math.ceil, -3, 3],
  ['reciprocal', tf.reciprocal, (v) => 1 / v, 0.1, 3],
  ['sqrt', tf.sqrt, Math.sqrt, 0, 9],
  ['rsqrt', tf.rsqrt, (v) => 1 / Math.sqrt(v), 0.01, 9],
  ['exp', tf.exp, Math.exp, -10, 10],
  ['log', tf.log, Math.log, 0.001, 100],
  ['log1p', tf.log1p, Math.log1p, -0.9, 100],
  ['expm1', tf.expm1, Math.expm1, -3, 3],
  ['tanh', tf.tanh, Math.tanh, -5, 5],
  ['sigmoid', tf.sigmoid, (v) => 1 / (1 + Math.exp(-v)), -20, 20],
  ['softplus', tf.softplus, (v) => Math.log1p(Math.exp(v)), -20, 20],
  ['elu', tf.elu, (v) => (v >= 0 ? v : Math.exp(v) - 1), -5, 5],
  ['clipByValue', (x) => tf.clipByValue(x, -0.5, 0.7), (v) => Math.min(Math.max(v, -0.5), 0.7), -3, 3],
];

describeNative('native unary kernels (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each(UNARY)('%s matches the cpu backend and float64 (odd, large and empty sizes)', async (name, op, f, lo, hi) => {
    for (const shape of [[7, 3], [70001], [0, 4]]) {
      const x = values(ref.size(shape), 5, lo, hi);
      const { cpu, native } = await onBoth(() => op(tf.tensor(x, shape)));
      expectAllClose(native[0].values, cpu[0].values, { rtol: 2e-6, atol: 1e-7, label: `${name} [${shape}] vs cpu` });
      expectAllClose(native[0].values, Float64Array.from(x, f), { rtol: 2e-6, atol: 1e-7, label: `${name} [${shape}] vs float64` });
    }
  });

  it('round is half-to-even and NaN passes through relu, step, sign as in tfjs', async () => {
    const x = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, NaN];
    const { cpu, native } = await onBoth(() => [tf.round(tf.tensor(x)), tf.relu(tf.tensor(x)), tf.step(tf.tensor(x)), tf.sign(tf.tensor(x))]);
    native.forEach((r, i) => expectAllClose(r.values, cpu[i].values, { label: `case ${i}` }));
    expectAllClose(native[0].values, [-2, -2, -0, 0, 2, 2, 2, NaN]);
  });

  it('cast float32 → int32 (truncation) and → bool, bool → float32', async () => {
    const x = [-2.7, -0.2, 0, 0.9, 3.99, 1e10];
    const { cpu, native } = await onBoth(() => [tf.cast(tf.tensor(x), 'int32'), tf.cast(tf.tensor(x), 'bool'), tf.cast(tf.tensor([1, 0, 1], [3], 'bool'), 'float32'), tf.cast(tf.tensor([3, 0, -1], [3], 'int32'), 'bool')]);
    native.forEach((r, i) => {
      expect(r.dtype).toBe(cpu[i].dtype);
      expect(Array.from(r.values)).toEqual(Array.from(cpu[i].values));
    });
    expect(Array.from(native[0].values)).toEqual([-2, 0, 0, 0, 3, 1410065408]); // 1e10 wraps modulo 2^32 as an Int32Array store does
    expect(Array.from(native[1].values)).toEqual([1, 1, 0, 1, 1, 1]);
  });

  it('select (where), addN and softmax', async () => {
    const shape = [5, 301, 19];
    const n = ref.size(shape);
    const a = values(n, 7), b = values(n, 8), c = values(n, 9, -20, 20);
    const cond = Uint8Array.from(values(n, 10), (v) => +(v > 0));
    const { cpu, native } = await onBoth(() => {
      const ta = tf.tensor(a, shape), tb = tf.tensor(b, shape), tc = tf.tensor(c, shape);
      return [tf.where(tf.tensor(cond, shape, 'bool'), ta, tb), tf.addN([ta, tb, tc]), tf.softmax(tc)];
    });
    native.forEach((r, i) => expectAllClose(r.values, cpu[i].values, { rtol: 1e-5, atol: 1e-7, label: `case ${i}` }));
    expectAllClose(native[0].values, Float64Array.from(a, (v, i) => (cond[i] ? v : b[i])), { rtol: 0, atol: 0 });
    expectAllClose(native[1].values, Float64Array.from(a, (v, i) => v + b[i] + c[i]), { rtol: 1e-6, atol: 1e-6 });
    const rows = n / 19;
    const soft = new Float64Array(n);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(c.subarray(r * 19, r * 19 + 19));
      const m = Math.max(...row);
      const s = row.reduce((p, v) => p + Math.exp(v - m), 0);
      row.forEach((v, k) => (soft[r * 19 + k] = Math.exp(v - m) / s));
    }
    expectAllClose(native[2].values, soft, { rtol: 1e-5, atol: 1e-7, label: 'softmax vs float64' });
  });
});

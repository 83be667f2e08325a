/**
 * Kernels that declare their outputs `overwritten` (native-io.ts) get memory
 * that is not zero-filled: whatever a disposed tensor left there. Here the
 * native backend's allocator is wrapped so that every such block arrives full
 * of garbage (all bytes 0xff: NaN in float32, −1 in int32, 255 in bool) and
 * every output, however small, comes from it; each marked kernel must still
 * match the cpu backend exactly where tfjs computes the same thing. A control
 * kernel that writes only part of an `overwritten` output shows the garbage
 * really arrives (the test would catch a kernel that skips elements).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose } from '../../testing';
import { fusedAdamUpdate, fusedSgdUpdate } from '../optimizer-kernels';
import { reluGrad } from '../relu-grad-kernel';
import { NATIVE_BACKEND, type NativeBackend } from './native-backend';
import { nativeIo, OVERWRITTEN } from './native-io';
import type { BlockAllocator } from './tensor-arrays';
import { describeNative, expectReasonWhenUnavailable, onBoth, useNativeTensorKernels, values } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

/** TensorArrays' fields this spec swaps for the duration of the block. */
type Swappable = { allocator: BlockAllocator | null; minBytes: number; poolBytes: number };

const t = (n: number[], seed: number, lo = -2, hi = 2) => tf.tensor(values(n.reduce((p, d) => p * d, 1), seed, lo, hi), n);
const int = (v: number[], shape?: number[]) => tf.tensor(Int32Array.from(v), shape, 'int32');
/** A loss whose gradient with respect to `f`'s input is a non-uniform dy. */
const gradOf = (f: (v: tf.Tensor) => tf.Tensor, x: tf.Tensor, seed: number) =>
  tf.grad((v: tf.Tensor) => {
    const y = f(v);
    return tf.sum(tf.mul(y, tf.tensor(values(y.size, seed), y.shape)));
  })(x);

const UNARY: Array<[string, (x: tf.Tensor) => tf.Tensor]> = [
  ['Relu', tf.relu], ['Relu6', tf.relu6], ['LeakyRelu', (x) => tf.leakyRelu(x, 0.2)], ['Step', (x) => tf.step(x, 0.3)], ['Neg', tf.neg],
  ['Abs', tf.abs], ['Square', tf.square], ['Sign', tf.sign], ['Floor', tf.floor], ['Ceil', tf.ceil], ['Round', tf.round],
  ['Reciprocal', tf.reciprocal], ['Sqrt', (x) => tf.sqrt(tf.abs(x))], ['Rsqrt', (x) => tf.rsqrt(tf.abs(x))], ['Exp', tf.exp],
  ['Log', (x) => tf.log(tf.abs(x))], ['Log1p', (x) => tf.log1p(tf.abs(x))], ['Tanh', tf.tanh], ['Sigmoid', tf.sigmoid],
  ['Softplus', tf.softplus], ['Elu', tf.elu], ['ClipByValue', (x) => tf.clipByValue(x, -0.5, 0.7)], ['Expm1', tf.expm1],
];

const BINARY: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['Add', tf.add], ['Sub', tf.sub], ['Multiply', tf.mul], ['RealDiv', tf.div], ['Maximum', tf.maximum], ['Minimum', tf.minimum],
  ['Pow', (a, b) => tf.pow(tf.abs(a), b)], ['SquaredDifference', tf.squaredDifference],
  ['Greater', tf.greater], ['GreaterEqual', tf.greaterEqual], ['Less', tf.less], ['LessEqual', tf.lessEqual], ['Equal', tf.equal], ['NotEqual', tf.notEqual],
  ['LogicalAnd', (a, b) => tf.logicalAnd(tf.greater(a, 0), tf.greater(b, 0))], ['LogicalOr', (a, b) => tf.logicalOr(tf.greater(a, 0), tf.greater(b, 0))],
];

/** [kernel(s) under test, computation]: shapes odd, some past the threading threshold, broadcasts in both directions. */
const CASES: Array<[string, () => tf.Tensor | tf.Tensor[]]> = [
  ...UNARY.map(([name, f]): [string, () => tf.Tensor] => [name, () => f(t([3, 37, 41], 1))]),
  ...BINARY.map(([name, f]): [string, () => tf.Tensor[]] => [name, () => [f(t([5, 7, 9], 2), t([7, 1], 3)), f(t([1, 9], 4), t([33, 50, 9], 5))]]),
  ['FloorDiv (int32)', () => tf.floorDiv(int([7, -7, 9, 0, -3, 5], [2, 3]), int([2, 2, -4]))],
  ['Add (int32)', () => tf.add(int([1, 2, 3, 4, 5, 6], [2, 3]), int([10, -20, 30]))],
  ['Cast float32→int32, →bool, int32→bool', () => [tf.cast(t([9, 11], 6, -5, 5), 'int32'), tf.cast(tf.relu(t([9, 11], 7)), 'bool'), tf.cast(int([0, 3, -1, 0]), 'bool')]],
  ['Select', () => tf.where(tf.greater(t([6, 13], 8), 0), t([6, 13], 9), t([6, 13], 10))],
  ['AddN', () => tf.addN([t([4, 33], 11), t([4, 33], 12), t([4, 33], 13)])],
  ['Softmax', () => tf.softmax(t([7, 19], 14, -4, 4))],
  ['OneHot', () => tf.oneHot(int([0, 4, 2, -1, 7, 3]), 5)],
  ['GatherV2', () => [tf.gather(t([6, 5, 3], 15), int([5, 0, 2, 2]), 0), tf.gather(t([6, 5, 3], 16), int([4, 1]), 1)]],
  ['UnsortedSegmentSum', () => tf.unsortedSegmentSum(t([7, 6], 17), int([0, 3, 3, -1, 5, 0, 9]) as tf.Tensor1D, 6)],
  ['Transpose', () => [tf.transpose(t([3, 5, 7, 2], 18), [2, 0, 3, 1]), tf.transpose(int([1, 2, 3, 4, 5, 6], [2, 3]))]],
  ['Slice', () => [tf.slice(t([6, 9, 5], 19), [1, 2, 0], [4, 5, 5]), tf.slice(t([6, 9, 5], 20), [0, 3, 1], [6, 1, 3])]],
  ['Reverse', () => tf.reverse(t([4, 6, 5], 21), [0, 2])],
  ['Tile', () => tf.tile(t([3, 4], 22), [2, 3])],
  ['PadV2', () => [tf.pad(t([3, 4, 5], 23), [[1, 2], [0, 3], [2, 1]], 0), tf.pad(t([3, 4, 5], 24), [[0, 0], [2, 2], [0, 0]], 1.5)]],
  ['MirrorPad', () => [tf.mirrorPad(t([2, 5, 6, 3], 25), [[0, 0], [2, 3], [1, 2], [0, 0]], 'reflect'), tf.mirrorPad(t([5, 4], 26), [[2, 1], [3, 0]], 'symmetric')]],
  ['SemadaptMirrorPadFold', () => gradOf((v) => tf.mirrorPad(v, [[0, 0], [2, 3], [1, 2], [0, 0]], 'reflect'), t([2, 5, 6, 3], 27), 28)],
  ['Concat', () => [tf.concat([t([3, 4, 2], 29), t([3, 1, 2], 30), t([3, 5, 2], 31)], 1), tf.concat([t([2, 7], 32), t([5, 7], 33)], 0)]],
  ['Pack', () => tf.stack([t([4, 5], 34), t([4, 5], 35), t([4, 5], 36)], 1)],
  ['ResizeNearestNeighbor', () => tf.image.resizeNearestNeighbor(t([2, 5, 7, 3], 37) as tf.Tensor4D, [11, 4], false, true)],
  // Batch 1: tfjs's cpu kernel gets batches past the first wrong (the native fold matches finite differences there too).
  ['ResizeNearestNeighborGrad', () => gradOf((v) => tf.image.resizeNearestNeighbor(v as tf.Tensor4D, [11, 4], false, false), t([1, 5, 7, 3], 38), 39)],
  ['Sum, Mean, Max, Min, Prod', () => {
    const x = t([4, 6, 5], 40, 0.5, 1.5);
    return [tf.sum(x, 1), tf.mean(x, [0, 2]), tf.max(x, 2, true), tf.min(x, [0, 1]), tf.prod(x, 0), tf.sum(x)];
  }],
  ['ArgMax, ArgMin', () => [tf.argMax(t([4, 6, 5], 41), 1), tf.argMin(t([4, 6, 5], 42), 2)]],
  ['All, Any', () => {
    const b = tf.greater(t([5, 8], 43), -0.5);
    return [tf.all(b, 1), tf.any(tf.greater(t([5, 8], 44), 1.5), 0)];
  }],
  ['BatchMatMul', () => [tf.matMul(t([3, 5, 7], 45), t([3, 7, 4], 46)), tf.matMul(t([6, 5], 47), t([4, 5], 48), false, true)]],
  ['MaxPool, AvgPool', () => {
    const x = t([2, 9, 8, 5], 49) as tf.Tensor4D;
    return [tf.maxPool(x, 3, 2, 'same'), tf.avgPool(x, 2, 2, 'valid'), tf.maxPool(x, 3, 2, 1)];
  }],
  ['MaxPoolGrad', () => gradOf((v) => tf.maxPool(v as tf.Tensor4D, 3, 2, 'same'), t([2, 9, 8, 5], 50), 51)],
  ['AvgPoolGrad', () => gradOf((v) => tf.avgPool(v as tf.Tensor4D, 3, 2, 'valid'), t([2, 9, 8, 5], 52), 53)],
  ['ResizeBilinear', () => [tf.image.resizeBilinear(t([2, 5, 7, 3], 54) as tf.Tensor4D, [9, 13], true), tf.image.resizeBilinear(t([1, 6, 4, 2], 55) as tf.Tensor4D, [3, 9])]],
  ['SemadaptReluGrad', () => reluGrad(t([3, 37, 41], 67), t([3, 37, 41], 68))],
  ['SemadaptSgdUpdate', () => [
    ...fusedSgdUpdate(t([37, 29], 58), t([37, 29], 59), t([37, 29], 60), { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    ...fusedSgdUpdate(t([37, 29], 61), t([37, 29], 62), null, { lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 }),
  ]],
  ['SemadaptAdamUpdate', () => fusedAdamUpdate(t([37, 29], 63), t([37, 29], 64), t([37, 29], 65), t([37, 29], 66, 0, 1), { beta1: 0.5, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, stepSize: 0.02, bias2Sqrt: 0.3 })],
  ['ResizeBilinearGrad', () => gradOf((v) => tf.image.resizeBilinear(v as tf.Tensor4D, [9, 13], true), t([2, 5, 7, 3], 56), 57)],
];

describeNative('kernels with overwritten outputs, on dirty memory (native backend)', () => {
  let arrays: Swappable;
  let saved: Swappable;
  /** Non-zeroed blocks handed out so far. */
  let dirty = 0;

  beforeAll(async () => {
    await useNativeTensorKernels();
    arrays = (tf.findBackend(NATIVE_BACKEND) as NativeBackend).arrays as unknown as Swappable;
    saved = { allocator: arrays.allocator, minBytes: arrays.minBytes, poolBytes: arrays.poolBytes };
    const real = saved.allocator;
    if (!real) throw new Error('the addon has no allocator (rebuild it: npx nx run @semadapt/compute:build-native)');
    arrays.allocator = {
      allocate(bytes, zero) {
        const buffer = real.allocate(bytes, zero);
        if (!zero) {
          new Uint8Array(buffer).fill(0xff);
          dirty++;
        }
        return buffer;
      },
      release: (buffer) => real.release(buffer),
    };
    arrays.minBytes = 0;
    // No pool: every output comes from the dirtying allocator above, never a pooled block that may hold the same values.
    arrays.poolBytes = 0;
    (tf.findBackend(NATIVE_BACKEND) as NativeBackend).arrays.drain();
  });

  afterAll(() => {
    arrays.allocator = saved.allocator;
    arrays.minBytes = saved.minBytes;
    arrays.poolBytes = saved.poolBytes;
  });

  it('a kernel writing part of an overwritten output sees the garbage (the check below is live)', () => {
    tf.registerKernel({
      kernelName: 'SemadaptTestPartialOverwrite',
      backendName: NATIVE_BACKEND,
      kernelFunc: ({ backend }) => {
        const out = nativeIo(backend as tf.KernelBackend, 'SemadaptTestPartialOverwrite').outputFloat32([64], OVERWRITTEN);
        out.values[0] = 1;
        return out.info;
      },
    });
    try {
      const y = tf.engine().runKernel('SemadaptTestPartialOverwrite', {}, {}) as tf.Tensor;
      const v = y.dataSync();
      y.dispose();
      expect(v[0]).toBe(1);
      expect(Number.isNaN(v[1])).toBe(true);
    } finally {
      tf.unregisterKernel('SemadaptTestPartialOverwrite', NATIVE_BACKEND);
    }
  });

  it.each(CASES)('%s writes every element: matches the cpu backend', async (name, f) => {
    const before = dirty;
    const { cpu, native } = await onBoth(f);
    expect(dirty).toBeGreaterThan(before); // the case ran on non-zeroed memory
    expect(native.length).toBe(cpu.length);
    native.forEach((r, i) => {
      expect(r.shape).toEqual(cpu[i].shape);
      expect(r.dtype).toBe(cpu[i].dtype);
      expectAllClose(r.values, cpu[i].values, { rtol: 1e-5, atol: 1e-6, label: `${name} output ${i}` });
    });
  });

  it('keeps numTensors flat', async () => {
    await onBoth(CASES[0][1]);
    const before = tf.memory().numTensors;
    for (const [, f] of CASES.slice(0, 5)) await onBoth(f);
    expect(tf.memory().numTensors).toBe(before);
  });
});

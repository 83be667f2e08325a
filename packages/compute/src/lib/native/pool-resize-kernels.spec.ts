/**
 * The native backend's pooling and resizing (pool.cc, resize.cc) and the
 * gradients computed by folds (layout.cc): forwards against the cpu backend
 * and float64 loops (ceil mode, padding, strides, odd sizes); every gradient
 * kernel against central finite differences of its forward on native, and
 * against the cpu backend where tfjs's cpu kernel is right (it is not for
 * ResizeBilinearGrad with half-pixel centres, which it ignores, nor for
 * AvgPoolGrad in ceil mode, whose rounding it drops).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, numericGradient } from '../../testing';
import { expectReasonWhenUnavailable, describeNative, onBoth, ref, useNativeTensorKernels, values } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

type Pool = { k: number; s: number; pad: 'valid' | 'same' | number; ceil?: boolean };
const POOLS: Pool[] = [
  { k: 3, s: 2, pad: 0, ceil: true }, // DeepLabV2's stem
  { k: 2, s: 2, pad: 0, ceil: true }, // FCN8s's VGG pools
  { k: 3, s: 2, pad: 1 }, // the translator discriminator's downsampling
  { k: 3, s: 1, pad: 'same' },
];

/** Float64 pooling with tfjs's geometry: windows clipped to the image. */
function poolRef(x: Float32Array, [n, h, w, c]: number[], p: Pool, max: boolean): { shape: number[]; values: Float64Array } {
  const info = tf.backend_util.computePool2DInfo([n, h, w, c], p.k, p.s, 1, p.pad, p.ceil ? 'ceil' : undefined);
  const { outHeight: oh, outWidth: ow } = info;
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++)
        for (let ch = 0; ch < c; ch++) {
          let acc = max ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < p.k; ky++)
            for (let kx = 0; kx < p.k; kx++) {
              const iy = y * p.s - info.padInfo.top + ky, ix = z * p.s - info.padInfo.left + kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const v = x[((b * h + iy) * w + ix) * c + ch];
              acc = max ? Math.max(acc, v) : acc + v;
              count++;
            }
          out[((b * oh + y) * ow + z) * c + ch] = max ? acc : acc / count;
        }
  return { shape: [n, oh, ow, c], values: out };
}

/** Float64 bilinear resize with tfjs's source coordinates. */
function bilinearRef(x: Float32Array, [n, h, w, c]: number[], [oh, ow]: number[], align: boolean, half: boolean): Float64Array {
  const axis = (inn: number, out: number, o: number) => {
    const ratio = (align && out > 1 ? inn - 1 : inn) / (align && out > 1 ? out - 1 : out);
    const src = half ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const lo = Math.max(0, Math.floor(src));
    return { lo: Math.min(lo, inn - 1), hi: Math.min(inn - 1, Math.ceil(src)), f: src - lo };
  };
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++) {
        const ty = axis(h, oh, y), tx = axis(w, ow, z);
        for (let ch = 0; ch < c; ch++) {
          const at = (iy: number, ix: number) => x[((b * h + iy) * w + ix) * c + ch];
          const top = at(ty.lo, tx.lo) + (at(ty.lo, tx.hi) - at(ty.lo, tx.lo)) * tx.f;
          const bot = at(ty.hi, tx.lo) + (at(ty.hi, tx.hi) - at(ty.hi, tx.lo)) * tx.f;
          out[((b * oh + y) * ow + z) * c + ch] = top + (bot - top) * ty.f;
        }
      }
  return out;
}

/** d/dx Σ f(x)·r on native by the kernel's gradient, and by central differences in float64 sums. */
async function gradientVsFiniteDifferences(f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, shape: number[], label: string, eps = 1e-2): Promise<void> {
  await useNativeTensorKernels();
  tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const r = tf.tensor(values(f(xt).size, 77), f(xt).shape);
    const loss = (v: tf.Tensor) => tf.sum(tf.mul(f(v), r));
    const analytic = tf.grad(loss)(xt);
    const numeric = numericGradient(loss, xt, eps);
    expectAllClose(analytic, numeric, { rtol: 2e-2, atol: 2e-3, label });
  });
}

describeNative('native pooling (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each(POOLS)('max and avg pool forward: %o', async (p) => {
    const shape = [2, 11, 9, 5];
    const x = values(ref.size(shape), 61);
    const { cpu, native } = await onBoth(() => [
      tf.maxPool(tf.tensor4d(x, shape as [number, number, number, number]), p.k, p.s, p.pad, p.ceil ? 'ceil' : undefined),
      tf.avgPool(tf.tensor4d(x, shape as [number, number, number, number]), p.k, p.s, p.pad, p.ceil ? 'ceil' : undefined),
    ]);
    [true, false].forEach((max, i) => {
      const expected = poolRef(x, shape, p, max);
      expect(native[i].shape).toEqual(expected.shape);
      expectAllClose(native[i].values, cpu[i].values, { rtol: 1e-6, atol: 1e-7, label: `${max ? 'max' : 'avg'} vs cpu` });
      expectAllClose(native[i].values, expected.values, { rtol: 1e-6, atol: 1e-7, label: `${max ? 'max' : 'avg'} vs float64` });
    });
  });

  it.each(POOLS)('max and avg pool gradients vs the cpu backend and finite differences: %o', async (p) => {
    const shape = [1, 7, 6, 3];
    const x = values(ref.size(shape), 62); // distinct values: no ties in a max window
    const pool = (max: boolean) => (v: tf.Tensor) => (max ? tf.maxPool : tf.avgPool)(v as tf.Tensor4D, p.k, p.s, p.pad, p.ceil ? 'ceil' : undefined);
    for (const max of [true, false]) {
      const { cpu, native } = await onBoth(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool(max)(v), tf.tensor(values(pool(max)(v).size, 63), pool(max)(v).shape))))(tf.tensor(x, shape)));
      // tfjs's cpu AvgPoolGrad drops dimRoundingMode (floor geometry for a ceil-mode pool): there only finite differences judge.
      if (max || !p.ceil) expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-5, atol: 1e-6, label: `${max ? 'max' : 'avg'} grad vs cpu` });
      await gradientVsFiniteDifferences(pool(max), x, shape, `${max ? 'max' : 'avg'} grad vs finite differences`);
    }
  });

  it('a large max pool and its gradient (threads split rows and channel blocks)', async () => {
    const shape = [1, 131, 163, 64];
    const x = values(ref.size(shape), 64);
    const { cpu, native } = await onBoth(() => {
      const t = tf.tensor4d(x, shape as [number, number, number, number]);
      const dy = tf.tensor(values(1 * 66 * 82 * 64, 65), [1, 66, 82, 64]);
      return [tf.maxPool(t, 2, 2, 0, 'ceil'), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 0, 'ceil'), dy)))(t)];
    });
    expectAllClose(native[0].values, cpu[0].values, { rtol: 0, atol: 0 });
    expectAllClose(native[1].values, cpu[1].values, { rtol: 0, atol: 0 });
  });
});

describeNative('native resizing (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  const shape = [2, 5, 7, 3];
  const x = values(ref.size(shape), 71);
  const CASES: Array<[[number, number], boolean, boolean]> = [
    [[16, 23], true, false], // DeepLab logits to the label size (align corners)
    [[10, 14], false, true], // the translator's upsampling (half-pixel centres)
    [[3, 4], false, false],
    [[1, 9], true, false],
  ];

  it.each(CASES)('resizeBilinear to %p (align %p, half-pixel %p) vs cpu and float64', async (size, align, half) => {
    const { cpu, native } = await onBoth(() => tf.image.resizeBilinear(tf.tensor4d(x, shape as [number, number, number, number]), size, align, half));
    expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-5, atol: 1e-6, label: 'vs cpu' });
    expectAllClose(native[0].values, bilinearRef(x, shape, size, align, half), { rtol: 1e-5, atol: 1e-6, label: 'vs float64' });
  });

  it.each(CASES)('resizeBilinear gradient to %p (align %p, half-pixel %p) vs finite differences (and cpu without half-pixel)', async (size, align, half) => {
    const small = [1, 4, 5, 2];
    const xs = values(ref.size(small), 72);
    const f = (v: tf.Tensor) => tf.image.resizeBilinear(v as tf.Tensor4D, size, align, half);
    await gradientVsFiniteDifferences(f, xs, small, `bilinear grad ${size}`);
    if (!half) {
      const { cpu, native } = await onBoth(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), tf.tensor(values(f(v).size, 73), f(v).shape))))(tf.tensor(xs, small)));
      expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-5, atol: 1e-6, label: 'vs cpu' });
    }
  });

  it('resizeNearestNeighbor gradient vs finite differences and the cpu backend', async () => {
    const small = [1, 4, 5, 2];
    const xs = values(ref.size(small), 74);
    for (const [size, align] of [[[8, 10], false], [[3, 3], false], [[7, 9], true]] as Array<[[number, number], boolean]>) {
      const f = (v: tf.Tensor) => tf.image.resizeNearestNeighbor(v as tf.Tensor4D, size, align, false);
      await gradientVsFiniteDifferences(f, xs, small, `nearest grad ${size}`);
      const { cpu, native } = await onBoth(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), tf.tensor(values(f(v).size, 75), f(v).shape))))(tf.tensor(xs, small)));
      expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-5, atol: 1e-6, label: `nearest grad ${size} vs cpu` });
    }
  });
});

describeNative('native mirror-pad gradient (SemadaptMirrorPadFold) (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it.each(['reflect', 'symmetric'] as const)('%s: vs finite differences and the cpu backend', async (mode) => {
    const shape = [1, 4, 5, 3];
    const x = values(ref.size(shape), 81);
    const paddings: Array<[number, number]> = mode === 'reflect' ? [[0, 0], [3, 2], [1, 4], [0, 0]] : [[0, 0], [4, 1], [5, 2], [1, 1]];
    const f = (v: tf.Tensor) => tf.mirrorPad(v, paddings, mode);
    await gradientVsFiniteDifferences(f, x, shape, `${mode} fold`);
    const { cpu, native } = await onBoth(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), tf.tensor(values(f(v).size, 82), f(v).shape))))(tf.tensor(x, shape)));
    expectAllClose(native[0].values, cpu[0].values, { rtol: 1e-5, atol: 1e-6 });
  });
});

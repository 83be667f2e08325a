/**
 * The memory-saving fused ops against the separate ops they replace, the
 * reference computed on the cpu backend by tfjs's stock kernels and
 * gradients (`tf.conv2d`, `tf.add`, `tf.relu`, BatchNorm2d's own forward):
 * values and every gradient, on every test backend.
 *
 * - `conv2dBiasActivation`: with and without bias, linear and ReLU, strided,
 *   explicitly padded, and dilated where the backend has dilated gradient
 *   kernels (native).
 * - `convBatchNorm`: a frozen BN (and an eval-mode trainable one, whose
 *   weight and bias then get gradients through the fold) folded into the
 *   conv equals conv → BN → ReLU.
 *   Both sides of the BN, forced (filter: folded into the filter; output:
 *   `channelAffineActivation` on the conv output), and against central
 *   finite differences in x, w, the conv bias and the BN's weight and bias.
 *   'auto' picks the side with fewer elements (checked at DeepLabV2's
 *   layer4 geometry at 64×128 and 512×1024; the output size it computes
 *   against the conv's real output).
 * - `addRelu`: relu(a + b), gradients of both inputs.
 * - the fused ops keep fewer tensor bytes for the backward pass than the
 *   separate ones (the reason they exist); the output side keeps no
 *   filter-sized tensor, and the conv output only when the BN trains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGradientKernelsTakeDilations } from '@semadapt/compute';
import { lcgValues, relativeError, setTestBackend, testBackends } from '../../testing';
import { conv2dBiasActivation, type ConvActivation } from './conv2d-bias';
import { BatchNorm2d, batchNormSideFor, convBatchNorm, convOutputSize } from './batch-norm2d';
import { Conv2d } from './conv2d';
import type { Padding } from './padding';
import { addRelu } from './activations';
import { Rng } from '../init/rng';

type Pad = 'valid' | tf.backend_util.ExplicitPadding;

interface ConvCase {
  x: [number, number, number, number];
  k: number;
  co: number;
  s: [number, number];
  d: [number, number];
  pad: Pad;
  bias: boolean;
  act: ConvActivation;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 8, 5], k: 3, co: 6, s: [1, 1], d: [1, 1], pad: 'valid', bias: true, act: 'relu' },
  { x: [1, 11, 10, 8], k: 3, co: 7, s: [2, 2], d: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], bias: false, act: 'relu' },
  { x: [1, 10, 12, 6], k: 1, co: 9, s: [2, 1], d: [1, 1], pad: 'valid', bias: false, act: 'linear' },
  { x: [1, 12, 11, 8], k: 3, co: 5, s: [1, 1], d: [2, 2], pad: [[0, 0], [2, 2], [2, 2], [0, 0]], bias: true, act: 'relu' },
  { x: [1, 13, 12, 4], k: 3, co: 6, s: [1, 1], d: [3, 3], pad: [[0, 0], [3, 3], [3, 3], [0, 0]], bias: false, act: 'linear' },
];

const dilated = (c: ConvCase) => c.d[0] > 1 || c.d[1] > 1;

/** Both sides of `convBatchNorm`'s running-statistics BN, forced. */
const SIDES: Array<'filter' | 'output'> = ['filter', 'output'];

/** [y, dx, dw, (db)] of L = Σ r·f(x, w, b). */
function convValuesAndGradients(c: ConvCase, f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null) => tf.Tensor4D): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(lcgValues(c.x.reduce((a, b) => a * b, 1), 41), c.x);
    const w = tf.tensor4d(lcgValues(c.k * c.k * c.x[3] * c.co, 42, 0.3), [c.k, c.k, c.x[3], c.co]);
    const b = tf.tensor1d(lcgValues(c.co, 43, 0.5));
    const y = f(x, w, c.bias ? b : null);
    const r = tf.tensor(lcgValues(y.size, 44), y.shape);
    const loss = (...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, c.bias ? (t[2] as tf.Tensor1D) : null), r));
    const grads = c.bias ? tf.grads(loss)([x, w, b]) : tf.grads(loss)([x, w]);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

/** The separate ops: conv2d, add, relu (tfjs's kernels and gradients). */
function separate(c: ConvCase) {
  return (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null) => {
    let y: tf.Tensor4D = tf.conv2d(x, w, c.s, c.pad, 'NHWC', c.d);
    if (b) y = tf.add(y, b);
    return c.act === 'relu' ? tf.relu(y) : y;
  };
}

function expectClose(actual: Float32Array[], expected: Float32Array[], names: string[], tol = 1e-4): void {
  names.forEach((name, i) => {
    const err = relativeError(actual[i], expected[i]);
    if (!(err <= tol)) throw new Error(`${name}: relative error ${err} > ${tol}`);
  });
}

/**
 * The reference: the separate ops on cpu. tfjs's conv2d has no dilated gradient, so a dilated case runs
 * as the equivalent undilated conv whose (k−1)·d+1 filter holds the taps d apart and zeros between
 * (exactly the same sums), and dw is read back from that filter's gradient at the tap positions.
 */
function referenceFor(c: ConvCase): Float32Array[] {
  if (!dilated(c)) return convValuesAndGradients(c, separate(c));
  const [dh, dw] = c.d;
  const kh = (c.k - 1) * dh + 1;
  const kw = (c.k - 1) * dw + 1;
  const ci = c.x[3];
  return tf.tidy(() => {
    const x = tf.tensor4d(lcgValues(c.x.reduce((a, b) => a * b, 1), 41), c.x);
    const w = tf.tensor4d(lcgValues(c.k * c.k * ci * c.co, 42, 0.3), [c.k, c.k, ci, c.co]);
    const b = tf.tensor1d(lcgValues(c.co, 43, 0.5));
    const wv = w.dataSync();
    const big = new Float32Array(kh * kw * ci * c.co);
    const at = (a: number, bb: number) => ((a * dh * kw + bb * dw) * ci) * c.co;
    for (let a = 0; a < c.k; a++) for (let bb = 0; bb < c.k; bb++) big.set(wv.subarray((a * c.k + bb) * ci * c.co, (a * c.k + bb + 1) * ci * c.co), at(a, bb));
    const wBig = tf.tensor4d(big, [kh, kw, ci, c.co]);
    const f = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D | null) => separate({ ...c, d: [1, 1] })(xi, wi, bi);
    const y = f(x, wBig, c.bias ? b : null);
    const r = tf.tensor(lcgValues(y.size, 44), y.shape);
    const loss = (...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, c.bias ? (t[2] as tf.Tensor1D) : null), r));
    const grads = c.bias ? tf.grads(loss)([x, wBig, b]) : tf.grads(loss)([x, wBig]);
    const dBig = grads[1].dataSync();
    const dwTaps = new Float32Array(wv.length);
    for (let a = 0; a < c.k; a++) for (let bb = 0; bb < c.k; bb++) dwTaps.set(dBig.subarray(at(a, bb), at(a, bb) + ci * c.co), (a * c.k + bb) * ci * c.co);
    return [Float32Array.from(y.dataSync()), Float32Array.from(grads[0].dataSync()), dwTaps, ...(c.bias ? [Float32Array.from(grads[2].dataSync())] : [])];
  });
}

/** Bytes of the distinct arrays the tape keeps for the backward pass while `f` runs, and f's output, beyond `excluded`. */
function tapeKeptBytes(f: () => tf.Tensor, variables: tf.Variable[], excluded: tf.Tensor[]): number {
  const eng = tf.engine() as unknown as { state: { activeTape: { saved?: tf.Tensor[] }[] | null } };
  let kept = 0;
  const { value, grads } = tf.variableGrads(() => {
    const from = eng.state.activeTape?.length ?? 0;
    const y = tf.tidy(f);
    const arrays = new Map<object, number>([[y.dataId, y.size * 4]]);
    for (const node of (eng.state.activeTape ?? []).slice(from)) for (const t of node.saved ?? []) arrays.set(t.dataId, t.size * 4);
    for (const t of excluded) arrays.delete(t.dataId);
    kept = [...arrays.values()].reduce((a, b) => a + b, 0);
    return tf.sum(y) as tf.Scalar;
  }, variables);
  tf.dispose([value, ...Object.values(grads)]);
  return kept;
}

/** A conv (bias optional) and a BatchNorm with non-trivial running statistics and affine parameters. */
function convAndBn(o: { ci: number; co: number; k: number; stride?: number; dilation?: number; convBias: boolean; frozen: boolean; seed: number }) {
  const d = o.dilation ?? 1;
  const conv = new Conv2d({ inChannels: o.ci, outChannels: o.co, kernelSize: o.k, stride: o.stride ?? 1, dilation: d, padding: { kind: 'zero', size: (d * (o.k - 1)) / 2 }, bias: o.convBias, rng: new Rng(o.seed) });
  const bn = new BatchNorm2d({ channels: o.co, batchStatistics: !o.frozen });
  bn.runningMean.assign(tf.tensor1d(lcgValues(o.co, o.seed + 1, 0.5)));
  bn.runningVar.assign(tf.tensor1d(Array.from(lcgValues(o.co, o.seed + 2), (v) => 0.5 + Math.abs(v))));
  (bn.weight as tf.Variable).assign(tf.tensor1d(Array.from(lcgValues(o.co, o.seed + 3), (v) => 1 + 0.5 * v)));
  (bn.bias as tf.Variable).assign(tf.tensor1d(lcgValues(o.co, o.seed + 4, 0.2)));
  if (o.frozen) bn.freeze();
  else bn.eval();
  return { conv, bn };
}

describe('convBatchNorm picks the side with fewer elements', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it.each<{ k: number; stride: number; dilation: number; padding: Padding; x: [number, number, number, number] }>([
    { k: 3, stride: 1, dilation: 1, padding: { kind: 'zero', size: 1 }, x: [2, 9, 10, 6] },
    { k: 3, stride: 2, dilation: 1, padding: { kind: 'zero', size: 1 }, x: [1, 11, 10, 6] },
    { k: 1, stride: 2, dilation: 1, padding: { kind: 'valid' }, x: [1, 10, 7, 6] },
    { k: 3, stride: 1, dilation: 2, padding: { kind: 'zero', size: 2 }, x: [1, 12, 9, 6] },
    { k: 7, stride: 2, dilation: 1, padding: { kind: 'zero', size: 3 }, x: [1, 17, 16, 6] },
    { k: 3, stride: 2, dilation: 1, padding: { kind: 'same' }, x: [1, 9, 10, 6] },
    { k: 4, stride: 3, dilation: 1, padding: { kind: 'explicit', top: 2, bottom: 0, left: 1, right: 3 }, x: [1, 13, 11, 6] },
  ])('convOutputSize equals the size of the conv output (k=$k stride=$stride dilation=$dilation padding=$padding.kind x=$x)', (c) => {
    const conv = new Conv2d({ inChannels: 6, outChannels: 5, kernelSize: c.k, stride: c.stride, dilation: c.dilation, padding: c.padding, rng: new Rng(1) });
    const x = tf.zeros(c.x) as tf.Tensor4D;
    const y = conv.forward(x);
    expect(convOutputSize(conv, c.x)).toBe(y.size);
    tf.dispose([x, y]);
    conv.dispose();
  });

  it("DeepLabV2's layer4 3×3 conv (512→512, dilation 4): output side at 64×128 (8×16 maps), filter side at 512×1024 (64×128 maps)", () => {
    const conv = new Conv2d({ inChannels: 512, outChannels: 512, kernelSize: 3, dilation: 4, padding: { kind: 'zero', size: 4 }, bias: false, rng: new Rng(1) });
    // Filter 3·3·512·512 = 2,359,296; outputs 8·16·512 = 65,536 and 64·128·512 = 4,194,304.
    expect(batchNormSideFor(conv, [1, 8, 16, 512])).toBe('output');
    expect(batchNormSideFor(conv, [1, 64, 128, 512])).toBe('filter');
    conv.dispose();
  });
});

describe.each(testBackends())('fused conv ops on %s', (backend) => {
  it.each(CONV_CASES)('conv2dBiasActivation x=$x k=$k s=$s d=$d bias=$bias $act: y and gradients equal the separate ops', async (c) => {
    await setTestBackend('cpu');
    const expected = referenceFor(c);
    await setTestBackend(backend);
    const names = ['y', 'dx', 'dw', 'db'].slice(0, c.bias ? 4 : 3);
    if (dilated(c) && !convGradientKernelsTakeDilations()) {
      expect(() => convValuesAndGradients(c, (x, w, b) => conv2dBiasActivation(x, w, b, { strides: c.s, pad: c.pad, dilations: c.d, activation: c.act }))).toThrow(/no dilated convolution gradient kernels/);
      return;
    }
    const actual = convValuesAndGradients(c, (x, w, b) => conv2dBiasActivation(x, w, b, { strides: c.s, pad: c.pad, dilations: c.d, activation: c.act }));
    expectClose(actual, expected, names);
  });

  it.each(
    [
      { name: '1×1 stride 2, frozen BN, linear', k: 1, stride: 2, dilation: 1, freeze: true, act: 'linear' as const, convBias: false },
      { name: '3×3 dilation 2, frozen BN, ReLU', k: 3, stride: 1, dilation: 2, freeze: true, act: 'relu' as const, convBias: false },
      { name: '3×3, trainable BN in eval mode, conv bias, ReLU', k: 3, stride: 1, dilation: 1, freeze: false, act: 'relu' as const, convBias: true },
      { name: '1×1 stride 2, trainable BN in eval mode, linear', k: 1, stride: 2, dilation: 1, freeze: false, act: 'linear' as const, convBias: false },
    ].flatMap((c) => SIDES.map((side) => ({ ...c, side }))),
  )('convBatchNorm ($name, $side side) equals conv → BatchNorm2d → ReLU, with every gradient', async (c) => {
    const build = () => {
      const rng = new Rng(7);
      const conv = new Conv2d({ inChannels: 6, outChannels: 8, kernelSize: c.k, stride: c.stride, dilation: c.dilation, padding: { kind: 'zero', size: (c.dilation * (c.k - 1)) / 2 }, bias: c.convBias, rng });
      const bn = new BatchNorm2d({ channels: 8, batchStatistics: !c.freeze });
      bn.runningMean.assign(tf.tensor1d(lcgValues(8, 51, 0.5)));
      bn.runningVar.assign(tf.tensor1d(Array.from(lcgValues(8, 52), (v) => 0.5 + Math.abs(v))));
      (bn.weight as tf.Variable).assign(tf.tensor1d(Array.from(lcgValues(8, 53), (v) => 1 + 0.5 * v)));
      (bn.bias as tf.Variable).assign(tf.tensor1d(lcgValues(8, 54, 0.2)));
      if (c.freeze) bn.freeze();
      else bn.eval();
      return { conv, bn };
    };
    const run = (fused: boolean) => {
      const { conv, bn } = build();
      const out = tf.tidy(() => {
        const x = tf.tensor4d(lcgValues(2 * 9 * 10 * 6, 55), [2, 9, 10, 6]);
        const f = () => (fused ? convBatchNorm(conv, bn, x, c.act, c.side) : (() => {
          const y = bn.forward(conv.forward(x));
          return c.act === 'relu' ? tf.relu(y) : y;
        })());
        const y = f();
        const r = tf.tensor(lcgValues(y.size, 56), y.shape);
        const vars = [conv.weight, ...(conv.bias ? [conv.bias] : []), ...(c.freeze ? [] : [bn.weight as tf.Variable, bn.bias as tf.Variable])];
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), r)) as tf.Scalar, vars);
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(fused ? convBatchNorm(conv, bn, xi as tf.Tensor4D, c.act, c.side) : (() => {
          const z = bn.forward(conv.forward(xi as tf.Tensor4D));
          return c.act === 'relu' ? tf.relu(z) : z;
        })(), r)))(x);
        return [y, dx, ...vars.map((v) => grads[v.name])].map((t) => Float32Array.from(t.dataSync()));
      });
      conv.dispose();
      bn.dispose();
      return out;
    };
    // Reference: the separate ops on cpu (a dilated Conv2d there runs space-to-batch, with stock gradients).
    await setTestBackend('cpu');
    const expected = run(false);
    await setTestBackend(backend);
    const actual = run(true);
    expectClose(actual, expected, ['y', 'dx', 'dw', ...(c.convBias ? ['dconvBias'] : []), ...(c.freeze ? [] : ['dbnWeight', 'dbnBias'])]);
  });

  it('addRelu: relu(a + b) and both gradients equal the separate ops', async () => {
    const run = (fused: boolean) =>
      tf.tidy(() => {
        const a = tf.tensor4d(lcgValues(2 * 5 * 6 * 7, 61), [2, 5, 6, 7]);
        const b = tf.tensor4d(lcgValues(2 * 5 * 6 * 7, 62), [2, 5, 6, 7]);
        const r = tf.tensor4d(lcgValues(2 * 5 * 6 * 7, 63), [2, 5, 6, 7]);
        const f = (p: tf.Tensor, q: tf.Tensor) => (fused ? addRelu(p, q) : tf.relu(tf.add(p, q)));
        const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), r)))([a, b]);
        return [f(a, b), ...grads].map((t) => Float32Array.from(t.dataSync()));
      });
    await setTestBackend('cpu');
    const expected = run(false);
    await setTestBackend(backend);
    expectClose(run(true), expected, ['y', 'da', 'db'], 1e-6);
    expect(() => addRelu(tf.zeros([2, 3]), tf.zeros([3, 2]))).toThrow(/addRelu: shapes differ, \[2,3\] and \[3,2\]/);
  });

  it('the fused conv → BN → ReLU keeps fewer bytes for the backward pass than the separate ops', async () => {
    await setTestBackend(backend);
    const conv = new Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 3, padding: { kind: 'zero', size: 1 }, bias: false, rng: new Rng(3) });
    const bn = new BatchNorm2d({ channels: 16 }).freeze();
    const x = tf.tensor4d(lcgValues(1 * 32 * 32 * 16, 71), [1, 32, 32, 16]);
    /** Bytes of the distinct arrays the tape keeps for the backward pass, and the output, beyond x and the weight. */
    const keptBytes = (f: () => tf.Tensor) => tapeKeptBytes(f, [conv.weight], [x, conv.weight]);
    const fused = keptBytes(() => convBatchNorm(conv, bn, x, 'relu'));
    const plain = keptBytes(() => tf.relu(bn.forward(conv.forward(x))));
    const activation = 32 * 32 * 16 * 4;
    // Separate: conv out, BN product, BN sum (ReLU's input), ReLU out. Fused: ReLU out (+ the folded filter).
    expect(plain).toBeGreaterThanOrEqual(4 * activation);
    expect(fused).toBeLessThan(1.5 * activation);
    tf.dispose(x);
    conv.dispose();
    bn.dispose();
  });
  it.each(SIDES)('convBatchNorm (%s side): gradients in x, w, the conv bias and the BN weight and bias equal central finite differences', async (side) => {
    await setTestBackend(backend);
    const { conv, bn } = convAndBn({ ci: 3, co: 4, k: 3, dilation: 2, convBias: true, frozen: false, seed: 81 });
    const x = tf.variable(tf.tensor4d(lcgValues(1 * 6 * 7 * 3, 85), [1, 6, 7, 3]));
    const r = Float64Array.from(lcgValues(1 * 6 * 7 * 4, 86));
    const params: Array<[string, tf.Variable]> = [['x', x], ['w', conv.weight], ['convBias', conv.bias as tf.Variable], ['bnWeight', bn.weight as tf.Variable], ['bnBias', bn.bias as tf.Variable]];
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(convBatchNorm(conv, bn, x, 'relu', side), tf.tensor4d(Float32Array.from(r), [1, 6, 7, 4]))) as tf.Scalar, params.map(([, v]) => v));
    /** L = Σ r·y in float64, and which outputs are active (y > 0). */
    const evaluate = () => {
      const y = tf.tidy(() => convBatchNorm(conv, bn, x, 'relu', side));
      const v = y.dataSync();
      y.dispose();
      let loss = 0;
      for (let i = 0; i < v.length; i++) loss += v[i] * r[i];
      return { loss, active: Array.from(v, (e) => (e > 0 ? 1 : 0)).join('') };
    };
    // y is piecewise linear in each parameter: the central difference is exact unless a unit turns on or off in
    // [θ−ε, θ+ε]; then a smaller ε, and the coordinate is skipped if it still does.
    let checked = 0;
    for (const [name, variable] of params) {
      const base = Float32Array.from(variable.dataSync());
      const analytic = grads[variable.name].dataSync();
      const numeric: number[] = [];
      const expected: number[] = [];
      for (let i = 0; i < base.length; i++) {
        const at = (delta: number) => {
          const v = base.slice();
          v[i] += delta;
          variable.assign(tf.tensor(v, variable.shape));
          return evaluate();
        };
        for (const eps of [1e-2, 1e-3]) {
          const plus = at(eps);
          const minus = at(-eps);
          if (plus.active !== minus.active) continue;
          numeric.push((plus.loss - minus.loss) / (2 * eps));
          expected.push(analytic[i]);
          break;
        }
      }
      variable.assign(tf.tensor(base, variable.shape));
      if (numeric.length < base.length / 2) throw new Error(`${side} side, ${name}: only ${numeric.length} of ${base.length} coordinates away from a ReLU kink`);
      checked += numeric.length;
      const err = relativeError(expected, numeric);
      if (!(err <= 2e-3)) throw new Error(`${side} side, ${name}: relative error ${err} against finite differences`);
    }
    expect(checked).toBeGreaterThan(150);
    tf.dispose([x, ...Object.values(grads)]);
    conv.dispose();
    bn.dispose();
  });

  it('the output side keeps no filter-sized tensor for the backward pass, and the conv output only when the BN trains', async () => {
    await setTestBackend(backend);
    // 3×3 64→64 on 4×4: the filter (36,864 elements) is 36× the output (1,024).
    const x = tf.tensor4d(lcgValues(1 * 4 * 4 * 64, 91), [1, 4, 4, 64]);
    const output = 4 * 4 * 64 * 4;
    const filter = 3 * 3 * 64 * 64 * 4;
    const frozen = convAndBn({ ci: 64, co: 64, k: 3, convBias: false, frozen: true, seed: 92 });
    const kept = (side: 'auto' | 'filter' | 'output', m: typeof frozen) => tapeKeptBytes(() => convBatchNorm(m.conv, m.bn, x, 'relu', side), [m.conv.weight], [x, m.conv.weight]);
    expect(batchNormSideFor(frozen.conv, x.shape)).toBe('output');
    // Beyond y: the filter side keeps the folded filter, the output side only per-channel vectors (the BN's
    // scale and the 1-D ops computing it: at most `vectors` bytes). 'auto' here is the output side.
    const vectors = 16 * 64 * 4;
    expect(kept('filter', frozen)).toBeGreaterThanOrEqual(filter + output);
    expect(kept('output', frozen)).toBeLessThanOrEqual(output + vectors);
    expect(kept('auto', frozen)).toBe(kept('output', frozen));
    // A BN whose affine parameters train (eval mode): its scale's gradient Σ g·z needs z as well.
    const trained = convAndBn({ ci: 64, co: 64, k: 3, convBias: false, frozen: false, seed: 92 });
    const keptTrained = kept('output', trained);
    expect(keptTrained).toBeGreaterThanOrEqual(2 * output);
    expect(keptTrained).toBeLessThanOrEqual(2 * output + vectors);
    tf.dispose(x);
    for (const m of [frozen, trained]) {
      m.conv.dispose();
      m.bn.dispose();
    }
  });
});

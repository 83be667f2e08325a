/**
 * The gradients of a 2-D convolution written as forward convolutions, so a
 * backend whose only fast primitive is `Conv2D` (tfjs-backend-wasm: XNNPACK)
 * gets fast gradients, and dilated convolutions (DeepLabV2, SPEC §3) get
 * gradients at all (tfjs refuses `dilations > 1` in `Conv2D`'s gradient).
 *
 * For y = conv(x, W) with stride s, dilation d, top/left padding p (NHWC, HWIO):
 *
 *   y[n,o,c] = Σ_k x[n, o·s + k·d − p, i] · W[k, i, c]          (per spatial axis)
 *
 * - filter gradient: dW[k,i,c] = Σ_{n,o} x[n, k·d + o·s − p, i] · dy[n,o,c]: for
 *   each tap k a GEMM of the shifted input (transposed) with dy, batched as
 *   one 1×1 convolution (see conv2dFilterGrad for the measured alternatives).
 * - input gradient (stride 1): dx[n,h,i] = Σ_k dy[n, h + p − k·d, c] · W[k,i,c],
 *   a convolution of dy padded by (KH−1)·d − p with the 180°-rotated filter,
 *   in/out channels swapped, dilation d.
 * - input gradient (stride s > 1, dilation 1): split by output phase
 *   r = (h + p) mod s. Row h only meets taps k ≡ r (mod s), so each phase is
 *   a stride-1 convolution of dy with the sub-filter W[r::s] (rotated), and the
 *   s×s phase results interleave back into dx. Same multiply count as the
 *   forward pass, no zero-stuffing.
 *
 * The algorithms are written once over `ConvExec`, implemented by tf ops (for
 * gradient functions, any backend) and by direct kernel calls (inside a
 * backend kernel, see conv2d-backprop-filter-wasm.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Explicit NHWC padding `[[0,0],[top,bottom],[left,right],[0,0]]`. */
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** The primitive operations the gradient algorithms are written in. */
export interface ConvExec<T> {
  shape(t: T): number[];
  transpose(t: T, perm: number[]): T;
  slice(t: T, begin: number[], size: number[]): T;
  reverse(t: T, axes: number[]): T;
  reshape(t: T, shape: number[]): T;
  /** NHWC/HWIO convolution with explicit padding. */
  conv2d(x: T, filter: T, strides: [number, number], dilations: [number, number], pad: ExplicitPad): T;
  /** Stacks equally shaped tensors along a new axis. */
  stack(ts: T[], axis: number): T;
  concat(ts: T[], axis: number): T;
  /** Constant-zero padding. */
  pad(t: T, paddings: [number, number][]): T;
  stridedSlice(t: T, begin: number[], end: number[], strides: number[]): T;
  zeros(shape: number[]): T;
  /** Releases an intermediate created through this exec. */
  dispose(t: T): void;
}

/** Conv attributes as tfjs kernels receive them. */
export interface ConvAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Geometry of the forward convolution (padding resolved by tfjs's own rules). */
export function convGeometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Tracks intermediates so each is disposed exactly once. */
class Scratch<T> {
  private readonly owned: T[] = [];
  constructor(private readonly exec: ConvExec<T>) {}
  keep(t: T): T {
    this.owned.push(t);
    return t;
  }
  release(keepAlive?: T): void {
    for (const t of this.owned) if (t !== keepAlive) this.exec.dispose(t);
    this.owned.length = 0;
  }
}

/** Upper bound on the im2col buffer of `conv2dFilterGrad`, in floats (64 MB). */
export const FILTER_GRAD_IM2COL_FLOATS = 16 * 1024 * 1024;

/**
 * Gradient of conv(x, W) with respect to W, for any stride, dilation and
 * padding (one of stride/dilation is 1 per axis, as tfjs requires):
 * dW[k, i, c] = Σ_p X_k[p, i] · dy[p, c], where X_k is x shifted by tap k
 * (p runs over batch × output pixels). The transposed taps X_kᵀ are stacked
 * into [taps·ci, P] and multiplied by dy [P, co] as one 1×1 convolution
 * (XNNPACK's GEMM, contiguous contraction over P). Taps are grouped so the
 * buffer stays under FILTER_GRAD_IM2COL_FLOATS. Measured at conv-step size 64
 * (ci = co = 128, k3): 11.7 GFLOP per CPU-second, vs 6.3 for the "input as
 * batch, dy as filter" convolution (whose single input channel starves
 * XNNPACK's indirect GEMM) and 11.5 for im2col + BatchMatMul.
 */
export function conv2dFilterGrad<T>(
  exec: ConvExec<T>,
  x: T,
  dy: T,
  filterShape: number[],
  attrs: ConvAttrs,
  maxFloats = FILTER_GRAD_IM2COL_FLOATS,
): T {
  const info = convGeometry(exec.shape(x), filterShape, attrs);
  const [n, H, W, ci] = exec.shape(x);
  const [KH, KW, , co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: OH, outWidth: OW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Last input row/col any tap reads (may lie in the bottom/right padding).
  const endRow = (KH - 1) * dh + (OH - 1) * sh - pt;
  const endCol = (KW - 1) * dw + (OW - 1) * sw - pl;
  const pb = Math.max(0, endRow - (H - 1));
  const pr = Math.max(0, endCol - (W - 1));
  const P = n * OH * OW;
  const s = new Scratch(exec);
  try {
    const xp = pt || pb || pl || pr ? s.keep(exec.pad(x, [[0, 0], [pt, pb], [pl, pr], [0, 0]])) : x;
    // One transpose to [ci, n, Hp, Wp]; each tap is then a (strided) window of it.
    const xT = s.keep(exec.transpose(xp, [3, 0, 1, 2]));
    const dyF = s.keep(exec.reshape(dy, [1, 1, P, co]));
    const taps: [number, number][] = [];
    for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) taps.push([kh, kw]);
    const perGroup = Math.max(1, Math.floor(maxFloats / Math.max(1, ci * P)));
    const parts: T[] = [];
    for (let g0 = 0; g0 < taps.length; g0 += perGroup) {
      const group = taps.slice(g0, g0 + perGroup);
      const cols = group.map(([kh, kw]) => {
        const r0 = kh * dh;
        const c0 = kw * dw;
        const xs =
          sh === 1 && sw === 1
            ? s.keep(exec.slice(xT, [0, 0, r0, c0], [ci, n, OH, OW]))
            : s.keep(exec.stridedSlice(xT, [0, 0, r0, c0], [ci, n, r0 + (OH - 1) * sh + 1, c0 + (OW - 1) * sw + 1], [1, 1, sh, sw]));
        return s.keep(exec.reshape(xs, [ci, P]));
      });
      const m = cols.length === 1 ? cols[0] : s.keep(exec.concat(cols, 0)); // [g·ci, P]
      const inp = s.keep(exec.reshape(m, [1, group.length * ci, 1, P]));
      const r = s.keep(exec.conv2d(inp, dyF, [1, 1], [1, 1], [[0, 0], [0, 0], [0, 0], [0, 0]])); // [1, g·ci, 1, co]
      parts.push(s.keep(exec.reshape(r, [group.length * ci, co])));
    }
    const all = parts.length === 1 ? parts[0] : s.keep(exec.concat(parts, 0));
    return exec.reshape(all, [KH, KW, ci, co]);
  } finally {
    s.release();
  }
}

/** The filter rotated by 180° with in/out channels swapped: [KH, KW, co, ci]. */
function rotatedFilter<T>(exec: ConvExec<T>, s: Scratch<T>, filter: T): T {
  const rev = s.keep(exec.reverse(filter, [0, 1]));
  return s.keep(exec.transpose(rev, [0, 1, 3, 2])); // [KH, KW, co, ci]
}

/**
 * Stride-1 "full" correlation: out[h] = Σ_k a[h + offset + k·d] · F[k] for
 * h in [0, outLen), where rows of `a` outside [0, len) read as zero. Realised
 * as a conv with explicit padding, cropping `a` first where the padding
 * would be negative.
 */
function correlate<T>(
  exec: ConvExec<T>,
  s: Scratch<T>,
  a: T,
  filter: T,
  offset: [number, number],
  outLen: [number, number],
  dil: [number, number],
): T {
  const [n, A, B, c] = exec.shape(a);
  const [KH, KW] = exec.shape(filter);
  const lo = [offset[0], offset[1]]; // first row read (for h = 0, k = 0)
  const hi = [outLen[0] - 1 + offset[0] + (KH - 1) * dil[0], outLen[1] - 1 + offset[1] + (KW - 1) * dil[1]];
  const len = [A, B];
  const cropBegin = [Math.max(0, lo[0]), Math.max(0, lo[1])];
  const cropEnd = [Math.min(len[0] - 1, hi[0]), Math.min(len[1] - 1, hi[1])];
  if (cropEnd[0] < cropBegin[0] || cropEnd[1] < cropBegin[1]) {
    // No tap ever lands inside `a`: the result is all zeros.
    return s.keep(exec.zeros([n, outLen[0], outLen[1], exec.shape(filter)[3]]));
  }
  let src = a;
  if (cropBegin[0] > 0 || cropBegin[1] > 0 || cropEnd[0] < len[0] - 1 || cropEnd[1] < len[1] - 1) {
    src = s.keep(exec.slice(a, [0, cropBegin[0], cropBegin[1], 0], [n, cropEnd[0] - cropBegin[0] + 1, cropEnd[1] - cropBegin[1] + 1, c]));
  }
  const pad: ExplicitPad = [
    [0, 0],
    [cropBegin[0] - lo[0], hi[0] - cropEnd[0]],
    [cropBegin[1] - lo[1], hi[1] - cropEnd[1]],
    [0, 0],
  ];
  return s.keep(exec.conv2d(src, filter, [1, 1], dil, pad));
}

/**
 * Gradient of conv(x, W) with respect to x, for any stride, dilation and
 * padding, written as stride-1 forward convolutions (see file comment).
 */
export function conv2dInputGrad<T>(exec: ConvExec<T>, dy: T, filter: T, xShape: number[], attrs: ConvAttrs): T {
  const filterShape = exec.shape(filter);
  const info = convGeometry(xShape, filterShape, attrs);
  const [n, H, W, ci] = xShape;
  const [KH, KW] = filterShape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const s = new Scratch(exec);
  try {
    if (sh === 1 && sw === 1) {
      const wr = rotatedFilter(exec, s, filter);
      // dx[h] = Σ_k' dy[h + pt − (KH−1)·d + k'·d] · Wrot[k']
      const out = correlate(exec, s, dy, wr, [pt - (KH - 1) * dh, pl - (KW - 1) * dw], [H, W], [dh, dw]);
      s.release(out);
      return out;
    }
    if (dh !== 1 || dw !== 1) throw new Error(`conv2dInputGrad: stride ${sh}x${sw} with dilation ${dh}x${dw} (tfjs allows only one > 1)`);
    // Phase decomposition. For row h with (h + pt) = q·sh + r: taps k ≡ r (mod sh),
    // k = r + j·sh, read dy row q − j. Sub-filter F_r[j] = W[r + j·sh].
    const phasesH = Math.ceil(H / sh) * sh;
    const phasesW = Math.ceil(W / sw) * sw;
    const qH = phasesH / sh;
    const qW = phasesW / sw;
    // Output rows h = u·sh + a for a in [0, sh), u in [0, qH): r = (a + pt) mod sh,
    // q = u + floor((a + pt)/sh). So each a is a correlation of dy with the
    // reversed sub-filter, offset by floor((a + pt)/sh) − (J−1).
    const rowsByA: T[] = [];
    for (let a = 0; a < sh; a++) {
      const colsByB: T[] = [];
      for (let b = 0; b < sw; b++) {
        const r = (a + pt) % sh;
        const c = (b + pl) % sw;
        const JH = r < KH ? Math.ceil((KH - r) / sh) : 0;
        const JW = c < KW ? Math.ceil((KW - c) / sw) : 0;
        let phase: T;
        if (JH === 0 || JW === 0) {
          phase = s.keep(exec.zeros([n, qH, qW, ci]));
        } else {
          // Sub-filter W[r::sh, c::sw] as a strided gather of slices.
          const taps: T[] = [];
          for (let j = 0; j < JH; j++) {
            const rowTaps: T[] = [];
            for (let l = 0; l < JW; l++) {
              const t = s.keep(exec.slice(filter, [r + j * sh, c + l * sw, 0, 0], [1, 1, filterShape[2], filterShape[3]]));
              rowTaps.push(s.keep(exec.reshape(t, [filterShape[2], filterShape[3]])));
            }
            taps.push(s.keep(exec.stack(rowTaps, 0)));
          }
          const sub = s.keep(exec.stack(taps, 0)); // [JH, JW, ci, co]
          const subRot = rotatedFilter(exec, s, sub);
          const offH = Math.floor((a + pt) / sh) - (JH - 1);
          const offW = Math.floor((b + pl) / sw) - (JW - 1);
          phase = correlate(exec, s, dy, subRot, [offH, offW], [qH, qW], [1, 1]);
        }
        colsByB.push(phase);
      }
      // [n, qH, qW, sw, ci] → interleave columns: w = v·sw + b.
      rowsByA.push(s.keep(exec.stack(colsByB, 3)));
    }
    const all = s.keep(exec.stack(rowsByA, 2)); // [n, qH, sh, qW, sw, ci]
    const merged = s.keep(exec.reshape(all, [n, phasesH, phasesW, ci]));
    const out = phasesH === H && phasesW === W ? merged : s.keep(exec.slice(merged, [0, 0, 0, 0], [n, H, W, ci]));
    s.release(out);
    return out;
  } catch (e) {
    s.release();
    throw e;
  }
}

/** `ConvExec` over tf ops (for gradient functions; works on every backend). */
export const opsExec: ConvExec<tf.Tensor> = {
  shape: (t) => t.shape,
  transpose: (t, perm) => tf.transpose(t, perm),
  slice: (t, begin, size) => tf.slice(t, begin, size),
  reverse: (t, axes) => tf.reverse(t, axes),
  reshape: (t, shape) => tf.reshape(t, shape),
  conv2d: (x, f, strides, dilations, pad) =>
    tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, strides, pad as tf.backend_util.ExplicitPadding, 'NHWC', dilations),
  stack: (ts, axis) => tf.stack(ts, axis),
  concat: (ts, axis) => tf.concat(ts, axis),
  pad: (t, paddings) => tf.pad(t, paddings),
  stridedSlice: (t, begin, end, strides) => tf.stridedSlice(t, begin, end, strides),
  zeros: (shape) => tf.zeros(shape),
  dispose: (t) => t.dispose(),
};

/**
 * `ConvExec` over one backend's kernels, for use inside a kernel function
 * (where tf ops must not be used: the engine is mid-kernel). Intermediates
 * are released with `backend.disposeData`.
 */
export function kernelExec(backend: tf.KernelBackend, backendName: string): ConvExec<tf.TensorInfo> {
  const run = (name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo => {
    const k = tf.getKernel(name, backendName);
    if (!k) throw new Error(`kernelExec: kernel '${name}' not registered for '${backendName}'`);
    const out = k.kernelFunc({ inputs, backend, attrs });
    return (Array.isArray(out) ? out[0] : out) as tf.TensorInfo;
  };
  return {
    shape: (t) => t.shape,
    transpose: (t, perm) => run('Transpose', { x: t }, { perm }),
    slice: (t, begin, size) => run('Slice', { x: t }, { begin, size }),
    reverse: (t, axes) => run('Reverse', { x: t }, { dims: axes }),
    reshape: (t, shape) => run('Reshape', { x: t }, { shape }),
    conv2d: (x, f, strides, dilations, pad) =>
      run('Conv2D', { x, filter: f }, { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap),
    // Pack takes its inputs as an array (tfjs's PackInputs is TensorInfo[]).
    stack: (ts, axis) => run('Pack', ts as unknown as tf.NamedTensorInfoMap, { axis }),
    concat: (ts, axis) => run('Concat', ts as unknown as tf.NamedTensorInfoMap, { axis }),
    pad: (t, paddings) => run('PadV2', { x: t }, { paddings, constantValue: 0 }),
    stridedSlice: (t, begin, end, strides) =>
      run('StridedSlice', { x: t }, { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 }),
    zeros: (shape) => run('Fill', {}, { shape, value: 0, dtype: 'float32' }),
    dispose: (t) => {
      backend.disposeData(t.dataId);
    },
  };
}

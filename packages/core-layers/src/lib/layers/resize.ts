/**
 * Spatial resizing with `torch.nn.functional.interpolate` semantics:
 * - nearest: source index ⌊dst · in/out⌋ (PyTorch 'nearest'; ONNX `asymmetric` + `floor`);
 * - bilinear, alignCorners false: half-pixel centres, source clamped at 0
 *   (ONNX `pytorch_half_pixel`); alignCorners true: corners map to corners.
 * SPEC §2 uses nearest ×2 in the generator and nearest guidance resizing in
 * SPADE; SPEC §3 upsamples logits bilinearly with aligned corners.
 * Scale factors are integers so that `in/out` equals PyTorch's `1/scale_factor`.
 *
 * Gradients: where the backend's resize gradient kernels are exact
 * (`resizeGradientKernelsExact`: the native backend's), tfjs's own, which
 * call them. Elsewhere our own (`tf.customGrad`, a 4-tap scatter in plain
 * JS), because tfjs 4.22's are wrong in two cases SPEC needs: the cpu
 * ResizeNearestNeighborGrad mixes up samples when batch > 1, and
 * ResizeBilinearGrad ignores `halfPixelCenters` (cpu and wasm). Forwards use
 * the tfjs kernels, which match PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resizeGradientKernelsExact } from '@semadapt/compute';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { floatConstant, int64Constant } from '../onnx/onnx-constants';
import { Layer, positiveInt } from './layer';

/** Interpolation. */
export type ResizeMode = { kind: 'nearest' } | { kind: 'bilinear'; alignCorners: boolean };

/** Output extent: an integer factor of the input, or a fixed size. */
export type ResizeTarget = { kind: 'scale'; factor: number } | { kind: 'size'; height: number; width: number };

/** Options of `Resize`. */
export interface ResizeOptions {
  /** Interpolation. Required. */
  mode: ResizeMode;
  /** Output extent. Required. */
  to: ResizeTarget;
}

/** Two source taps and their weights per output index, along one axis. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/** PyTorch's source taps for resizing an axis of `inN` to `outN`. */
export function resizeTaps(inN: number, outN: number, mode: ResizeMode): Taps {
  const t: Taps = { i0: new Int32Array(outN), i1: new Int32Array(outN), w0: new Float32Array(outN), w1: new Float32Array(outN) };
  for (let d = 0; d < outN; d++) {
    let src: number;
    if (mode.kind === 'nearest') {
      const i = Math.min(Math.floor((d * inN) / outN), inN - 1);
      t.i0[d] = i;
      t.i1[d] = i;
      t.w0[d] = 1;
      continue;
    }
    if (mode.alignCorners) src = outN > 1 ? (d * (inN - 1)) / (outN - 1) : 0;
    else src = Math.max(((d + 0.5) * inN) / outN - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inN - 1);
    const i1 = Math.min(i0 + 1, inN - 1);
    const l = src - i0;
    t.i0[d] = i0;
    t.i1[d] = i1;
    t.w0[d] = 1 - l;
    t.w1[d] = l;
  }
  return t;
}

/** The adjoint of a resize: scatter dy [n, oh, ow, c] back onto [n, h, w, c]. */
function resizeBackward(dy: tf.Tensor4D, h: number, w: number, mode: ResizeMode): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  const ty = resizeTaps(h, oh, mode);
  const tx = resizeTaps(w, ow, mode);
  const g = dy.dataSync();
  const out = new Float32Array(n * h * w * c);
  let o = 0;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let y = 0; y < oh; y++) {
      const r0 = base + ty.i0[y] * w * c;
      const r1 = base + ty.i1[y] * w * c;
      const wy0 = ty.w0[y];
      const wy1 = ty.w1[y];
      for (let x = 0; x < ow; x++) {
        const c0 = tx.i0[x] * c;
        const c1 = tx.i1[x] * c;
        const a00 = wy0 * tx.w0[x];
        const a01 = wy0 * tx.w1[x];
        const a10 = wy1 * tx.w0[x];
        const a11 = wy1 * tx.w1[x];
        for (let k = 0; k < c; k++) {
          const v = g[o++];
          out[r0 + c0 + k] += v * a00;
          out[r0 + c1 + k] += v * a01;
          out[r1 + c0 + k] += v * a10;
          out[r1 + c1 + k] += v * a11;
        }
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c]);
}

function resizeForward(x: tf.Tensor4D, size: [number, number], mode: ResizeMode): tf.Tensor4D {
  switch (mode.kind) {
    case 'nearest':
      return tf.image.resizeNearestNeighbor(x, size, false, false);
    case 'bilinear':
      return tf.image.resizeBilinear(x, size, mode.alignCorners, !mode.alignCorners);
    default: {
      const never: never = mode;
      throw new Error(`resize2d: unknown mode ${JSON.stringify(never)}`);
    }
  }
}

/** Resize an NHWC tensor to `[h, w]` with PyTorch semantics (forward and gradient). */
export function resize2d(x: tf.Tensor4D, size: [number, number], mode: ResizeMode): tf.Tensor4D {
  // The JS scatter took 0.5–1.7 s of a translator step at 512×512 (its generator's ×2 upsamplings).
  if (resizeGradientKernelsExact()) return resizeForward(x, size, mode);
  const [, h, w] = x.shape;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: resizeForward(args[0] as tf.Tensor4D, size, mode),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => resizeBackward(dy as tf.Tensor4D, h, w, mode),
  }));
  return f(x) as tf.Tensor4D;
}

export class Resize extends Module implements Layer {
  readonly mode: ResizeMode;
  readonly to: ResizeTarget;

  constructor(options: ResizeOptions) {
    super();
    const m = options.mode;
    if (!m || (m.kind !== 'nearest' && !(m.kind === 'bilinear' && typeof m.alignCorners === 'boolean'))) {
      throw new Error(`Resize: mode must be {kind:'nearest'} or {kind:'bilinear', alignCorners: boolean}, received ${JSON.stringify(m)}`);
    }
    const t = options.to;
    if (t?.kind === 'scale') positiveInt(t.factor, 'to.factor', 'Resize');
    else if (t?.kind === 'size') {
      positiveInt(t.height, 'to.height', 'Resize');
      positiveInt(t.width, 'to.width', 'Resize');
    } else throw new Error(`Resize: to must be {kind:'scale', factor} or {kind:'size', height, width}, received ${JSON.stringify(t)}`);
    this.mode = m;
    this.to = t;
  }

  outputSize(h: number, w: number): [number, number] {
    return this.to.kind === 'scale' ? [h * this.to.factor, w * this.to.factor] : [this.to.height, this.to.width];
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return resize2d(x, this.outputSize(x.shape[1], x.shape[2]), this.mode);
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    if (this.to.kind === 'scale') {
      const f = this.to.factor;
      const scales = floatConstant(graph, scopedName(scope, 'scales'), [1, 1, f, f], [4]);
      return onnxResize(graph, input, { scales }, this.mode, scope);
    }
    const head = graph.node('Shape', [input], { start: 0, end: 2 }, { outputs: [graph.fresh(scopedName(scope, 'nc'))] })[0];
    const hw = int64Constant(graph, scopedName(scope, 'hw'), [this.to.height, this.to.width]);
    const sizes = graph.node('Concat', [head, hw], { axis: 0 }, { outputs: [graph.fresh(scopedName(scope, 'sizes'))] })[0];
    return onnxResize(graph, input, { sizes }, this.mode, scope);
  }
}

/**
 * ONNX `Resize` (opset ≥ 13) with PyTorch semantics; give `scales` (float[4])
 * or `sizes` (int64[4]) as tensor names.
 */
export function onnxResize(graph: OnnxGraph, input: string, target: { scales: string } | { sizes: string }, mode: ResizeMode, scope: string): string {
  const inputs = 'scales' in target ? [input, '', target.scales] : [input, '', '', target.sizes];
  const attrs: Record<string, string> =
    mode.kind === 'nearest'
      ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
      : { mode: 'linear', coordinate_transformation_mode: mode.alignCorners ? 'align_corners' : 'pytorch_half_pixel' };
  return graph.node('Resize', inputs, attrs, { name: scopedName(scope, 'resize'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
}

/** ONNX: resize `input` (NCHW) to the spatial size of `like` (NCHW), keeping input's N, C. */
export function onnxResizeLike(graph: OnnxGraph, input: string, like: string, mode: ResizeMode, scope: string): string {
  const head = graph.node('Shape', [input], { start: 0, end: 2 }, { outputs: [graph.fresh(scopedName(scope, 'nc'))] })[0];
  const hw = graph.node('Shape', [like], { start: 2, end: 4 }, { outputs: [graph.fresh(scopedName(scope, 'hw'))] })[0];
  const sizes = graph.node('Concat', [head, hw], { axis: 0 }, { outputs: [graph.fresh(scopedName(scope, 'sizes'))] })[0];
  return onnxResize(graph, input, { sizes }, mode, scope);
}

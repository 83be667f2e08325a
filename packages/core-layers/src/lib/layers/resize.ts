/**
 * Spatial resizing with `torch.nn.functional.interpolate` semantics:
 * - nearest: source index ⌊dst · in/out⌋ (PyTorch 'nearest'; ONNX `asymmetric` + `floor`);
 * - bilinear, alignCorners false: half-pixel centres, source clamped at 0
 *   (ONNX `pytorch_half_pixel`); alignCorners true: corners map to corners.
 * SPEC §2 uses nearest ×2 in the generator and nearest guidance resizing in
 * SPADE; SPEC §3 upsamples logits bilinearly with aligned corners.
 * Scale factors are integers so that `in/out` equals PyTorch's `1/scale_factor`.
 */
import * as tf from '@tensorflow/tfjs-core';
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

/** Resize an NHWC tensor to `[h, w]` with PyTorch semantics. */
export function resize2d(x: tf.Tensor4D, size: [number, number], mode: ResizeMode): tf.Tensor4D {
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

/**
 * Pooling with PyTorch semantics.
 *
 * - `AvgPool2d` (SPEC §2: the multi-scale discriminator's 3×3/s2/p1 downsampling,
 *   "padding excluded from the average"): `count_include_pad=False` by default.
 *   Computed as the window sum over a zero-padded input divided by a constant
 *   count map, because tfjs's own padded avgPool gradient divides by k² at the
 *   border (tfjs-backend-cpu AvgPoolGrad) while its forward divides by the count.
 * - `MaxPool2d` (SPEC §3: ResNet stem 3×3/s2/p1 with `ceil_mode=True`): −∞
 *   padding and PyTorch's output-size rule, including "the last window must
 *   start inside the input or the left padding".
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, Pair, pair } from './layer';

/** Options of `AvgPool2d`. */
export interface AvgPool2dOptions {
  /** Window. Required. */
  kernelSize: Pair;
  /** Stride. Default `kernelSize`. */
  stride?: Pair;
  /** Zero padding per side, at most half the window. Default 0. */
  padding?: Pair;
  /** Count padded zeros in the divisor. Default false (SPEC §2; note PyTorch's default is true). */
  countIncludePad?: boolean;
}

function checkPad(padding: [number, number], kernel: [number, number], owner: string, received: unknown): void {
  if (padding[0] * 2 > kernel[0] || padding[1] * 2 > kernel[1]) {
    throw new Error(`${owner}: padding must be at most half the kernel size, received padding=${JSON.stringify(received)} kernel=[${kernel}]`);
  }
}

/** PyTorch's pooled extent. */
export function pooledSize(n: number, k: number, s: number, p: number, ceil: boolean): number {
  const span = n + 2 * p - k;
  if (span < 0) throw new Error(`pool: window ${k} does not fit an input of ${n} with padding ${p}`);
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + p) out -= 1;
  return out;
}

export class AvgPool2d extends Module implements Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly countIncludePad: boolean;

  constructor(options: AvgPool2dOptions) {
    super();
    this.kernelSize = pair(options.kernelSize, 'kernelSize', 'AvgPool2d');
    this.stride = pair(options.stride ?? this.kernelSize, 'stride', 'AvgPool2d');
    this.padding = pair(options.padding ?? 0, 'padding', 'AvgPool2d', 0);
    checkPad(this.padding, this.kernelSize, 'AvgPool2d', options.padding);
    this.countIncludePad = options.countIncludePad ?? false;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const [, h, w] = x.shape;
    const oh = pooledSize(h, kh, sh, ph, false);
    const ow = pooledSize(w, kw, sw, pw, false);
    return tf.tidy(() => {
      const padded = ph || pw ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
      let y = tf.avgPool(padded, [kh, kw], [sh, sw], 'valid');
      y = tf.slice(y, [0, 0, 0, 0], [-1, oh, ow, -1]);
      if (this.countIncludePad || (ph === 0 && pw === 0)) return y;
      // Scale each window's mean over k² by k²/count of in-bounds pixels.
      const factor = new Float32Array(oh * ow);
      const inside = (o: number, s: number, p: number, k: number, n: number) => Math.min(o * s - p + k, n) - Math.max(o * s - p, 0);
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) factor[i * ow + j] = (kh * kw) / (inside(i, sh, ph, kh, h) * inside(j, sw, pw, kw, w));
      return tf.mul(y, tf.tensor4d(factor, [1, oh, ow, 1]));
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const [ph, pw] = this.padding;
    return graph.node(
      'AveragePool',
      [input],
      { kernel_shape: [...this.kernelSize], strides: [...this.stride], pads: [ph, pw, ph, pw], count_include_pad: this.countIncludePad ? 1 : 0 },
      { name: scopedName(scope, 'avgPool'), outputs: [graph.fresh(scopedName(scope, 'out'))] },
    )[0];
  }
}

/** Options of `MaxPool2d`. */
export interface MaxPool2dOptions {
  /** Window. Required. */
  kernelSize: Pair;
  /** Stride. Default `kernelSize`. */
  stride?: Pair;
  /** −∞ padding per side, at most half the window. Default 0. */
  padding?: Pair;
  /** PyTorch `ceil_mode`. Default false. */
  ceilMode?: boolean;
}

export class MaxPool2d extends Module implements Layer {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(options: MaxPool2dOptions) {
    super();
    this.kernelSize = pair(options.kernelSize, 'kernelSize', 'MaxPool2d');
    this.stride = pair(options.stride ?? this.kernelSize, 'stride', 'MaxPool2d');
    this.padding = pair(options.padding ?? 0, 'padding', 'MaxPool2d', 0);
    checkPad(this.padding, this.kernelSize, 'MaxPool2d', options.padding);
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const [, h, w] = x.shape;
    const oh = pooledSize(h, kh, sh, ph, this.ceilMode);
    const ow = pooledSize(w, kw, sw, pw, this.ceilMode);
    // Pad so that a 'valid' pool yields exactly oh × ow windows.
    const bottom = Math.max((oh - 1) * sh + kh - h - ph, 0);
    const right = Math.max((ow - 1) * sw + kw - w - pw, 0);
    return tf.tidy(() => {
      const padded = ph || pw || bottom || right ? tf.pad(x, [[0, 0], [ph, bottom], [pw, right], [0, 0]], -Infinity) : x;
      const y = tf.maxPool(padded, [kh, kw], [sh, sw], 'valid');
      return tf.slice(y, [0, 0, 0, 0], [-1, oh, ow, -1]);
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const [ph, pw] = this.padding;
    return graph.node(
      'MaxPool',
      [input],
      { kernel_shape: [...this.kernelSize], strides: [...this.stride], pads: [ph, pw, ph, pw], ceil_mode: this.ceilMode ? 1 : 0 },
      { name: scopedName(scope, 'maxPool'), outputs: [graph.fresh(scopedName(scope, 'out'))] },
    )[0];
  }
}

/**
 * Spatial padding for convolutions, as a discriminated union (STYLE §3), and
 * a reflect pad whose gradient is right.
 *
 * `reflectPad` is `tf.mirrorPad` with its own gradient: @semadapt/compute's
 * `MIRROR_PAD_FOLD` kernel adds each element of dy back onto the input
 * element it was copied from (tfjs-core 4.22's MirrorPad gradient only slices
 * the centre of dy, so reflect-padded convs, every conv of SPEC §2, would get
 * wrong border gradients). The gradient needs only the input's shape, so the
 * op saves no tensor for the backward pass: the registered MirrorPad gradient
 * keeps the whole unpadded input alive until the backward pass ends
 * (measured: 13 % of what a full-width translator step's tape holds).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MIRROR_PAD_FOLD } from '@semadapt/compute';

/** How a conv pads its input. */
export type Padding =
  /** No padding (PyTorch `padding=0`). */
  | { kind: 'valid' }
  /** TensorFlow 'SAME': output ⌈in/stride⌉, zero pad, any odd extra on bottom/right (ONNX `auto_pad=SAME_UPPER`). */
  | { kind: 'same' }
  /** `size` zeros on every side (PyTorch `padding=size`). */
  | { kind: 'zero'; size: number }
  /** `size` reflected pixels on every side (PyTorch `ReflectionPad2d(size)`); size < input extent. */
  | { kind: 'reflect'; size: number }
  /** Per-side sizes; `fill` default 'zero'. */
  | { kind: 'explicit'; top: number; bottom: number; left: number; right: number; fill?: 'zero' | 'reflect' };

/** Resolved per-side pads. */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
  fill: 'zero' | 'reflect';
}

/** Validate a padding value at construction; throws quoting what was received. */
export function checkPadding(p: Padding, owner: string): void {
  const bad = (): never => {
    throw new Error(`${owner}: invalid padding ${JSON.stringify(p)} (expected {kind:'valid'|'same'} | {kind:'zero'|'reflect', size>=0} | {kind:'explicit', top, bottom, left, right >= 0, fill?: 'zero'|'reflect'})`);
  };
  const nonneg = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (typeof p !== 'object' || p === null) bad();
  switch (p.kind) {
    case 'valid':
    case 'same':
      return;
    case 'zero':
    case 'reflect':
      if (!nonneg(p.size)) bad();
      return;
    case 'explicit':
      if (![p.top, p.bottom, p.left, p.right].every(nonneg)) bad();
      if (p.fill !== undefined && p.fill !== 'zero' && p.fill !== 'reflect') bad();
      return;
    default: {
      const never: never = p;
      return bad() ?? never;
    }
  }
}

/**
 * Per-side pads for an input of `h × w`. For 'same' this is TensorFlow's rule:
 * total = max((⌈in/s⌉−1)·s + (k−1)·d + 1 − in, 0), top = ⌊total/2⌋.
 */
export function resolvePads(p: Padding, h: number, w: number, kernel: [number, number], stride: [number, number], dilation: [number, number]): Pads {
  switch (p.kind) {
    case 'valid':
      return { top: 0, bottom: 0, left: 0, right: 0, fill: 'zero' };
    case 'same': {
      const total = (n: number, k: number, s: number, d: number) => Math.max((Math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0);
      const th = total(h, kernel[0], stride[0], dilation[0]);
      const tw = total(w, kernel[1], stride[1], dilation[1]);
      return { top: Math.floor(th / 2), bottom: th - Math.floor(th / 2), left: Math.floor(tw / 2), right: tw - Math.floor(tw / 2), fill: 'zero' };
    }
    case 'zero':
    case 'reflect':
      return { top: p.size, bottom: p.size, left: p.size, right: p.size, fill: p.kind };
    case 'explicit':
      return { top: p.top, bottom: p.bottom, left: p.left, right: p.right, fill: p.fill ?? 'zero' };
    default: {
      const never: never = p;
      throw new Error(`resolvePads: unknown padding ${JSON.stringify(never)}`);
    }
  }
}

/** True when every side is 0. */
export function isZeroPads(p: Pads): boolean {
  return p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
}

/**
 * Reflect-pad height and width of an NHWC tensor (PyTorch `ReflectionPad2d`
 * semantics: the edge is not repeated), with exact gradients.
 */
export function reflectPad(x: tf.Tensor4D, pads: { top: number; bottom: number; left: number; right: number }): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (pads.top >= h || pads.bottom >= h || pads.left >= w || pads.right >= w) {
    throw new Error(`reflectPad: pads (${pads.top}, ${pads.bottom}, ${pads.left}, ${pads.right}) must be smaller than the padded extents ${h}×${w} (input shape [${x.shape}])`);
  }
  const paddings: [number, number][] = [[0, 0], [pads.top, pads.bottom], [pads.left, pads.right], [0, 0]];
  const xShape = x.shape.slice();
  const pad = tf.customGrad(((xi: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([]);
    return {
      value: tf.mirrorPad(xi, paddings, 'reflect'),
      gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(MIRROR_PAD_FOLD, { dy }, { paddings, mode: 'reflect', xShape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return pad(x) as tf.Tensor4D;
}

/** Apply resolved pads (zero or reflect) to an NHWC tensor. */
export function applyPads(x: tf.Tensor4D, pads: Pads, zeroValue = 0): tf.Tensor4D {
  if (isZeroPads(pads)) return x;
  if (pads.fill === 'reflect') return reflectPad(x, pads);
  return tf.pad(x, [[0, 0], [pads.top, pads.bottom], [pads.left, pads.right], [0, 0]], zeroValue);
}

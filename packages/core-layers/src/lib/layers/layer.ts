/**
 * The common shapes of a layer. Every layer is a `Module` (so its parameters
 * and buffers have dotted names) and exports itself to ONNX.
 *
 * - `Layer`: one NHWC tensor in, one out (`Conv2d`, `InstanceNorm`, `Sequential`, ...).
 * - `GuidedLayer`: `forward(x, guidance)` (SPADE and SPADE residual blocks, SPEC §2).
 *
 * All forwards are pure tensor functions of their inputs and parameters
 * (training-mode side effects — spectral-norm `u`, dropout masks — go to
 * buffers / the Rng), so they work under `tf.tidy` and `tf.variableGrads`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxExportable, OnnxGuidedExportable } from '../onnx/onnx-graph';

/** A module mapping one NHWC tensor to one NHWC tensor. */
export interface Layer extends OnnxExportable {
  forward(x: tf.Tensor4D): tf.Tensor4D;
}

/** A module mapping an NHWC tensor and an NHWC guidance tensor to an NHWC tensor. */
export interface GuidedLayer extends OnnxGuidedExportable {
  forward(x: tf.Tensor4D, guidance: tf.Tensor4D): tf.Tensor4D;
}

/** A `Module` that is a `Layer`: what `Sequential` and `Residual` hold. */
export type LayerModule = Module & Layer;

/** A `Module` that is a `GuidedLayer`. */
export type GuidedLayerModule = Module & GuidedLayer;

/** A pair `[height, width]`, or one number for both. */
export type Pair = number | [number, number];

/** Expand a `Pair`, checking each is an integer ≥ `min`. */
export function pair(value: Pair, what: string, owner: string, min = 1): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v >= min)) {
    throw new Error(`${owner}: ${what} must be an integer >= ${min} or a pair of them, received ${JSON.stringify(value)}`);
  }
  return [p[0], p[1]];
}

/** Check a positive integer option. */
export function positiveInt(value: unknown, what: string, owner: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${owner}: ${what} must be a positive integer, received ${JSON.stringify(value)}`);
  }
  return value;
}

/** Check a finite number in a range. */
export function numberIn(value: unknown, what: string, owner: string, lo: number, hi: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new Error(`${owner}: ${what} must be a number in [${lo}, ${hi}], received ${JSON.stringify(value)}`);
  }
  return value;
}

/** Check an NHWC input's channel count. */
export function expectChannels(x: tf.Tensor, channels: number, owner: string): void {
  if (x.rank !== 4) throw new Error(`${owner}: expected an NHWC rank-4 input, received shape [${x.shape}]`);
  if (x.shape[3] !== channels) throw new Error(`${owner}: expected ${channels} input channels (NHWC), received shape [${x.shape}]`);
}

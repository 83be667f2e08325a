/**
 * What the trainer, the translator's guidance and the pipeline need from a
 * segmenter S (SPEC §3): unnormalized logits from an RGB image in [0, 255]
 * (NHWC; the network normalises it itself, see `segmenter-input.ts`), at the
 * network's own resolution (1/8 for DeepLabV2, full for FCN-8s), plus ONNX
 * export. `logitsAtSize` upsamples them (bilinear, aligned corners, as
 * DeepLab/BDL do) to the label size for the loss, pseudo-labels and mIoU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, OnnxGraph, resize2d } from '@semadapt/core-layers';
import type { InputNormalization } from './segmenter-input';

/** A segmentation network. */
export interface Segmenter extends Module {
  readonly kind: 'deeplabv2' | 'fcn8s';
  readonly numClasses: number;
  /** How `forward` and the ONNX graph normalise the RGB input (default `{ kind: 'caffe' }`). */
  readonly inputNormalization: InputNormalization;
  /** RGB `[N, H, W, 3]` in [0, 255] → what the first layer takes; the first step of `forward`. */
  normalizeInput(rgb: tf.Tensor4D): tf.Tensor4D;
  /** Logits `[N, h, w, classes]` at the network's resolution, of RGB `[N, H, W, 3]` in [0, 255]. */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  /** Logit extent for an input `h × w`. */
  outputSize(h: number, w: number): [number, number];
  /** Emit the network (input RGB [0, 255] NCHW, normalised in the graph; eval semantics); returns the logits' name. */
  toOnnx(graph: OnnxGraph, input: string, scope: string): string;
}

/** Channels under a width multiplier: `max(1, round(c·w))` (tools/convert_pth_to_safetensors.py agrees). */
export function scaledChannels(c: number, width: number): number {
  return Math.max(1, Math.round(c * width));
}

/**
 * The options DeepLabV2 and FCN8s share, validated the same way: `numClasses`
 * (default 19, SPEC §1) and the width multiplier (default 1, in (0, 4]).
 * Throws quoting what was received.
 */
export function resolveCommonOptions(network: string, options: { numClasses?: number; width?: number }): { numClasses: number; width: number } {
  const numClasses = options.numClasses ?? 19;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`${network}: numClasses must be a positive integer, received ${JSON.stringify(options.numClasses)}`);
  const width = options.width ?? 1;
  if (!(typeof width === 'number' && width > 0 && width <= 4)) throw new Error(`${network}: width must be in (0, 4], received ${JSON.stringify(options.width)}`);
  return { numClasses, width };
}

/** `segmenter.forward(x)` (x: RGB [0, 255]) upsampled to `height × width` (bilinear, align corners; identity if equal). */
export function logitsAtSize(segmenter: Segmenter, x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const logits = segmenter.forward(x);
    if (logits.shape[1] === height && logits.shape[2] === width) return logits;
    return resize2d(logits, [height, width], { kind: 'bilinear', alignCorners: true });
  });
}

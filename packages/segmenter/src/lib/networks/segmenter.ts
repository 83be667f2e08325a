/**
 * What the trainer, the translator's guidance and the pipeline need from a
 * segmenter S (SPEC §3): unnormalized logits from a preprocessed NHWC image,
 * at the network's own resolution (1/8 for DeepLabV2, full for FCN-8s), plus
 * ONNX export. `logitsAtSize` upsamples them (bilinear, aligned corners,
 * as DeepLab/BDL do) to the label size for the loss, pseudo-labels and mIoU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, OnnxGraph, resize2d } from '@semadapt/core-layers';

/** A segmentation network. */
export interface Segmenter extends Module {
  readonly kind: 'deeplabv2' | 'fcn8s';
  readonly numClasses: number;
  /** Logits `[N, h, w, classes]` at the network's resolution. */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  /** Logit extent for an input `h × w`. */
  outputSize(h: number, w: number): [number, number];
  /** Emit the network (NCHW, eval semantics); returns the logits' name. */
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

/** The Caffe ImageNet mean in BGR order, SPEC §3 (DeepLab, FCN and BDL use it). */
export const CAFFE_BGR_MEAN: readonly [number, number, number] = [104.00698793, 116.66876762, 122.67891434];

/**
 * RGB pixels in [0, 255] (NHWC) → the segmenters' input: BGR minus
 * `CAFFE_BGR_MEAN` (SPEC §3). For the translator's [−1, 1] images, map with
 * `(x + 1)·127.5` first (`fromSymmetric: true`).
 */
export function toCaffeInput(rgb: tf.Tensor4D, options: { fromSymmetric?: boolean } = {}): tf.Tensor4D {
  if (rgb.rank !== 4 || rgb.shape[3] !== 3) throw new Error(`toCaffeInput: expected NHWC RGB [N, H, W, 3], received [${rgb.shape}]`);
  return tf.tidy(() => {
    const x = options.fromSymmetric ? tf.mul(tf.add(rgb, 1), 127.5) : rgb;
    const bgr = tf.reverse(x, -1);
    return tf.sub(bgr, tf.tensor1d([...CAFFE_BGR_MEAN])) as tf.Tensor4D;
  });
}

/**
 * SPADE's guidance (SPEC §2): `S(x)`, the segmenter's unnormalized logits at
 * the network's own resolution (1/8 of the input for DeepLabV2, full for
 * FCN-8s), of a translator image `x` in [−1, 1] (NHWC). Translator training,
 * in-framework translation and the ONNX segmenter's `guidance` output all
 * give exactly this tensor; SPADE resizes it (nearest) to each activation.
 */
export function segmenterGuidance(segmenter: Segmenter, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => segmenter.forward(toCaffeInput(x, { fromSymmetric: true })));
}

/** `segmenter.forward(x)` upsampled to `height × width` (bilinear, align corners; identity if equal). */
export function logitsAtSize(segmenter: Segmenter, x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const logits = segmenter.forward(x);
    if (logits.shape[1] === height && logits.shape[2] === width) return logits;
    return resize2d(logits, [height, width], { kind: 'bilinear', alignCorners: true });
  });
}

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

/** `segmenter.forward(x)` (x: RGB [0, 255]) upsampled to `height × width` (bilinear, align corners; identity if equal). */
export function logitsAtSize(segmenter: Segmenter, x: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const logits = segmenter.forward(x);
    if (logits.shape[1] === height && logits.shape[2] === width) return logits;
    return resize2d(logits, [height, width], { kind: 'bilinear', alignCorners: true });
  });
}

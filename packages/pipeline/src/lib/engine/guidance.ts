/**
 * SPADE's guidance (SPEC §2), where the two models meet: `S(x)`, the
 * segmenter's unnormalized logits at the network's own resolution (1/8 of
 * the input for DeepLabV2, full for FCN-8s), of a translator image `x` in
 * [−1, 1] (NHWC) — mapped back to RGB [0, 255], the segmenter's input
 * contract, which normalises from there. Translator training, in-framework
 * translation and the ONNX segmenter's `guidance` output all give exactly
 * this tensor; SPADE resizes it (nearest) to each activation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Segmenter } from '@semadapt/segmenter';
import { translatorImageToRgb } from '@semadapt/translator';

/** `S(x)` of a translator image `x` in [−1, 1] (NHWC), at the segmenter's own resolution. */
export function segmenterGuidance(segmenter: Segmenter, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => segmenter.forward(translatorImageToRgb(x)));
}

/**
 * The translator's image space (SPEC §2): RGB scaled to [−1, 1] by
 * x/127.5 − 1. It is the translator's input and its output (tanh) alike —
 * the space its reconstruction, perceptual and adversarial terms compare
 * images in — so, unlike the segmenters' normalisation, it is not folded
 * into `forward`: pixels enter and leave through these maps, defined here
 * only. Datasets yield RGB pixels; the segmenter that guides SPADE takes
 * `translatorImageToRgb(x)`, its own input contract.
 */
import * as tf from '@tensorflow/tfjs-core';
import { floatConstant, OnnxGraph, scopedName } from '@semadapt/core-layers';

/** RGB `[N, H, W, 3]` in [0, 255] → the translator's [−1, 1]. */
export function rgbToTranslatorImage(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(rgb, 1 / 127.5), 1) as tf.Tensor4D);
}

/** The translator's [−1, 1] → RGB in [0, 255] (float, not rounded or clamped). */
export function translatorImageToRgb(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.add(x, 1), 127.5) as tf.Tensor4D);
}

/** `translatorImageToRgb` as ONNX nodes (e.g. to feed an embedded segmenter); returns the output's name. */
export function translatorImageToRgbOnnx(graph: OnnxGraph, input: string, scope: string): string {
  const op = (type: string, inputs: string[], stem: string) => graph.node(type, inputs, {}, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
  const shifted = op('Add', [input, floatConstant(graph, scopedName(scope, 'one'), [1])], 'shift');
  return op('Mul', [shifted, floatConstant(graph, scopedName(scope, 'scale'), [127.5])], 'rgb255');
}

/** Host side: 8-bit RGB values → [−1, 1] floats (ONNX feeds), computed in float64 then stored. */
export function pixelsToTranslatorImage(pixels: ArrayLike<number>): Float32Array {
  return Float32Array.from(pixels, (v) => v * (1 / 127.5) - 1);
}

/** Host side: [−1, 1] floats → 8-bit RGB (rounded, clamped). */
export function translatorImageToPixels(x: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(x, (v) => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5))));
}

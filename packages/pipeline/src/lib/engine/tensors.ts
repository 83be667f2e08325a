/**
 * Host-side layout glue between data-core images (interleaved RGB bytes,
 * HWC) and ONNX models (NCHW float32). No normalisation lives here: the
 * segmenters take RGB in [0, 255] and normalise inside their graph
 * (@semadapt/segmenter's `segmenter-input.ts`); the translator's [−1, 1]
 * maps are @semadapt/translator's (`translator-image.ts`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ImageU8 } from '@semadapt/data-core';
import { pixelsToTranslatorImage, translatorImageToPixels } from '@semadapt/translator';

export interface NchwTensor {
  data: Float32Array;
  dims: number[];
}

/** Interleaved HWC values → `[1, C, H, W]`. */
function hwcToNchw(data: ArrayLike<number>, h: number, w: number, c: number): NchwTensor {
  const out = new Float32Array(c * w * h);
  const plane = w * h;
  for (let i = 0; i < plane; i++) for (let k = 0; k < c; k++) out[k * plane + i] = data[c * i + k];
  return { data: out, dims: [1, c, h, w] };
}

/** RGB bytes → `[1, 3, H, W]` RGB in [0, 255] (an exported segmenter's input). */
export function rgbToNchw(img: ImageU8): NchwTensor {
  return hwcToNchw(img.data, img.height, img.width, 3);
}

/** RGB bytes → `[1, H, W, 3]` tfjs tensor, RGB in [0, 255] (a segmenter's `forward` input; HWC is already NHWC). */
export function rgbToTensor(img: ImageU8): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]);
}

/** RGB bytes → `[1, 3, H, W]` in [−1, 1] (the translator's input). */
export function rgbToSymmetricNchw(img: ImageU8): NchwTensor {
  return hwcToNchw(pixelsToTranslatorImage(img.data), img.height, img.width, 3);
}

/** `[1, 3, H, W]` in [−1, 1] → RGB bytes (rounded, clamped). */
export function symmetricNchwToRgb(t: NchwTensor): ImageU8 {
  const [, c, h, w] = t.dims;
  if (c !== 3) throw new Error(`expected a [1, 3, H, W] image, got [${t.dims}]`);
  const plane = w * h;
  const hwc = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let k = 0; k < 3; k++) hwc[3 * i + k] = t.data[k * plane + i];
  return { width: w, height: h, channels: 3, data: translatorImageToPixels(hwc) };
}

/** ONNX logits `[1, C, h, w]` → a `[1, h, w, C]` tfjs tensor (the caller disposes): the one layout change of an ONNX evaluation. */
export function nchwToNhwcTensor(t: NchwTensor): tf.Tensor4D {
  const [n, c, h, w] = t.dims;
  if (t.dims.length !== 4 || n !== 1) throw new Error(`expected NCHW logits [1, C, h, w], got [${t.dims}]`);
  const out = new Float32Array(t.data.length);
  const plane = h * w;
  for (let k = 0; k < c; k++) for (let i = 0; i < plane; i++) out[i * c + k] = t.data[k * plane + i];
  return tf.tensor4d(out, [1, h, w, c]);
}

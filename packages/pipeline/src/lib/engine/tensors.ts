/**
 * Host-side layout glue between data-core images (interleaved RGB bytes,
 * HWC) and ONNX models (NCHW float32): the translator's [−1, 1] scaling
 * (SPEC §2) and the segmenters' BGR-minus-Caffe-mean input (SPEC §3).
 */
import type { ImageF32, ImageU8 } from '@semadapt/data-core';
import { normalize } from '@semadapt/data-core';

export interface NchwTensor {
  data: Float32Array;
  dims: number[];
}

/** An HWC float image → `[1, C, H, W]`. */
export function hwcToNchw(img: ImageF32): NchwTensor {
  const { width: w, height: h, channels: c, data } = img;
  const out = new Float32Array(c * w * h);
  const plane = w * h;
  for (let i = 0; i < plane; i++) for (let k = 0; k < c; k++) out[k * plane + i] = data[c * i + k];
  return { data: out, dims: [1, c, h, w] };
}

/** RGB bytes → `[1, 3, H, W]` in [−1, 1] (translator input, data-core's 'translator' preset). */
export function rgbToSymmetricNchw(img: ImageU8): NchwTensor {
  return hwcToNchw(normalize(img, 'translator'));
}

/** RGB bytes → `[1, 3, H, W]` BGR minus the Caffe mean (segmenter input, SPEC §3; data-core's 'deeplab' preset). */
export function rgbToCaffeNchw(img: ImageU8): NchwTensor {
  return hwcToNchw(normalize(img, 'deeplab'));
}

/** `[1, 3, H, W]` in [−1, 1] → RGB bytes (rounded, clamped). */
export function symmetricNchwToRgb(t: NchwTensor): ImageU8 {
  const [, c, h, w] = t.dims;
  if (c !== 3) throw new Error(`expected a [1, 3, H, W] image, got [${t.dims}]`);
  const plane = w * h;
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.max(0, Math.min(255, Math.round((t.data[k * plane + i] + 1) * 127.5)));
  }
  return { width: w, height: h, channels: 3, data: out };
}

/** `[1, C, h, w]` → `[1, h, w, C]` (ONNX logits into tfjs layout). */
export function nchwToNhwc(t: NchwTensor): NchwTensor {
  const [n, c, h, w] = t.dims;
  if (n !== 1) throw new Error(`expected batch 1, got [${t.dims}]`);
  const out = new Float32Array(t.data.length);
  const plane = h * w;
  for (let k = 0; k < c; k++) for (let i = 0; i < plane; i++) out[i * c + k] = t.data[k * plane + i];
  return { data: out, dims: [1, h, w, c] };
}

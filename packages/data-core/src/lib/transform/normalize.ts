/**
 * Network input normalizations (SPEC §2, §3), HWC float32 out.
 *
 * - `translator`: RGB scaled to [−1, 1] (x/127.5 − 1), the translator's input and output range (SPEC §2).
 * - `deeplab`: channels reordered to BGR, minus the Caffe mean
 *   (104.00698793, 116.66876762, 122.67891434) (B, G, R), 0–255 scale (SPEC §3).
 * - `fcn8s`: the same as `deeplab`. FCN-8s-VGG16 in BDL (and the original
 *   fcn.berkeleyvision Caffe models it converts) takes BGR minus this same mean
 *   on the 0–255 scale; it is its own preset so a checkpoint converted from
 *   torchvision weights can switch to `imagenet` without touching the segmenter.
 * - `imagenet`: RGB/255, minus (0.485, 0.456, 0.406), over (0.229, 0.224, 0.225) (torchvision).
 */
import type { ImageF32, ImageU8 } from '../image/image';

/** The normalization presets. */
export type NormalizePreset = 'translator' | 'deeplab' | 'fcn8s' | 'imagenet';

/** Caffe BGR mean of BDL/DeepLab (SPEC §3), in B, G, R order. */
export const CAFFE_BGR_MEAN: readonly [number, number, number] = [104.00698793, 116.66876762, 122.67891434];
/** torchvision ImageNet mean and std (RGB, 0–1 scale). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** Per output channel: source channel, scale and offset, `out = in[src]·scale + offset`. */
function affine(preset: NormalizePreset): Array<{ src: number; scale: number; offset: number }> {
  switch (preset) {
    case 'translator':
      return [0, 1, 2].map((c) => ({ src: c, scale: 1 / 127.5, offset: -1 }));
    case 'deeplab':
    case 'fcn8s':
      return [2, 1, 0].map((src, c) => ({ src, scale: 1, offset: -CAFFE_BGR_MEAN[c] }));
    case 'imagenet':
      return [0, 1, 2].map((c) => ({ src: c, scale: 1 / (255 * IMAGENET_STD[c]), offset: -IMAGENET_MEAN[c] / IMAGENET_STD[c] }));
    default: {
      const never: never = preset;
      throw new Error(`normalize: unknown preset ${JSON.stringify(never)}`);
    }
  }
}

/** Normalizes an 8-bit RGB image with `preset` (see the file comment). */
export function normalize(image: ImageU8, preset: NormalizePreset): ImageF32 {
  if (image.channels !== 3) throw new RangeError(`normalize: needs an RGB image (3 channels), got ${image.channels}`);
  const map = affine(preset);
  const n = image.width * image.height;
  const out = new Float32Array(n * 3);
  const d = image.data;
  for (let c = 0; c < 3; c++) {
    const { src, scale, offset } = map[c];
    for (let i = 0; i < n; i++) out[3 * i + c] = d[3 * i + src] * scale + offset;
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** Inverse of {@link normalize}: back to 8-bit RGB (rounded, clamped). */
export function denormalize(image: ImageF32, preset: NormalizePreset): ImageU8 {
  const map = affine(preset);
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  for (let c = 0; c < 3; c++) {
    const { src, scale, offset } = map[c];
    for (let i = 0; i < n; i++) {
      const v = Math.round((image.data[3 * i + c] - offset) / scale);
      out[3 * i + src] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

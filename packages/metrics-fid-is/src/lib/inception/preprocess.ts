import { resize } from '@semadapt/data-core';

/**
 * Image preprocessing for Inception features, in the two protocols papers
 * use (recorded in every result, since FIDs from different protocols are not
 * comparable):
 *
 * - `legacy` (pytorch-fid): the image in [0, 1] is resized to 299×299 with
 *   bilinear interpolation, half-pixel centres, no antialiasing
 *   (`F.interpolate(mode='bilinear', align_corners=False)`).
 * - `clean` (clean-fid): bicubic resampling in float with PIL's filter
 *   (a = −0.5, support widened when downscaling = antialiased; data-core's
 *   `resize`), with no quantization to 8 bits in between.
 *
 * Then the normalization the model expects: `minusOneOne` (2x − 1, the
 * FID-Inception weights) or `imagenet` ((x − mean) / std).
 */
export type ResizeMode = 'legacy' | 'clean';
export type InceptionNormalization = 'minusOneOne' | 'imagenet';

/** An 8-bit or float RGB(A) image, HWC, values 0..255. */
export interface RgbImageLike {
  width: number;
  height: number;
  channels: number;
  data: ArrayLike<number>;
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Resize + normalize into CHW float32 (`size`×`size`, 3 planes), written into `out` at `offset`. */
export function preprocessForInception(
  image: RgbImageLike,
  mode: ResizeMode,
  normalization: InceptionNormalization,
  size = 299,
  out = new Float32Array(3 * size * size),
  offset = 0,
): Float32Array {
  if (image.channels < 3) throw new Error(`Inception preprocessing needs RGB images, got ${image.channels} channel(s)`);
  const write = (c: number, y: number, x: number, v: number) => {
    out[offset + c * size * size + y * size + x] = normalization === 'minusOneOne' ? 2 * v - 1 : (v - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  };
  if (mode === 'clean') {
    // data-core's resize is PIL's (bicubic a = −0.5, antialiased); on float storage nothing is quantized.
    const rgb = new Float32Array(image.width * image.height * 3);
    for (let i = 0; i < image.width * image.height; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = image.data[i * image.channels + c] / 255;
    const r = resize({ width: image.width, height: image.height, channels: 3, data: rgb }, { kind: 'size', width: size, height: size }, 'bicubic');
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) write(c, y, x, r.data[(y * size + x) * 3 + c]);
    return out;
  }
  const rows = bilinearWeights(image.height, size);
  const cols = bilinearWeights(image.width, size);
  const plane = new Float64Array(image.width * image.height);
  const tmp = new Float64Array(image.height * size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane.length; i++) plane[i] = image.data[i * image.channels + c] / 255;
    resample2d(plane, image.width, image.height, rows, cols, size, tmp, (y, x, v) => write(c, y, x, v));
  }
  return out;
}

/** For each output index: the first input index and the weights of a contiguous run. */
export interface ResampleWeights {
  start: Int32Array;
  weights: Float64Array[];
}

/** Bilinear, half-pixel centres, no antialias (PyTorch align_corners=False). */
export function bilinearWeights(inSize: number, outSize: number): ResampleWeights {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let i = 0; i < outSize; i++) {
    const src = Math.max((i + 0.5) * scale - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const l = src - i0;
    start[i] = i0;
    weights.push(i1 === i0 ? Float64Array.of(1) : Float64Array.of(1 - l, l));
  }
  return { start, weights };
}

/** Separable resampling: rows of the input along x first, then columns. */
function resample2d(
  src: Float64Array,
  w: number,
  h: number,
  rows: ResampleWeights,
  cols: ResampleWeights,
  size: number,
  tmp: Float64Array,
  emit: (y: number, x: number, v: number) => void,
): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < size; x++) {
      const s = cols.start[x];
      const k = cols.weights[x];
      let v = 0;
      for (let t = 0; t < k.length; t++) v += k[t] * src[y * w + s + t];
      tmp[y * size + x] = v;
    }
  }
  for (let y = 0; y < size; y++) {
    const s = rows.start[y];
    const k = rows.weights[y];
    for (let x = 0; x < size; x++) {
      let v = 0;
      for (let t = 0; t < k.length; t++) v += k[t] * tmp[(s + t) * size + x];
      emit(y, x, v);
    }
  }
}

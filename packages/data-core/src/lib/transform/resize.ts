/**
 * Resampling as PIL's `Image.resize` does it (BDL and SPADE prepare data with
 * PIL: images BICUBIC/BILINEAR, labels NEAREST): a separable convolution over
 * pixel centres, the kernel widened by the scale when shrinking (antialiased),
 * weights renormalized at the borders. Bicubic uses Keys' kernel with a = −0.5
 * (PIL's). Labels use nearest: source index floor((x + 0.5)·in/out).
 */
import { allocLike, type Image, type PixelData } from '../image/image';

/** Image resampling filter. */
export type ResizeFilter = 'nearest' | 'bilinear' | 'bicubic';

/** Target of a resize: a fixed size, or a scale factor (output size rounded). */
export type ResizeTarget = { kind: 'size'; width: number; height: number } | { kind: 'scale'; factor: number };

/** Output size of `target` for an input of `width`×`height`. */
export function resizeTargetSize(width: number, height: number, target: ResizeTarget): { width: number; height: number } {
  switch (target.kind) {
    case 'size':
      if (!(target.width > 0 && target.height > 0 && Number.isInteger(target.width) && Number.isInteger(target.height))) {
        throw new RangeError(`resize: size must be positive integers, got ${target.width}×${target.height}`);
      }
      return { width: target.width, height: target.height };
    case 'scale':
      if (!(target.factor > 0)) throw new RangeError(`resize: scale factor must be > 0, got ${target.factor}`);
      return { width: Math.max(1, Math.round(width * target.factor)), height: Math.max(1, Math.round(height * target.factor)) };
    default: {
      const never: never = target;
      throw new Error(`resize: unknown target ${JSON.stringify(never)}`);
    }
  }
}

function triangle(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  maxTaps: number;
}

/** PIL's precompute_coeffs: per output index, the first source index, tap count and normalized weights. */
function computeTaps(inSize: number, outSize: number, filter: 'bilinear' | 'bicubic'): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = (filter === 'bilinear' ? 1 : 2) * filterScale;
  const kernel = filter === 'bilinear' ? triangle : cubic;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const w = kernel((i - center + 0.5) / filterScale);
      weights[o * maxTaps + i - lo] = w;
      sum += w;
    }
    if (sum !== 0) for (let i = 0; i < hi - lo; i++) weights[o * maxTaps + i] /= sum;
    start[o] = lo;
    count[o] = hi - lo;
  }
  return { start, count, weights, maxTaps };
}

/** Horizontal resampling of input rows [y0, y1) for output columns [x0, x0 + w) into `tmp` ((y1 − y0) × w × c floats). */
function horizontalPass(data: PixelData, inW: number, c: number, y0: number, y1: number, x0: number, w: number, h: Taps, tmp: Float32Array): void {
  const { start, count, weights, maxTaps } = h;
  for (let y = y0; y < y1; y++) {
    const row = y * inW * c;
    const orow = (y - y0) * w * c;
    if (c === 3) {
      for (let x = 0; x < w; x++) {
        let p = row + start[x0 + x] * 3;
        const n = count[x0 + x];
        let k = (x0 + x) * maxTaps;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let t = 0; t < n; t++, p += 3, k++) {
          const wt = weights[k];
          a0 += data[p] * wt;
          a1 += data[p + 1] * wt;
          a2 += data[p + 2] * wt;
        }
        const o = orow + x * 3;
        tmp[o] = a0;
        tmp[o + 1] = a1;
        tmp[o + 2] = a2;
      }
    } else {
      for (let x = 0; x < w; x++) {
        const n = count[x0 + x];
        for (let ch = 0; ch < c; ch++) {
          let p = row + start[x0 + x] * c + ch;
          let k = (x0 + x) * maxTaps;
          let a = 0;
          for (let t = 0; t < n; t++, p += c, k++) a += data[p] * weights[k];
          tmp[orow + x * c + ch] = a;
        }
      }
    }
  }
}

/** A window of the resized output, in output pixels. */
export interface OutputRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * Resizes an image with `filter`. 'nearest' copies samples (use it for label
 * maps: ids are never blended); 'bilinear'/'bicubic' are antialiased when
 * shrinking, like PIL. Integer storage is rounded and clamped.
 *
 * With `region`, only that window of the resized image is computed — the
 * same pixels as resizing and then cropping, for about the cost of the window
 * (the loader's resize-to-1024×512-then-crop-512×512 does half the work).
 */
export function resize<D extends PixelData>(image: Image<D>, target: ResizeTarget, filter: ResizeFilter, region?: OutputRegion): Image<D> {
  const { width: inW, height: inH, channels: c, data } = image;
  const { width: outW, height: outH } = resizeTargetSize(inW, inH, target);
  const r = region ?? { x: 0, y: 0, width: outW, height: outH };
  if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0 || r.x + r.width > outW || r.y + r.height > outH) {
    throw new RangeError(`resize: region ${JSON.stringify(r)} does not fit in the ${outW}×${outH} output`);
  }
  const out = allocLike(data, r.width * r.height * c);
  if (filter === 'nearest' || (outW === inW && outH === inH)) {
    // Equal sizes: every filter reduces to the identity (weights centred on the source pixel).
    const xs = new Int32Array(r.width);
    for (let x = 0; x < r.width; x++) xs[x] = Math.min(inW - 1, Math.floor(((r.x + x + 0.5) * inW) / outW));
    for (let y = 0; y < r.height; y++) {
      const sy = Math.min(inH - 1, Math.floor(((r.y + y + 0.5) * inH) / outH));
      for (let x = 0; x < r.width; x++) {
        const src = (sy * inW + xs[x]) * c;
        const dst = (y * r.width + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = data[src + k];
      }
    }
    return { width: r.width, height: r.height, channels: c, data: out };
  }
  // Horizontal pass (only the input rows the region's vertical taps touch) into floats, then vertical.
  const h = computeTaps(inW, outW, filter);
  const v = computeTaps(inH, outH, filter);
  let y0 = inH;
  let y1 = 0;
  for (let y = r.y; y < r.y + r.height; y++) {
    y0 = Math.min(y0, v.start[y]);
    y1 = Math.max(y1, v.start[y] + v.count[y]);
  }
  const rowLen = r.width * c;
  const tmp = new Float32Array((y1 - y0) * rowLen);
  horizontalPass(data, inW, c, y0, y1, r.x, r.width, h, tmp);
  const acc = new Float32Array(rowLen);
  const max = data instanceof Float32Array ? Infinity : data instanceof Uint16Array ? 65535 : 255;
  for (let y = 0; y < r.height; y++) {
    acc.fill(0);
    const oy = r.y + y;
    const s = v.start[oy];
    const n = v.count[oy];
    for (let t = 0; t < n; t++) {
      const w = v.weights[oy * v.maxTaps + t];
      const src = (s + t - y0) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += tmp[src + i] * w;
    }
    const dst = y * rowLen;
    if (max === Infinity) out.set(acc, dst);
    else {
      for (let i = 0; i < rowLen; i++) {
        const a = acc[i];
        out[dst + i] = a <= 0 ? 0 : a >= max ? max : Math.round(a);
      }
    }
  }
  return { width: r.width, height: r.height, channels: c, data: out };
}

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

/** Writes `v` into integer storage with rounding and clamping; floats pass through. */
function storeFor(data: PixelData): (out: PixelData, i: number, v: number) => void {
  if (data instanceof Float32Array) return (out, i, v) => (out[i] = v);
  const max = data instanceof Uint16Array ? 65535 : 255;
  return (out, i, v) => (out[i] = v <= 0 ? 0 : v >= max ? max : Math.round(v));
}

/**
 * Resizes an image with `filter`. 'nearest' copies samples (use it for label
 * maps: ids are never blended); 'bilinear'/'bicubic' are antialiased when
 * shrinking, like PIL. Integer storage is rounded and clamped.
 */
export function resize<D extends PixelData>(image: Image<D>, target: ResizeTarget, filter: ResizeFilter): Image<D> {
  const { width: inW, height: inH, channels: c, data } = image;
  const { width: outW, height: outH } = resizeTargetSize(inW, inH, target);
  if (outW === inW && outH === inH) return { width: outW, height: outH, channels: c, data: data.slice() as D };
  if (filter === 'nearest') {
    const out = allocLike(data, outW * outH * c);
    const xs = new Int32Array(outW);
    for (let x = 0; x < outW; x++) xs[x] = Math.min(inW - 1, Math.floor(((x + 0.5) * inW) / outW));
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(inH - 1, Math.floor(((y + 0.5) * inH) / outH));
      for (let x = 0; x < outW; x++) {
        const src = (sy * inW + xs[x]) * c;
        const dst = (y * outW + x) * c;
        for (let k = 0; k < c; k++) out[dst + k] = data[src + k];
      }
    }
    return { width: outW, height: outH, channels: c, data: out };
  }
  // Horizontal pass into a float buffer (inH × outW), then vertical into the output type.
  const h = computeTaps(inW, outW, filter);
  const tmp = new Float32Array(inH * outW * c);
  for (let y = 0; y < inH; y++) {
    const row = y * inW * c;
    for (let x = 0; x < outW; x++) {
      const s = h.start[x];
      const n = h.count[x];
      const wOff = x * h.maxTaps;
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = 0; t < n; t++) acc += data[row + (s + t) * c + k] * h.weights[wOff + t];
        tmp[(y * outW + x) * c + k] = acc;
      }
    }
  }
  const v = computeTaps(inH, outH, filter);
  const out = allocLike(data, outW * outH * c);
  const store = storeFor(data);
  const rowLen = outW * c;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < outH; y++) {
    acc.fill(0);
    const s = v.start[y];
    const n = v.count[y];
    for (let t = 0; t < n; t++) {
      const w = v.weights[y * v.maxTaps + t];
      const src = (s + t) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += tmp[src + i] * w;
    }
    const dst = y * rowLen;
    for (let i = 0; i < rowLen; i++) store(out, dst + i, acc[i]);
  }
  return { width: outW, height: outH, channels: c, data: out };
}

/**
 * Plain images: height × width × channels, row-major (HWC), in a typed array.
 * Data code never touches tensors; the trainers convert at the edge.
 */

/** Sample storage an {@link Image} may use. */
export type PixelData = Uint8Array | Uint16Array | Float32Array;

/** An HWC image: `data[(y * width + x) * channels + c]`. */
export interface Image<D extends PixelData = PixelData> {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: D;
}

/** 8-bit image (decoded RGB, or a label map with `channels === 1`). */
export type ImageU8 = Image<Uint8Array>;
/** Float image (intermediate resampling results, float sources). */
export type ImageF32 = Image<Float32Array>;
/** Label map: one channel of class ids (trainIds after remapping, 255 ignore). */
export type LabelMap = Image<Uint8Array>;

/** Builds an image, checking that `data` has exactly `width·height·channels` samples. */
export function makeImage<D extends PixelData>(width: number, height: number, channels: number, data: D): Image<D> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (!Number.isInteger(channels) || channels <= 0) {
    throw new RangeError(`image channels must be a positive integer, got ${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(`image data has ${data.length} samples, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
  return { width, height, channels, data };
}

/** A zero-filled image of the same storage type as `like` (or the given constructor). */
export function allocLike<D extends PixelData>(like: D, length: number): D {
  const ctor = like.constructor as new (n: number) => D;
  return new ctor(length);
}

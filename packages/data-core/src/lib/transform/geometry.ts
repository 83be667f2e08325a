/**
 * Crops and flips. Random crop and flip draw their parameters once and apply
 * them to image and label alike, so pixels and ids stay aligned (SPEC §2:
 * random 512×512 crops of 1024×512 images).
 */
import { allocLike, type Image, type PixelData } from '../image/image';
import { randomInt, type Rng } from '../random/rng';

/** A crop window in pixels. */
export interface CropBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Copies the window `box` out of `image`. */
export function crop<D extends PixelData>(image: Image<D>, box: CropBox): Image<D> {
  const { width, height, channels: c, data } = image;
  if (box.x < 0 || box.y < 0 || box.width <= 0 || box.height <= 0 || box.x + box.width > width || box.y + box.height > height) {
    throw new RangeError(`crop: box ${JSON.stringify(box)} does not fit in a ${width}×${height} image`);
  }
  const out = allocLike(data, box.width * box.height * c);
  for (let y = 0; y < box.height; y++) {
    const src = ((box.y + y) * width + box.x) * c;
    out.set(data.subarray(src, src + box.width * c), y * box.width * c);
  }
  return { width: box.width, height: box.height, channels: c, data: out };
}

/** Mirrors an image left–right. */
export function flipHorizontal<D extends PixelData>(image: Image<D>): Image<D> {
  const { width, height, channels: c, data } = image;
  const out = allocLike(data, data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * c;
      const dst = (y * width + (width - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[dst + k] = data[src + k];
    }
  }
  return { width, height, channels: c, data: out };
}

/** Draws a uniformly placed `cropWidth`×`cropHeight` window inside `width`×`height`. */
export function randomCropBox(width: number, height: number, cropWidth: number, cropHeight: number, rng: Rng): CropBox {
  if (cropWidth > width || cropHeight > height) {
    throw new RangeError(`random crop ${cropWidth}×${cropHeight} is larger than the ${width}×${height} image`);
  }
  return { x: randomInt(rng, width - cropWidth + 1), y: randomInt(rng, height - cropHeight + 1), width: cropWidth, height: cropHeight };
}

/** Applies one random crop (and, with probability `flipProbability`, one horizontal flip) to an image and its label. */
export function randomCropFlipPair<A extends PixelData, B extends PixelData>(
  image: Image<A>,
  label: Image<B> | undefined,
  cropSize: { width: number; height: number } | undefined,
  flipProbability: number,
  rng: Rng,
): { image: Image<A>; label?: Image<B> } {
  if (label && (label.width !== image.width || label.height !== image.height)) {
    throw new RangeError(`crop/flip: image is ${image.width}×${image.height} but label is ${label.width}×${label.height}`);
  }
  let img = image;
  let lab = label;
  if (cropSize) {
    const box = randomCropBox(image.width, image.height, cropSize.width, cropSize.height, rng);
    img = crop(img, box);
    lab = lab && crop(lab, box);
  }
  if (flipProbability > 0 && rng() < flipProbability) {
    img = flipHorizontal(img);
    lab = lab && flipHorizontal(lab);
  }
  return { image: img, label: lab };
}

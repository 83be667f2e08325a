/**
 * JPEG decoding for user-supplied target sets (photos often come as JPEG).
 * jpeg-js: pure JS, CommonJS, no native build, maintained by the jpeg-js
 * org; decodes baseline and progressive files.
 */
import * as fs from 'fs';
import { decode as jpegDecode, encode as jpegEncode } from 'jpeg-js';
import type { ImageU8 } from '../image/image';

/** Error for an unreadable or corrupt JPEG; the message starts with the file's path. */
export class JpegDecodeError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'JpegDecodeError';
  }
}

/** True when `bytes` starts with a JPEG SOI marker (FF D8 FF). */
export function hasJpegSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decodes JPEG bytes to 8-bit RGB (3 channels, HWC). */
export function decodeJpeg(bytes: Uint8Array, file = '<buffer>'): ImageU8 {
  if (!hasJpegSignature(bytes)) throw new JpegDecodeError(file, 'not a JPEG (bad signature)');
  let decoded;
  try {
    decoded = jpegDecode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048, maxResolutionInMP: 400 });
  } catch (err) {
    throw new JpegDecodeError(file, `corrupt or truncated JPEG (${(err as Error).message})`);
  }
  const { width, height, data } = decoded;
  if (data.length !== width * height * 3) {
    throw new JpegDecodeError(file, `decoder returned ${data.length} bytes for ${width}×${height} RGB`);
  }
  return { width, height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Reads and decodes a JPEG file; errors name the file. */
export function readJpeg(file: string): ImageU8 {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new JpegDecodeError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeJpeg(bytes, file);
}

/** Encodes 8-bit RGB (or RGBA; alpha dropped) as baseline JPEG at `quality` (1–100, default 90). */
export function encodeJpeg(image: ImageU8, quality = 90): Uint8Array {
  const { width, height, channels, data } = image;
  if (channels !== 3 && channels !== 4) throw new RangeError(`encodeJpeg: needs 3 or 4 channels, got ${channels}`);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    rgba[4 * i] = data[j];
    rgba[4 * i + 1] = data[j + 1];
    rgba[4 * i + 2] = data[j + 2];
    rgba[4 * i + 3] = 255;
  }
  return jpegEncode({ width, height, data: rgba }, quality).data;
}

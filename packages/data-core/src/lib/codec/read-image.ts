/**
 * Reading dataset files by content (signature), not by extension: images as
 * 8-bit RGB, labels as raw ids exactly as stored (SPEC §5).
 */
import * as fs from 'fs';
import type { Image, ImageU8 } from '../image/image';
import { decodePng, hasPngSignature, PngDecodeError, type DecodedPng } from './png';
import { decodeJpeg, hasJpegSignature, JpegDecodeError } from './jpeg';

/** Reads a file, wrapping I/O errors so the message names the path. */
function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new PngDecodeError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Converts any decoded PNG to 8-bit RGB: palette expanded, gray replicated, alpha dropped, 16 → 8 bits by `>> 8`. */
export function pngToRgb(png: DecodedPng): ImageU8 {
  const { width, height, channels, data, colorType, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const shift = png.depth === 16 ? 8 : 0;
  if (colorType === 'rgb' && shift === 0) return { width, height, channels: 3, data: data as Uint8Array };
  const pal = palette ?? new Uint8Array(0);
  for (let i = 0; i < n; i++) {
    if (colorType === 'palette') {
      const k = data[i] * 3;
      out[3 * i] = pal[k];
      out[3 * i + 1] = pal[k + 1];
      out[3 * i + 2] = pal[k + 2];
    } else if (channels >= 3) {
      out[3 * i] = data[i * channels] >> shift;
      out[3 * i + 1] = data[i * channels + 1] >> shift;
      out[3 * i + 2] = data[i * channels + 2] >> shift;
    } else {
      const g = data[i * channels] >> shift;
      out[3 * i] = g;
      out[3 * i + 1] = g;
      out[3 * i + 2] = g;
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Decodes PNG or JPEG bytes to 8-bit RGB. */
export function decodeRgb(bytes: Uint8Array, file = '<buffer>'): ImageU8 {
  if (hasPngSignature(bytes)) return pngToRgb(decodePng(bytes, file));
  if (hasJpegSignature(bytes)) return decodeJpeg(bytes, file);
  throw new PngDecodeError(file, 'neither a PNG nor a JPEG (unknown signature)');
}

/** Reads a PNG or JPEG image file as 8-bit RGB; errors name the file. */
export function readRgb(file: string): ImageU8 {
  return decodeRgb(readBytes(file), file);
}

/**
 * Decodes a label PNG to raw ids, one channel: gray or palette → the stored
 * sample (palette *indices*, never colours), multi-channel → the first
 * channel (SYNTHIA: class id in channel 0 of a 16-bit PNG). 16-bit files give
 * a Uint16Array.
 */
export function decodeLabelIds(bytes: Uint8Array, file = '<buffer>'): Image<Uint8Array | Uint16Array> {
  if (!hasPngSignature(bytes)) {
    throw new PngDecodeError(file, hasJpegSignature(bytes) ? 'label maps must be PNG (JPEG is lossy), got a JPEG' : 'not a PNG (bad signature)');
  }
  const png = decodePng(bytes, file);
  const { width, height, channels, data } = png;
  if (channels === 1) return { width, height, channels: 1, data };
  const n = width * height;
  const out = data instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = data[i * channels];
  return { width, height, channels: 1, data: out };
}

/** Reads a label PNG as raw ids (see {@link decodeLabelIds}). */
export function readLabelIds(file: string): Image<Uint8Array | Uint16Array> {
  return decodeLabelIds(readBytes(file), file);
}

/** Width and height from a PNG's IHDR without decoding pixel data (cheap tree checks). */
export function readPngSize(file: string): { width: number; height: number } {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(24);
    const got = fs.readSync(fd, head, 0, 24, 0);
    if (got < 24 || !hasPngSignature(head)) throw new PngDecodeError(file, got < 24 ? `not a PNG (only ${got} bytes)` : 'not a PNG (bad signature)');
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  } catch (err) {
    if (err instanceof PngDecodeError || err instanceof JpegDecodeError) throw err;
    throw new PngDecodeError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

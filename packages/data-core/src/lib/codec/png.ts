/**
 * PNG decoding and encoding that keeps label samples exactly (SPEC §5):
 * palette PNGs come back as raw indices (GTA5 labels are palette PNGs whose
 * indices are Cityscapes labelIds), 16-bit PNGs as 16-bit samples (SYNTHIA
 * labels carry the class id in the first 16-bit channel), gray 8-bit as is.
 *
 * Why not only a library: sharp and pngjs expand palettes to colours (the ids
 * are lost) and sharp reduces 16 bits to 8 unless asked. fast-png keeps both,
 * but inflates with pure-JS pako: measured here 140 ms for one 1914×1052 RGB
 * image, of which pako is 127 ms against 42 ms for Node's native zlib. So
 * non-interlaced PNGs (all of GTA5, Cityscapes, SYNTHIA) are parsed here and
 * inflated with `zlib`; Adam7-interlaced files go through fast-png. The specs
 * check this decoder against fast-png on every colour type, depth and filter.
 * Encoding likewise uses native zlib (fast-png's pako deflate takes 1.5 s on a
 * 1914×1052 image).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { decode as fastPngDecode } from 'fast-png';
import type { Image } from '../image/image';

/** PNG colour types (PNG spec §11.2.2). */
export type PngColorType = 'gray' | 'rgb' | 'palette' | 'gray-alpha' | 'rgba';

/** A decoded PNG: raw samples, no palette expansion, no bit-depth reduction. */
export interface DecodedPng extends Image<Uint8Array | Uint16Array> {
  /** 8 for depths 1/2/4/8 (sub-byte samples are unpacked to one per byte), or 16 (`data` is a Uint16Array). */
  readonly depth: 8 | 16;
  /** Bit depth stored in the file (1, 2, 4, 8 or 16). */
  readonly fileDepth: number;
  readonly colorType: PngColorType;
  /** For palette PNGs: RGB triplets, `palette[3 * index + c]`. */
  readonly palette?: Uint8Array;
}

/** Error for an unreadable, truncated or malformed PNG; the message starts with the file's path. */
export class PngDecodeError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'PngDecodeError';
  }
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_TYPES: Record<number, { type: PngColorType; channels: number; depths: number[] }> = {
  0: { type: 'gray', channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { type: 'rgb', channels: 3, depths: [8, 16] },
  3: { type: 'palette', channels: 1, depths: [1, 2, 4, 8] },
  4: { type: 'gray-alpha', channels: 2, depths: [8, 16] },
  6: { type: 'rgba', channels: 4, depths: [8, 16] },
};

/** True when `bytes` starts with the 8-byte PNG signature. */
export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

interface PngChunks {
  width: number;
  height: number;
  fileDepth: number;
  colorTypeCode: number;
  interlace: number;
  idat: Uint8Array[];
  palette?: Uint8Array;
}

/**
 * Largest decoded image (inflated bytes, filter bytes included) a PNG may
 * declare: 512 MiB by default — 40× a 2048×1024 16-bit RGBA frame, so no
 * dataset image comes near it — or `SEMADAPT_PNG_MAX_BYTES`. A few hundred
 * bytes of deflate can otherwise claim gigabytes.
 */
export function maxPngBytes(): number {
  const env = Number(process.env['SEMADAPT_PNG_MAX_BYTES']);
  return Number.isSafeInteger(env) && env > 0 ? env : 512 * 1024 * 1024;
}

/** Walks the chunk list, checking bounds, order and the IEND trailer, so truncation is named precisely. */
function readChunks(bytes: Uint8Array, file: string): PngChunks {
  if (!hasPngSignature(bytes)) {
    throw new PngDecodeError(file, bytes.length < 8 ? `not a PNG (only ${bytes.length} bytes)` : 'not a PNG (bad signature)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: Omit<PngChunks, 'idat' | 'palette'> | undefined;
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  for (;;) {
    if (offset + 8 > bytes.length) {
      throw new PngDecodeError(file, `truncated PNG: file ends at byte ${bytes.length} before the IEND chunk`);
    }
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]);
    const dataStart = offset + 8;
    if (dataStart + length + 4 > bytes.length) {
      throw new PngDecodeError(file, `truncated PNG: chunk ${type} at byte ${offset} declares ${length} bytes but the file ends at byte ${bytes.length}`);
    }
    const data = bytes.subarray(dataStart, dataStart + length);
    if (header === undefined && type !== 'IHDR') {
      throw new PngDecodeError(file, `malformed PNG: first chunk is ${type}, expected IHDR`);
    }
    if (type === 'IHDR') {
      if (length !== 13) throw new PngDecodeError(file, `malformed PNG: IHDR has ${length} bytes, expected 13`);
      header = {
        width: view.getUint32(dataStart),
        height: view.getUint32(dataStart + 4),
        fileDepth: data[8],
        colorTypeCode: data[9],
        interlace: data[12],
      };
      const ct = COLOR_TYPES[header.colorTypeCode];
      if (!ct) throw new PngDecodeError(file, `malformed PNG: unknown colour type ${header.colorTypeCode}`);
      if (!ct.depths.includes(header.fileDepth)) {
        throw new PngDecodeError(file, `malformed PNG: bit depth ${header.fileDepth} is not allowed for colour type ${ct.type}`);
      }
      if (header.width === 0 || header.height === 0) throw new PngDecodeError(file, `malformed PNG: size ${header.width}×${header.height}`);
      // Decompression bombs: refuse from the header, before inflating anything.
      const decoded = header.height * (Math.ceil((header.width * ct.channels * header.fileDepth) / 8) + 1);
      if (decoded > maxPngBytes()) {
        throw new PngDecodeError(
          file,
          `PNG too large: ${header.width}×${header.height} ${ct.type} ${header.fileDepth}-bit decodes to ${decoded} bytes, more than the limit of ${maxPngBytes()} ` +
            '(SEMADAPT_PNG_MAX_BYTES raises it)',
        );
      }
    } else if (type === 'PLTE') {
      if (length % 3 !== 0) throw new PngDecodeError(file, `malformed PNG: PLTE length ${length} is not a multiple of 3`);
      palette = data.slice();
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset = dataStart + length + 4;
  }
  if (!header) throw new PngDecodeError(file, 'malformed PNG: no IHDR');
  if (idat.length === 0) throw new PngDecodeError(file, 'malformed PNG: no IDAT chunk');
  if (header.colorTypeCode === 3 && !palette) throw new PngDecodeError(file, 'malformed PNG: palette colour type without a PLTE chunk');
  return { ...header, idat, palette };
}

/**
 * Reverses the per-row PNG filters (PNG spec §9), `bpp` bytes per complete
 * pixel (≥ 1). The first `bpp` bytes of a row (no left neighbour) and the
 * first row (no upper neighbour) are split out so the inner loops carry no
 * bounds tests: this is most of the decode time of a large image.
 */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number, file: string): Uint8Array {
  const out = new Uint8Array(height * rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    const up = dst - rowBytes;
    const first = y === 0;
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + rowBytes), dst);
        break;
      case 1:
        out.set(raw.subarray(src, src + Math.min(bpp, rowBytes)), dst);
        for (let i = bpp; i < rowBytes; i++) out[dst + i] = raw[src + i] + out[dst + i - bpp];
        break;
      case 2:
        if (first) out.set(raw.subarray(src, src + rowBytes), dst);
        else for (let i = 0; i < rowBytes; i++) out[dst + i] = raw[src + i] + out[up + i];
        break;
      case 3:
        if (first) {
          out.set(raw.subarray(src, src + Math.min(bpp, rowBytes)), dst);
          for (let i = bpp; i < rowBytes; i++) out[dst + i] = raw[src + i] + (out[dst + i - bpp] >> 1);
        } else {
          for (let i = 0; i < bpp && i < rowBytes; i++) out[dst + i] = raw[src + i] + (out[up + i] >> 1);
          for (let i = bpp; i < rowBytes; i++) out[dst + i] = raw[src + i] + ((out[dst + i - bpp] + out[up + i]) >> 1);
        }
        break;
      case 4:
        if (first) {
          // No row above: Paeth predicts from the left neighbour only (b = c = 0 → a).
          out.set(raw.subarray(src, src + Math.min(bpp, rowBytes)), dst);
          for (let i = bpp; i < rowBytes; i++) out[dst + i] = raw[src + i] + out[dst + i - bpp];
        } else {
          // Left edge: a = c = 0, so the predictor is b.
          for (let i = 0; i < bpp && i < rowBytes; i++) out[dst + i] = raw[src + i] + out[up + i];
          for (let i = bpp; i < rowBytes; i++) {
            const a = out[dst + i - bpp];
            const b = out[up + i];
            const c = out[up + i - bpp];
            const pa = b > c ? b - c : c - b; // |p − a| with p = a + b − c
            const pb = a > c ? a - c : c - a; // |p − b|
            const pc0 = a + b - c - c;
            const pc = pc0 < 0 ? -pc0 : pc0; // |p − c|
            out[dst + i] = raw[src + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          }
        }
        break;
      default:
        throw new PngDecodeError(file, `malformed PNG: unknown filter type ${filter} on row ${y}`);
    }
  }
  return out;
}

/** Unpacks 1/2/4-bit samples (MSB first) to one byte each. */
function unpackSubByte(packed: Uint8Array, width: number, height: number, depth: number, rowBytes: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = packed[y * rowBytes + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

/**
 * Decodes PNG bytes to raw samples. `file` names the source in errors.
 * Throws {@link PngDecodeError} for anything unreadable.
 */
export function decodePng(bytes: Uint8Array, file = '<buffer>'): DecodedPng {
  const chunks = readChunks(bytes, file);
  const { width, height, fileDepth, colorTypeCode, interlace } = chunks;
  const { type: colorType, channels } = COLOR_TYPES[colorTypeCode];
  const depth: 8 | 16 = fileDepth === 16 ? 16 : 8;
  if (interlace !== 0) {
    return decodeInterlaced(bytes, file, chunks);
  }
  const rowBytes = Math.ceil((width * channels * fileDepth) / 8);
  const expected = height * (rowBytes + 1);
  let raw: Buffer;
  try {
    // Never inflate (much) more than the header's size needs: extra data is a malformed or hostile file.
    raw = zlib.inflateSync(chunks.idat.length === 1 ? chunks.idat[0] : Buffer.concat(chunks.idat), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
      maxOutputLength: expected + 65536,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PngDecodeError(file, `corrupt PNG image data: inflates to more than the ${expected} bytes its ${width}×${height} header needs`);
    }
    throw new PngDecodeError(file, `corrupt PNG image data (${(err as Error).message})`);
  }
  if (raw.length < expected) {
    throw new PngDecodeError(file, `truncated PNG image data: ${raw.length} of ${expected} bytes for ${width}×${height}`);
  }
  const bpp = Math.max(1, (channels * fileDepth) / 8);
  const bytesOut = unfilter(raw, height, rowBytes, bpp, file);
  let data: Uint8Array | Uint16Array;
  if (fileDepth === 16) {
    const n = width * height * channels;
    const words = new Uint16Array(n);
    for (let i = 0; i < n; i++) words[i] = (bytesOut[2 * i] << 8) | bytesOut[2 * i + 1];
    data = words;
  } else if (fileDepth < 8) {
    data = unpackSubByte(bytesOut, width, height, fileDepth, rowBytes);
  } else {
    data = bytesOut;
  }
  return { width, height, channels, data, depth, fileDepth, colorType, palette: chunks.palette };
}

/** Adam7 files: fast-png (rare in datasets; kept correct rather than fast). */
function decodeInterlaced(bytes: Uint8Array, file: string, chunks: PngChunks): DecodedPng {
  const { fileDepth, colorTypeCode } = chunks;
  const { type: colorType } = COLOR_TYPES[colorTypeCode];
  if (fileDepth < 8) {
    throw new PngDecodeError(file, `unsupported PNG: Adam7-interlaced with ${fileDepth}-bit samples`);
  }
  // fast-png inflates without a limit: check first that the image data does not inflate past what the
  // header's size needs (the 7 passes add at most a filter byte and a partial pixel per pass row).
  const { width, height } = chunks;
  const { channels } = COLOR_TYPES[colorTypeCode];
  const bound = height * (Math.ceil((width * channels * fileDepth) / 8) + 1) + 7 * (height + 1) * (1 + (channels * fileDepth) / 8) + 65536;
  try {
    zlib.inflateSync(chunks.idat.length === 1 ? chunks.idat[0] : Buffer.concat(chunks.idat), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: bound });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PngDecodeError(file, `corrupt PNG image data: inflates to more than the bytes its ${width}×${height} header needs`);
    }
    throw new PngDecodeError(file, `corrupt PNG image data (${(err as Error).message})`);
  }
  let decoded;
  try {
    decoded = fastPngDecode(bytes);
  } catch (err) {
    throw new PngDecodeError(file, `corrupt PNG (${(err as Error).message})`);
  }
  const data = fileDepth === 16 ? new Uint16Array(decoded.data) : new Uint8Array(decoded.data);
  return {
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels,
    data,
    depth: fileDepth === 16 ? 16 : 8,
    fileDepth,
    colorType,
    palette: chunks.palette,
  };
}

/** Reads and decodes a PNG file; errors name the file. */
export function readPng(file: string): DecodedPng {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new PngDecodeError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodePng(bytes, file);
}

/** What {@link encodePng} writes. */
export interface PngEncodeInput {
  readonly width: number;
  readonly height: number;
  /** 1 gray (or palette indices), 2 gray-alpha, 3 RGB, 4 RGBA. */
  readonly channels: number;
  /** Uint8Array for 8-bit, Uint16Array for 16-bit samples. */
  readonly data: Uint8Array | Uint16Array;
  /** RGB triplets (length 3·n, n ≤ 256): writes a palette PNG; `data` holds the indices (channels 1, 8-bit). */
  readonly palette?: Uint8Array | ArrayLike<number>;
}

/** Options for {@link encodePng}. */
export interface PngEncodeOptions {
  /** zlib level 0–9. Default 6. */
  readonly level?: number;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Per row, the filter with the least sum of absolute residuals (libpng's default heuristic). */
function filterRows(bytes: Uint8Array, height: number, rowBytes: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * (rowBytes + 1));
  const trial = new Uint8Array(rowBytes);
  const best = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    const up = row - rowBytes;
    let bestSum = Infinity;
    let bestFilter = 0;
    for (let f = 0; f <= 4; f++) {
      let sum = 0;
      for (let i = 0; i < rowBytes; i++) {
        const x = bytes[row + i];
        const a = i >= bpp ? bytes[row + i - bpp] : 0;
        const b = y > 0 ? bytes[up + i] : 0;
        const c = i >= bpp && y > 0 ? bytes[up + i - bpp] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const v = (x - pred) & 0xff;
        trial[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) {
        bestSum = sum;
        bestFilter = f;
        best.set(trial);
      }
    }
    out[y * (rowBytes + 1)] = bestFilter;
    out.set(best, y * (rowBytes + 1) + 1);
  }
  return out;
}

/** Encodes gray/gray-alpha/RGB/RGBA (8 or 16 bit) or palette (8-bit indices) PNG bytes. */
export function encodePng(image: PngEncodeInput, options: PngEncodeOptions = {}): Uint8Array {
  const { width, height, channels, data, palette } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: size must be positive integers, got ${width}×${height}`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new RangeError(`encodePng: channels must be 1–4, got ${channels}`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng: data has ${data.length} samples, expected ${width}×${height}×${channels}`);
  }
  const depth = data instanceof Uint16Array ? 16 : 8;
  let colorTypeCode = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels] as number;
  if (palette) {
    if (channels !== 1 || depth !== 8) throw new RangeError('encodePng: palette PNGs need 1 channel of 8-bit indices');
    if (palette.length % 3 !== 0 || palette.length === 0 || palette.length > 768) {
      throw new RangeError(`encodePng: palette must hold 1–256 RGB triplets, got ${palette.length} values`);
    }
    const entries = palette.length / 3;
    for (let i = 0; i < data.length; i++) {
      if (data[i] >= entries) throw new RangeError(`encodePng: index ${data[i]} at sample ${i} is outside the ${entries}-entry palette`);
    }
    colorTypeCode = 3;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorTypeCode;
  const bpp = (channels * depth) / 8;
  const rowBytes = width * bpp;
  let bytes: Uint8Array;
  if (depth === 16) {
    bytes = new Uint8Array(data.length * 2);
    for (let i = 0; i < data.length; i++) {
      bytes[2 * i] = data[i] >> 8;
      bytes[2 * i + 1] = data[i] & 0xff;
    }
  } else {
    bytes = data as Uint8Array;
  }
  const idat = zlib.deflateSync(filterRows(bytes, height, rowBytes, bpp), { level: options.level ?? 6 });
  const parts = [Buffer.from(SIGNATURE), chunk('IHDR', ihdr)];
  if (palette) parts.push(chunk('PLTE', Uint8Array.from(palette)));
  parts.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/**
 * Writes bytes to `file` atomically: a temporary sibling, then rename, so a
 * reader (or a crash) never sees a half-written file. Creates parent folders.
 */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Encodes `image` as PNG and writes it atomically (see {@link writeFileAtomic}). */
export function writePngAtomic(file: string, image: PngEncodeInput, options: PngEncodeOptions = {}): void {
  writeFileAtomic(file, encodePng(image, options));
}

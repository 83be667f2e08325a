/**
 * The safetensors file format (Hugging Face), read and written here directly:
 *
 *     [8 bytes: N, unsigned 64-bit little-endian]
 *     [N bytes: UTF-8 JSON header]  {"__metadata__": {str: str}, "<name>": {"dtype": "F32",
 *                                    "shape": [..], "data_offsets": [begin, end]}, ...}
 *     [the byte buffer: raw little-endian, row-major tensor data; offsets are relative to it]
 *
 * No npm package for it is in the registry we can reach (the format's own
 * implementations are Rust and Python), and the format is small, so it is
 * implemented here with the checks of the reference implementation: header
 * length within the file, valid JSON as its `serde_json` reads it (no
 * byte-order mark, no duplicate keys, no lone surrogates, shapes and offsets
 * as integers — see strict-json.ts), known dtypes (own keys only), `end −
 * begin` equal to the shape's byte size, offsets contiguous from 0 and
 * covering the buffer exactly. Every error names the file.
 *
 * Writing: the header lists `__metadata__` first, then tensors sorted by name,
 * laid out in that order with no gaps, and is padded with spaces to a multiple
 * of 8 bytes (as the reference writer does) so data is aligned. Files are
 * written atomically: to `<file>.tmp-<pid>`, fsync'd, then renamed over
 * `<file>`; a failure removes the temporary file and leaves `<file>` as it was.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { parseStrictJson } from './strict-json';

/** The dtypes of the safetensors format that can be read. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Typed array holding a tensor's elements (F16/BF16 raw bits as Uint16Array). */
export type SafetensorsData =
  | Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** One tensor as stored in a file. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

/** The contents of a file: tensors in file order, and the `__metadata__` map. */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A malformed or unreadable safetensors file; the message names the file. */
export class SafetensorsError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

if (os.endianness() !== 'LE') {
  throw new Error('safetensors: this implementation reads and writes typed arrays directly and needs a little-endian machine');
}

/** Parse a whole safetensors file held in memory. `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new SafetensorsError(file, msg);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`corrupt header: header length ${n64} exceeds the 100 MB limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`truncated or corrupt: header length ${n} needs ${8 + n} bytes, file has ${bytes.length}`);
  const headerBytes = bytes.subarray(8, 8 + n);
  // serde_json (the reference) refuses a byte-order mark; TextDecoder would silently drop it.
  if (headerBytes[0] === 0xef && headerBytes[1] === 0xbb && headerBytes[2] === 0xbf) fail('corrupt header: starts with a UTF-8 byte-order mark');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (e) {
    fail(`corrupt header: not valid UTF-8 JSON (${(e as Error).message})`);
  }
  let header: unknown;
  try {
    header = parseStrictJson(text);
  } catch (e) {
    fail(`corrupt header: not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('corrupt header: not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('corrupt header: __metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`corrupt header: __metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== 'object') fail(`corrupt header: entry '${name}' is not an object`);
    const dtype = info.dtype as SafetensorsDtype;
    // An own-property check: `in` would accept inherited names such as "toString".
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`corrupt header: tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`corrupt header: tensor '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as number[];
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    if (end < begin || end - begin !== numel * DTYPE_BYTES[dtype]) {
      fail(`corrupt header: tensor '${name}' data_offsets [${begin}, ${end}] do not hold ${numel} ${dtype} values of shape [${shape}]`);
    }
    if (end > dataLength) {
      fail(`truncated or corrupt: tensor '${name}' data_offsets [${begin}, ${end}] out of range of the ${dataLength}-byte data buffer`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // Offsets must tile the buffer: sorted, contiguous from 0, ending at its end.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) fail(`corrupt header: tensor '${e.name}' starts at ${e.begin}, expected ${at} (overlap or gap)`);
    at = e.end;
  }
  if (at !== dataLength) fail(`corrupt: tensors cover ${at} bytes of a ${dataLength}-byte data buffer (trailing bytes)`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    // Copy into a fresh aligned buffer (the data region need not be aligned).
    // (Buffer#slice would share memory, so copy explicitly.)
    const chunk = new Uint8Array(e.end - e.begin);
    chunk.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: typedArrayOf(e.dtype, chunk.buffer) });
  }
  return { tensors, metadata };
}

/** Read and validate a safetensors file. */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new SafetensorsError(file, `cannot read: ${(e as Error).message}`);
  }
  return decodeSafetensors(bytes, file);
}

/** What `writeSafetensors` accepts per name: a tfjs tensor (float32, int32, bool) or raw data. */
export type SafetensorsInput = tf.Tensor | SafetensorsTensor;

/** Serialize tensors and metadata into the bytes of a safetensors file (header, then data chunks). */
export async function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsInput> | Record<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Promise<Uint8Array[]> {
  const map = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const names = [...map.keys()].sort();
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`writeSafetensors: metadata '${k}' must be a string; received ${typeof v}`);
  }
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error("writeSafetensors: '__metadata__' is reserved and cannot name a tensor");
    const t = await toSafetensor(name, map.get(name) as SafetensorsInput);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((8 + Buffer.byteLength(json, 'utf8')) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = Buffer.from(json, 'utf8');
  const lengthBytes = new Uint8Array(8);
  new DataView(lengthBytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [lengthBytes, headerBytes, ...chunks];
}

/**
 * Write `tensors` (and string `metadata`) to `file` in the safetensors format,
 * atomically: the file is either the old one or the complete new one.
 */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, SafetensorsInput> | Record<string, SafetensorsInput>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const chunks = await encodeSafetensors(tensors, metadata);
  await writeFileAtomic(file, chunks);
}

/**
 * Write `chunks` to `file` through `<file>.tmp-<pid>`: write, fsync, close,
 * rename over `file`, fsync the directory. On any failure the temporary file
 * is removed and `file` is untouched.
 */
export async function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'w');
    for (const c of chunks) {
      if (!(c instanceof Uint8Array)) throw new TypeError(`chunk is not a Uint8Array (${typeof c})`);
      let written = 0;
      while (written < c.byteLength) {
        const { bytesWritten } = await handle.write(c, written, c.byteLength - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`writing ${file} failed (previous file left as it was): ${(e as Error).message}`);
  }
  // Make the rename durable; not every platform lets a directory be opened for fsync.
  try {
    const dir = await fsp.open(path.dirname(path.resolve(file)), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Best effort (e.g. Windows).
  }
}

/**
 * A tfjs tensor for a stored tensor: F32/I32/BOOL as is; F64, F16 and BF16
 * converted to float32; I64/I16/I8/U8 to int32 (I64 values outside the int32
 * range throw).
 */
export function safetensorToTf(t: SafetensorsTensor, name = '<tensor>', file?: string): tf.Tensor {
  switch (t.dtype) {
    case 'F32':
      return tf.tensor(t.data as Float32Array, t.shape, 'float32');
    case 'F64':
      return tf.tensor(Float32Array.from(t.data as Float64Array), t.shape, 'float32');
    case 'F16':
      return tf.tensor(Float32Array.from(t.data as Uint16Array, halfToFloat), t.shape, 'float32');
    case 'BF16':
      return tf.tensor(Float32Array.from(t.data as Uint16Array, bfloat16ToFloat), t.shape, 'float32');
    case 'I32':
      return tf.tensor(t.data as Int32Array, t.shape, 'int32');
    case 'I64': {
      const src = t.data as BigInt64Array;
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) {
        if (src[i] > 2147483647n || src[i] < -2147483648n) {
          const msg = `tensor '${name}' holds an I64 value ${src[i]} outside int32 (element ${i})`;
          throw file !== undefined ? new SafetensorsError(file, msg) : new Error(`safetensorToTf: ${msg}`);
        }
        out[i] = Number(src[i]);
      }
      return tf.tensor(out, t.shape, 'int32');
    }
    case 'I16':
    case 'I8':
    case 'U8':
      return tf.tensor(Int32Array.from(t.data as Int16Array | Int8Array | Uint8Array), t.shape, 'int32');
    case 'BOOL':
      return tf.tensor(t.data as Uint8Array, t.shape, 'bool');
    default: {
      const never: never = t.dtype;
      throw new Error(`safetensorToTf: unknown dtype ${never}`);
    }
  }
}

/** The safetensors dtype a tfjs dtype is stored as. */
export function safetensorsDtypeOf(dtype: tf.DataType): SafetensorsDtype {
  switch (dtype) {
    case 'float32':
      return 'F32';
    case 'int32':
      return 'I32';
    case 'bool':
      return 'BOOL';
    default:
      throw new Error(`safetensors: cannot store tfjs dtype '${dtype}'`);
  }
}

async function toSafetensor(name: string, v: SafetensorsInput): Promise<SafetensorsTensor> {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new Error(`writeSafetensors: tensor '${name}' is disposed`);
    const dtype = safetensorsDtypeOf(v.dtype);
    const values = await v.data();
    const data = dtype === 'BOOL' ? Uint8Array.from(values as Uint8Array) : (values as Float32Array | Int32Array);
    return { dtype, shape: v.shape.slice(), data };
  }
  const numel = v.shape.reduce((a, d) => a * d, 1);
  if (!(v.dtype in DTYPE_BYTES)) throw new Error(`writeSafetensors: tensor '${name}' has unknown dtype ${v.dtype}`);
  if (v.data.byteLength !== numel * DTYPE_BYTES[v.dtype]) {
    throw new Error(`writeSafetensors: tensor '${name}' has ${v.data.byteLength} bytes, shape [${v.shape}] of ${v.dtype} needs ${numel * DTYPE_BYTES[v.dtype]}`);
  }
  return v;
}

function typedArrayOf(dtype: SafetensorsDtype, buf: ArrayBuffer): SafetensorsData {
  switch (dtype) {
    case 'F64':
      return new Float64Array(buf);
    case 'F32':
      return new Float32Array(buf);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf);
    default: {
      const never: never = dtype;
      throw new Error(`safetensors: unknown dtype ${never}`);
    }
  }
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * Math.pow(2, exp - 15) * (1 + frac / 1024);
}

/** bfloat16 bits (the upper half of a float32) → number. */
export function bfloat16ToFloat(b: number): number {
  BF16_BITS[0] = (b & 0xffff) << 16;
  return BF16_FLOAT[0];
}

const BF16_BITS = new Uint32Array(1);
const BF16_FLOAT = new Float32Array(BF16_BITS.buffer);

/** How many NaN/±Inf values a floating-point tensor holds (0 for integer and bool dtypes). */
export function countNonFinite(t: SafetensorsTensor): number {
  let n = 0;
  switch (t.dtype) {
    case 'F32':
    case 'F64':
      for (const v of t.data as Float32Array | Float64Array) if (!Number.isFinite(v)) n++;
      return n;
    case 'F16':
      // Exponent bits all ones: Inf or NaN.
      for (const h of t.data as Uint16Array) if ((h & 0x7c00) === 0x7c00) n++;
      return n;
    case 'BF16':
      for (const b of t.data as Uint16Array) if ((b & 0x7f80) === 0x7f80) n++;
      return n;
    default:
      return 0;
  }
}

/**
 * Throws a `SafetensorsError` naming `file`, the tensors and the count when
 * any of `names` holds NaN/Inf: weights like that come from a diverged run
 * and would poison every later step, so they are refused rather than loaded.
 */
export function assertFiniteTensors(file: string, tensors: ReadonlyMap<string, SafetensorsTensor>, names: Iterable<string>): void {
  const bad: string[] = [];
  let total = 0;
  for (const name of names) {
    const t = tensors.get(name);
    const n = t ? countNonFinite(t) : 0;
    if (n > 0) {
      bad.push(`${name} (${n})`);
      total += n;
    }
  }
  if (total > 0) {
    throw new SafetensorsError(file, `${total} non-finite values (NaN/Inf) in ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? `, … (${bad.length} tensors)` : ''}; refusing to load them (weights of a diverged run?)`);
  }
}

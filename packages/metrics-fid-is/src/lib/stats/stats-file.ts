import * as fs from 'fs';
import { writeFileAtomic } from '@semadapt/data-core';
import { GaussianStats } from '../fid/frechet-distance';

/**
 * How a statistics file's features were made: recorded so FIDs are never
 * compared across models or protocols (checked by `statsProvenanceMismatches`).
 */
export interface StatsProvenance {
  mode: 'legacy' | 'clean';
  /** Path or name of the Inception model file (informative; `modelSha256` identifies it). */
  model: string;
  /** SHA-256 of the Inception model file's bytes. */
  modelSha256: string;
  /** Input scaling the model was fed ('minusOneOne' | 'imagenet'). */
  normalization: string;
  /** The resize protocol to 299×299. */
  resize: string;
  /** Name of the model output the features came from (e.g. 'pool3'). */
  features: string;
  /** What the statistics describe, e.g. 'cityscapes/train'. */
  reference?: string;
  /** Any further string fields. */
  [key: string]: string | undefined;
}

/**
 * Gaussian statistics saved as a safetensors file: `mu` F64 [d], `sigma`
 * F64 [d, d], and the count and provenance in `__metadata__` (string map, as
 * the format requires). Float64 throughout, so a reference set (Cityscapes
 * train) is computed once and reused without loss.
 *
 * Format: 8-byte little-endian header length, a JSON header, raw
 * little-endian data (https://github.com/huggingface/safetensors). The
 * writer is written here, not shared with core-layers' checkpoints, because
 * metrics may not depend on the tensor packages (boundary rules) and only
 * float64 is needed.
 */
export function saveStats(file: string, stats: GaussianStats, provenance: StatsProvenance): void {
  const d = stats.mu.length;
  if (stats.sigma.length !== d * d) throw new Error(`saveStats: sigma has ${stats.sigma.length} values, expected ${d}×${d}`);
  const metadata: Record<string, string> = { count: String(stats.count), format: 'semadapt-gaussian-stats/1' };
  for (const [k, v] of Object.entries(provenance)) if (v !== undefined) metadata[k] = v;
  const header = {
    __metadata__: metadata,
    mu: { dtype: 'F64', shape: [d], data_offsets: [0, d * 8] },
    sigma: { dtype: 'F64', shape: [d, d], data_offsets: [d * 8, d * 8 + d * d * 8] },
  };
  // Pad the header with spaces to a multiple of 8 so the data stays aligned.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const body = Buffer.concat([prefix, headerBytes, f64le(stats.mu), f64le(stats.sigma)]);
  writeFileAtomic(file, body);
}

type StatsHeader = Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> & { __metadata__?: Record<string, string> };

/** The safetensors header of `buf` (the whole file, or at least its header); `size` is the file's length. */
function parseHeader(file: string, buf: Buffer, size: number, caller: string): { header: StatsHeader; headerBytes: number } {
  if (size < 8) throw new Error(`${caller}: ${file} is truncated (${size} bytes)`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > size) throw new Error(`${caller}: ${file} is truncated: header says ${n} bytes, file has ${size - 8}`);
  try {
    return { header: JSON.parse(buf.subarray(8, 8 + n).toString('utf8')), headerBytes: n };
  } catch {
    throw new Error(`${caller}: ${file} has a corrupt safetensors header`);
  }
}

/** A statistics file's metadata (count, provenance) without reading its tensors. */
export function loadStatsMetadata(file: string): Record<string, string> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`loadStatsMetadata: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(8);
    fs.readSync(fd, prefix, 0, Math.min(8, size), 0);
    const n = size >= 8 ? Math.min(Number(prefix.readBigUInt64LE(0)), size - 8) : 0;
    const buf = Buffer.alloc(8 + n);
    fs.readSync(fd, buf, 0, 8 + n, 0);
    return parseHeader(file, buf, size, 'loadStatsMetadata').header.__metadata__ ?? {};
  } finally {
    fs.closeSync(fd);
  }
}

export function loadStats(file: string): { stats: GaussianStats; metadata: Record<string, string> } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`loadStats: cannot read ${file}: ${(e as Error).message}`);
  }
  const { header, headerBytes } = parseHeader(file, buf, buf.length, 'loadStats');
  const data = buf.subarray(8 + headerBytes);
  const read = (name: string, shape: number[]): Float64Array => {
    const t = header[name];
    if (!t || typeof t !== 'object' || !('dtype' in t)) throw new Error(`loadStats: ${file} has no tensor '${name}' (not a statistics file?)`);
    if (t.dtype !== 'F64') throw new Error(`loadStats: ${file}: '${name}' is ${t.dtype}, expected F64`);
    if (t.shape.join() !== shape.join()) throw new Error(`loadStats: ${file}: '${name}' has shape [${t.shape}], expected [${shape}]`);
    const [a, b] = t.data_offsets;
    if (b - a !== shape.reduce((x, y) => x * y, 1) * 8 || b > data.length) throw new Error(`loadStats: ${file}: '${name}' data is out of range (truncated file?)`);
    const out = new Float64Array(shape.reduce((x, y) => x * y, 1));
    for (let i = 0; i < out.length; i++) out[i] = data.readDoubleLE(a + i * 8);
    return out;
  };
  const mu = header.mu;
  if (!mu || !Array.isArray(mu.shape)) throw new Error(`loadStats: ${file} has no tensor 'mu' (not a statistics file?)`);
  const d = mu.shape[0];
  const metadata = header.__metadata__ ?? {};
  const count = Number(metadata.count);
  if (!Number.isFinite(count)) throw new Error(`loadStats: ${file}: metadata lacks the sample count`);
  return { stats: { mu: read('mu', [d]), sigma: read('sigma', [d, d]), count }, metadata };
}

function f64le(a: Float64Array): Buffer {
  const b = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i], i * 8);
  return b;
}

/**
 * What an ONNX file says about itself — producer, doc string, metadata_props
 * (ModelProto fields 2, 6, 14) — read without decoding the graph (field 7,
 * which holds every weight: 170 MB for DeepLabV2): the top-level protobuf
 * fields are walked and the ones not needed are skipped by their length.
 * With it `evaluate --onnx` and the inference stages tell our exports'
 * input contract (`SEGMENTER_ONNX_INPUT`) from our older exports' and from
 * models made elsewhere.
 */
import * as fs from 'fs';
import { SEGMENTER_ONNX_INPUT, SEGMENTER_ONNX_NORMALIZATION_KEY } from '@semadapt/segmenter';

export interface OnnxHeader {
  producerName: string;
  docString: string;
  metadata: Record<string, string>;
}

/** A base-128 varint in `buf` at `pos`: its value and the position after it (undefined if cut off). */
function varintAt(buf: Uint8Array, pos: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; pos + i < buf.length && i < 10; i++) {
    const byte = buf[pos + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return [value, pos + i + 1];
  }
  return undefined;
}

/** Reads bytes of `fd` on demand (a file may be far larger than what is read of it). */
class FileReader {
  readonly length: number;
  constructor(private readonly fd: number, private readonly file: string) {
    this.length = fs.fstatSync(fd).size;
  }
  bytes(pos: number, n: number): Buffer {
    if (pos + n > this.length) throw new Error(`${this.file}: not an ONNX model (a field runs past the end of the file at byte ${pos})`);
    const b = Buffer.alloc(n);
    fs.readSync(this.fd, b, 0, n, pos);
    return b;
  }
  varint(pos: number): [number, number] {
    const v = varintAt(this.bytes(pos, Math.min(10, this.length - pos)), 0);
    if (!v) throw new Error(`${this.file}: not an ONNX model (bad varint at byte ${pos})`);
    return [v[0], pos + v[1]];
  }
}

/** The fields of a StringStringEntryProto (key = 1, value = 2). */
function entry(buf: Buffer, file: string): { key: string; value: string } {
  const out = { key: '', value: '' };
  let pos = 0;
  while (pos < buf.length) {
    const tag = varintAt(buf, pos);
    const len = tag && varintAt(buf, tag[1]);
    if (!tag || !len || tag[0] % 8 !== 2) throw new Error(`${file}: not an ONNX model (bad metadata entry)`);
    const text = buf.subarray(len[1], len[1] + len[0]).toString('utf8');
    if (tag[0] >> 3 === 1) out.key = text;
    else if (tag[0] >> 3 === 2) out.value = text;
    pos = len[1] + len[0];
  }
  return out;
}

/** Producer, doc string and metadata of the ONNX model in `file`. */
export function readOnnxHeader(file: string): OnnxHeader {
  const header: OnnxHeader = { producerName: '', docString: '', metadata: {} };
  const fd = fs.openSync(file, 'r');
  try {
    const r = new FileReader(fd, file);
    let pos = 0;
    while (pos < r.length) {
      const [tag, afterTag] = r.varint(pos);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (wire === 0) pos = r.varint(afterTag)[1];
      else if (wire === 1) pos = afterTag + 8;
      else if (wire === 5) pos = afterTag + 4;
      else if (wire === 2) {
        const [len, start] = r.varint(afterTag);
        if (field === 2) header.producerName = r.bytes(start, len).toString('utf8');
        else if (field === 6) header.docString = r.bytes(start, len).toString('utf8');
        else if (field === 14) {
          const { key, value } = entry(r.bytes(start, len), file);
          header.metadata[key] = value;
        }
        pos = start + len;
      } else throw new Error(`${file}: not an ONNX model (protobuf wire type ${wire} at byte ${pos})`);
      if (pos > r.length) throw new Error(`${file}: not an ONNX model (field ${field} runs past the end of the file)`);
    }
    return header;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The input contract of a segmenter ONNX file: `ours` (RGB [0, 255], NCHW,
 * normalised inside — metadata `semadapt.input`), `ours-legacy` (a semadapt
 * segmenter export from before the normalisation moved into the graph: it
 * takes BGR minus the Caffe mean), or `foreign` (made elsewhere; its input
 * is whatever its makers chose).
 */
export type SegmenterOnnxContract = { kind: 'ours'; normalization: string } | { kind: 'ours-legacy' } | { kind: 'foreign' };

export function segmenterOnnxContract(header: OnnxHeader): SegmenterOnnxContract {
  if (header.metadata[SEGMENTER_ONNX_INPUT.key] === SEGMENTER_ONNX_INPUT.value) {
    return { kind: 'ours', normalization: header.metadata[SEGMENTER_ONNX_NORMALIZATION_KEY] ?? 'caffe' };
  }
  if (header.producerName === 'semadapt' && header.docString.startsWith('semadapt segmenter')) return { kind: 'ours-legacy' };
  return { kind: 'foreign' };
}

/**
 * Refuses a segmenter ONNX file the pipeline's own stages cannot feed RGB
 * pixels to: one of our exports from before segmenters normalised inside
 * their graph (a run directory from an older version).
 */
export function requireRgbSegmenterOnnx(file: string): void {
  if (segmenterOnnxContract(readOnnxHeader(file)).kind === 'ours-legacy') {
    throw new Error(
      `${file}: a segmenter exported before segmenters took RGB [0, 255] and normalised inside the graph (it expects BGR minus the Caffe mean); ` +
        `re-export it from its checkpoint with 'semadapt export-onnx', or score it as it is with 'semadapt evaluate --onnx' (which detects such files)`,
    );
  }
}

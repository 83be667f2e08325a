/**
 * ONNX weight import against hostile files: dims are validated against what
 * the file holds before anything is allocated (a ~100-byte file declaring
 * [2^31] must not allocate 8 GB), bad dims give an error naming the file, and
 * generated files — valid models, then bit flips, truncations and random
 * dims/storage — either decode to exactly their declared sizes or fail with
 * an Error naming the file, each within a time and memory cap.
 * SEMADAPT_FUZZ_CASES sets the number of generated cases (default 300).
 */
import { onnx } from 'onnx-proto';
import { readOnnxInitializersFromBytes } from './import-weights';
import { mulberry32 as rng } from '../../testing/mulberry32';

const DT = onnx.TensorProto.DataType;
const FILE = '/models/fuzz.onnx';
const CASES = Number(process.env['SEMADAPT_FUZZ_CASES'] ?? 300);

function model(initializer: onnx.ITensorProto[]): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', initializer } })).finish();
}

/** Bytes of array buffers allocated while `fn` runs (garbage from earlier cases only lowers it). */
function arrayBufferGrowth(fn: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  fn();
  return process.memoryUsage().arrayBuffers - before;
}

describe('ONNX import: sizes are validated before allocation', () => {
  it('a ~100-byte file declaring dims [2^31] (or [2^28], 1 GB) fails naming the file and allocates nothing large', () => {
    for (const dims of [[2 ** 31], [2 ** 28], [2 ** 14, 2 ** 14]]) {
      const bytes = model([{ name: 'w', dataType: DT.FLOAT, dims }]);
      expect(bytes.length).toBeLessThan(120);
      let err: unknown;
      const grown = arrayBufferGrowth(() => {
        try {
          readOnnxInitializersFromBytes(bytes, FILE);
        } catch (e) {
          err = e;
        }
      });
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^\/models\/fuzz\.onnx: initializer 'w' /);
      expect(grown).toBeLessThan(16 * 2 ** 20);
    }
  });

  it('negative, huge and too many dims: an Error (not a bare RangeError) naming the file and the tensor', () => {
    const cases: Array<[number[], RegExp]> = [
      [[-3, 4], /invalid dim -3/],
      [[2 ** 40, 2 ** 40], /more than a tensor can hold/],
      [[1, 1, 1, 1, 1, 1, 1, 1, 1], /at most 8/],
    ];
    for (const [dims, message] of cases) {
      const bytes = model([{ name: 'w', dataType: DT.FLOAT, dims, rawData: new Uint8Array(4) }]);
      expect(() => readOnnxInitializersFromBytes(bytes, FILE)).toThrow(message);
      try {
        readOnnxInitializersFromBytes(bytes, FILE);
      } catch (e) {
        expect(e).not.toBeInstanceOf(RangeError);
        expect((e as Error).message.startsWith(`${FILE}: initializer 'w'`)).toBe(true);
      }
    }
  });
});

describe(`ONNX import fuzz (${CASES} generated files)`, () => {
  const TYPES = [DT.FLOAT, DT.DOUBLE, DT.FLOAT16, DT.INT64, DT.INT32, DT.UINT8, DT.BOOL, DT.STRING, 99];
  const BYTES: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.INT64]: 8, [DT.INT32]: 4, [DT.UINT8]: 1, [DT.BOOL]: 1 };

  function randomTensor(r: () => number, i: number): onnx.ITensorProto {
    const dataType = TYPES[Math.floor(r() * TYPES.length)];
    const rank = Math.floor(r() * 4);
    const pick = () => {
      const x = r();
      if (x < 0.8) return Math.floor(r() * 5);
      if (x < 0.9) return 2 ** (20 + Math.floor(r() * 44));
      return -Math.floor(r() * 10) - 1;
    };
    const dims = Array.from({ length: rank }, pick);
    const numel = dims.reduce((a, d) => a * d, 1);
    const honest = numel >= 0 && numel < 64 && r() < 0.7;
    const n = honest ? numel : Math.floor(r() * 16);
    const t: onnx.ITensorProto = { name: `t${i}`, dataType, dims };
    if (r() < 0.5) t.rawData = new Uint8Array(n * (BYTES[dataType] ?? 4)).map(() => Math.floor(r() * 256));
    else if (dataType === DT.FLOAT) t.floatData = Array.from({ length: n }, () => r() * 10 - 5);
    else if (dataType === DT.DOUBLE) t.doubleData = Array.from({ length: n }, () => r());
    else if (dataType === DT.INT64) t.int64Data = Array.from({ length: n }, () => Math.floor(r() * 1000));
    else t.int32Data = Array.from({ length: n }, () => Math.floor(r() * 256));
    if (r() < 0.03) t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    return t;
  }

  function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
    const kind = r();
    if (kind < 0.4) return bytes;
    if (kind < 0.7) {
      const out = bytes.slice();
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
      return out;
    }
    if (kind < 0.9) return bytes.slice(0, Math.floor(r() * bytes.length));
    const out = new Uint8Array(bytes.length + 8);
    out.set(bytes);
    out.set([0x08, 0xff, 0xff, 0xff, 0xff, 0x0f], bytes.length);
    return out;
  }

  it('every case decodes to exactly its declared sizes or fails with an Error naming the file; ≤ 16 MB + 8× the file and ≤ 2 s each', () => {
    const failures: string[] = [];
    let decoded = 0;
    for (let c = 0; c < CASES; c++) {
      const r = rng(1000 + c);
      const tensors = Array.from({ length: 1 + Math.floor(r() * 3) }, (_, i) => randomTensor(r, i));
      const bytes = mutate(model(tensors), r);
      const t0 = Date.now();
      let outcome: unknown;
      const grown = arrayBufferGrowth(() => {
        try {
          outcome = readOnnxInitializersFromBytes(bytes, FILE);
        } catch (e) {
          outcome = e;
        }
      });
      const ms = Date.now() - t0;
      if (outcome instanceof Map) {
        decoded++;
        for (const [name, t] of outcome as Map<string, { dims: number[]; values: ArrayLike<number> }>) {
          const numel = t.dims.reduce((a, d) => a * d, 1);
          if (t.values.length !== numel) failures.push(`case ${c}: '${name}' has ${t.values.length} values for dims [${t.dims}]`);
        }
      } else if (!(outcome instanceof Error) || outcome instanceof RangeError || !outcome.message.startsWith(`${FILE}: `)) {
        failures.push(`case ${c}: ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
      }
      if (grown > 16 * 2 ** 20 + 8 * bytes.length) failures.push(`case ${c}: allocated ${grown} bytes for a ${bytes.length}-byte file`);
      if (ms > 2000) failures.push(`case ${c}: took ${ms} ms`);
    }
    expect(failures).toEqual([]);
    // The generator must exercise both outcomes.
    expect(decoded).toBeGreaterThan(CASES / 20);
    expect(decoded).toBeLessThan(CASES);
  });
});

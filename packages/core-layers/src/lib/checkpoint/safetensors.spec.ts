/**
 * The safetensors byte format against buffers built by hand here from the
 * format's definition (8-byte LE header length, JSON header, raw LE data), and
 * — when /usr/bin/python3 with numpy is present — against an independent
 * reader/writer written with Python's struct/json/numpy.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, expectNoTensorLeak } from '../../testing';
import {
  SafetensorsError, bfloat16ToFloat, decodeSafetensors, encodeSafetensors, halfToFloat, readSafetensors,
  safetensorToTf, writeFileAtomic, writeSafetensors,
} from './safetensors';

/** A file by hand: 8-byte LE length, the header string as given, then the data bytes. */
function handBuilt(headerJson: string, data: number[]): Uint8Array {
  const h = Buffer.from(headerJson, 'utf8');
  const len = [h.length & 0xff, (h.length >> 8) & 0xff, 0, 0, 0, 0, 0, 0];
  return Uint8Array.from([...len, ...h, ...data]);
}

// 1.0f = 0x3F800000, -2.0f = 0xC0000000, 0.5f = 0x3F000000 (IEEE 754), little-endian bytes.
const F32_1 = [0x00, 0x00, 0x80, 0x3f];
const F32_M2 = [0x00, 0x00, 0x00, 0xc0];
const F32_HALF = [0x00, 0x00, 0x00, 0x3f];
const I32_7 = [0x07, 0x00, 0x00, 0x00];
const I32_M1 = [0xff, 0xff, 0xff, 0xff];

let dir: string;

beforeAll(async () => {
  await setTestBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-safetensors-'));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('safetensors format', () => {
  it('writes exactly the hand-built bytes: a=F32[3] b=I32[1,2] metadata {k:v}, header space-padded to 8', async () => {
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"I32","shape":[1,2],"data_offsets":[12,20]}}';
    // 8 + header length must be a multiple of 8.
    const padded = header + ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
    const expected = handBuilt(padded, [...F32_1, ...F32_M2, ...F32_HALF, ...I32_7, ...I32_M1]);
    const a = tf.tensor1d([1, -2, 0.5]);
    const b = tf.tensor2d([[7, -1]], [1, 2], 'int32');
    // Insertion order b, a: the writer sorts names.
    const chunks = await encodeSafetensors(new Map<string, tf.Tensor>([['b', b], ['a', a]]), { k: 'v' });
    expect(Buffer.concat(chunks)).toEqual(Buffer.from(expected));
    a.dispose();
    b.dispose();
  });

  it('reads a hand-built unpadded file (offsets out of order in the header, misaligned data)', () => {
    const header = '{"y":{"dtype":"I32","shape":[2],"data_offsets":[4,12]},"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"__metadata__":{"note":"hi"}}';
    const bytes = handBuilt(header, [...F32_HALF, ...I32_7, ...I32_M1]);
    const f = decodeSafetensors(bytes, 'hand.safetensors');
    expect(f.metadata).toEqual({ note: 'hi' });
    expect([...f.tensors.keys()]).toEqual(['y', 'x']);
    expect(f.tensors.get('x')).toEqual({ dtype: 'F32', shape: [], data: Float32Array.from([0.5]) });
    expect(Array.from(f.tensors.get('y')?.data as Int32Array)).toEqual([7, -1]);
  });

  it('converts F16, BF16, F64, I64, U8, BOOL to tfjs dtypes', () => {
    // F16 0x3C00 = 1, 0xC000 = −2, 0x3555 ≈ 0.333251953125; BF16 0x3F80 = 1, 0xC040 = −3.
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x3555)).toBe(0.333251953125);
    expect(halfToFloat(0x0001)).toBe(Math.pow(2, -24));
    expect(bfloat16ToFloat(0x3f80)).toBe(1);
    expect(bfloat16ToFloat(0xc040)).toBe(-3);
    const half = safetensorToTf({ dtype: 'F16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) });
    expect(half.dtype).toBe('float32');
    expect(Array.from(half.dataSync())).toEqual([1, -2]);
    const i64 = safetensorToTf({ dtype: 'I64', shape: [2], data: BigInt64Array.from([5n, -3n]) });
    expect(i64.dtype).toBe('int32');
    expect(Array.from(i64.dataSync())).toEqual([5, -3]);
    expect(() => safetensorToTf({ dtype: 'I64', shape: [1], data: BigInt64Array.from([1n << 40n]) }, 'big')).toThrow(/'big'.*outside int32/);
    const bool = safetensorToTf({ dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) });
    expect(bool.dtype).toBe('bool');
    const f64 = safetensorToTf({ dtype: 'F64', shape: [1], data: Float64Array.from([0.25]) });
    expect(Array.from(f64.dataSync())).toEqual([0.25]);
    tf.dispose([half, i64, bool, f64]);
  });

  it('round-trips through a file, with no tensor leak', async () => {
    const file = path.join(dir, 'rt.safetensors');
    const w = tf.tensor4d(Array.from({ length: 24 }, (_, i) => i * 0.1 - 1), [2, 3, 2, 2]);
    const n = tf.tensor1d([3, 4], 'int32');
    const m = tf.tensor1d([true, false, true], 'bool');
    await expectNoTensorLeak(async () => {
      await writeSafetensors(file, { w, n, m }, { a: '1' });
    });
    const f = await readSafetensors(file);
    expect(f.metadata).toEqual({ a: '1' });
    expect(f.tensors.get('w')?.shape).toEqual([2, 3, 2, 2]);
    expect(Array.from(f.tensors.get('w')?.data as Float32Array)).toEqual(Array.from(w.dataSync()));
    expect(Array.from(f.tensors.get('n')?.data as Int32Array)).toEqual([3, 4]);
    expect(Array.from(f.tensors.get('m')?.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(fs.readdirSync(dir).filter((x) => x.includes('.tmp-'))).toEqual([]);
    tf.dispose([w, n, m]);
  });

  describe('damaged files give a clear error naming the file', () => {
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const good = handBuilt(header, [...F32_1, ...F32_M2]);
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['5 bytes', good.slice(0, 5), /truncated: 5 bytes/],
      ['cut inside the header', good.slice(0, 20), /truncated or corrupt: header length 54 needs 62 bytes, file has 20/],
      ['cut inside the data', good.slice(0, good.length - 3), /truncated or corrupt: tensor 'a' data_offsets \[0, 8\] out of range of the 5-byte/],
      ['trailing bytes', Uint8Array.from([...good, 0]), /cover 8 bytes of a 9-byte data buffer/],
      ['header length garbage', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, ...good.slice(8)]), /corrupt header: header length \d+ exceeds/],
      ['header not JSON', handBuilt(header.replace('"a":', 'a:'), [...F32_1, ...F32_M2]), /corrupt header: not valid UTF-8 JSON/],
      ['offsets inconsistent with shape', handBuilt(header.replace('[0,8]', '[0,4]'), [...F32_1, ...F32_M2]), /data_offsets \[0, 4\] do not hold 2 F32 values/],
      ['offsets out of range', handBuilt(header.replace('"shape":[2],"data_offsets":[0,8]', '"shape":[4],"data_offsets":[0,16]'), [...F32_1, ...F32_M2]), /out of range/],
      ['unknown dtype', handBuilt(header.replace('F32', 'Q7'), [...F32_1, ...F32_M2]), /unsupported dtype "Q7"/],
    ];
    for (const [label, bytes, message] of cases) {
      it(label, async () => {
        const file = path.join(dir, `bad-${label.replace(/\W+/g, '_')}.safetensors`);
        fs.writeFileSync(file, bytes);
        const err = await readSafetensors(file).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SafetensorsError);
        expect((err as Error).message).toContain(file);
        expect((err as Error).message).toMatch(message);
      });
    }
  });

  it('a write failing midway leaves the previous file intact and no temporary file', async () => {
    const file = path.join(dir, 'atomic.safetensors');
    const t = tf.tensor1d([1, 2, 3]);
    await writeSafetensors(file, { t });
    const before = fs.readFileSync(file);
    // The second chunk is not a buffer: the write throws after the first chunk reached the temporary file.
    const err = await writeFileAtomic(file, [Uint8Array.from([1, 2, 3]), 42 as unknown as Uint8Array]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/atomic\.safetensors failed \(previous file left as it was\)/);
    expect(fs.readFileSync(file)).toEqual(before);
    expect(fs.readdirSync(dir).filter((x) => x.startsWith('atomic') && x.includes('.tmp-'))).toEqual([]);
    // A disposed tensor fails before anything is written.
    const gone = tf.tensor1d([5]);
    gone.dispose();
    await expect(writeSafetensors(file, { gone })).rejects.toThrow(/'gone' is disposed/);
    expect(fs.readFileSync(file)).toEqual(before);
    t.dispose();
  });

  it('cross-check with an independent Python (struct/json/numpy) reader and writer', async () => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('SKIPPED safetensors Python cross-check: /usr/bin/python3 with numpy unavailable (run tools/setup-system.sh); the hand-built byte tests above still ran');
      expect(probe.status).not.toBe(0);
      return;
    }
    const ours = path.join(dir, 'ours.safetensors');
    const theirs = path.join(dir, 'theirs.safetensors');
    const a = tf.tensor2d([[1.5, -2.25, 3], [0, 1e-3, -7]]);
    const b = tf.tensor1d([-5, 9], 'int32');
    await writeSafetensors(ours, { a, b }, { who: 'ts' });
    const script = `
import json, struct, sys, numpy as np
DT = {'F32': np.float32, 'I32': np.int32, 'F64': np.float64}
def read(p):
    raw = open(p, 'rb').read()
    n, = struct.unpack('<Q', raw[:8])
    h = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = h.pop('__metadata__', {})
    base = 8 + n
    out = {k: np.frombuffer(raw[base + v['data_offsets'][0]: base + v['data_offsets'][1]], dtype=DT[v['dtype']]).reshape(v['shape']) for k, v in h.items()}
    return out, meta
t, meta = read(sys.argv[1])
print(json.dumps({'meta': meta, 'a': t['a'].astype(float).tolist(), 'b': t['b'].tolist(), 'dt': [str(t['a'].dtype), str(t['b'].dtype)]}))
# Write with the format's reference layout (header padded with spaces to 8), tensors in a different order.
x = np.arange(6, dtype=np.float64).reshape(2, 3) / 4
y = np.array([[1.25]], dtype=np.float32)
hdr = {'__metadata__': {'who': 'py'}, 'y': {'dtype': 'F32', 'shape': [1, 1], 'data_offsets': [0, 4]},
       'x': {'dtype': 'F64', 'shape': [2, 3], 'data_offsets': [4, 52]}}
s = json.dumps(hdr).encode('utf-8')
s += b' ' * ((8 - len(s) % 8) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(s)) + s + y.astype('<f4').tobytes() + x.astype('<f8').tobytes())
`;
    const run = spawnSync('/usr/bin/python3', ['-c', script, ours, theirs], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout);
    expect(seen.meta).toEqual({ who: 'ts' });
    expect(seen.dt).toEqual(['float32', 'int32']);
    const af = Array.from(a.dataSync());
    expect((seen.a as number[][]).flat()).toEqual(af);
    expect(seen.b).toEqual([-5, 9]);
    const f = await readSafetensors(theirs);
    expect(f.metadata).toEqual({ who: 'py' });
    expect(Array.from(f.tensors.get('x')?.data as Float64Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
    expect(f.tensors.get('x')?.shape).toEqual([2, 3]);
    expect(Array.from(f.tensors.get('y')?.data as Float32Array)).toEqual([1.25]);
    tf.dispose([a, b]);
  });
});

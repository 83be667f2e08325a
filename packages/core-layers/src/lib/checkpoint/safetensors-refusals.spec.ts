/**
 * What the reference safetensors implementation (Rust, `serde_json` into
 * typed structs) refuses is refused here too, with the file named: a UTF-8
 * byte-order mark, offsets or dims written as floats, duplicate keys
 * (`__metadata__` included), lone surrogates in `\u` escapes, inherited
 * property names as dtypes. I64 values outside int32 and NaN/Inf weights are
 * refused at load time, naming the file and the tensor.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Module } from '../module/module';
import { loadCheckpoint } from './checkpoint';
import { decodeSafetensors, SafetensorsError, safetensorToTf } from './safetensors';
import { parseStrictJson } from './strict-json';

/** A file from a header text and a data buffer, as a hand-written one would be. */
function file(header: string | Uint8Array, data: Uint8Array = new Uint8Array(4)): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const OK = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';

describe('safetensors: the reference implementation’s refusals', () => {
  it('accepts the well-formed baseline', () => {
    expect(decodeSafetensors(file(OK), 'base.safetensors').tensors.get('a')?.shape).toEqual([1]);
  });

  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['a UTF-8 byte-order mark before the JSON', file(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(OK)])), /byte-order mark/],
    ['offsets written as floats', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.0,4.0]}}'), /number 0\.0 is not a non-negative integer/],
    ['a dim written with an exponent', file('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}'), /number 1e0/],
    ['a duplicate __metadata__', file('{"__metadata__":{"k":"v"},"__metadata__":{"k":"w"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), /duplicate key "__metadata__"/],
    ['a duplicate tensor name', file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), /duplicate key "a"/],
    ['a lone leading surrogate', file('{"__metadata__":{"k":"\\ud800"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), /lone leading surrogate/],
    ['a lone trailing surrogate', file('{"a\\udc00":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), /lone trailing surrogate/],
    ['dtype "toString" (inherited, not a dtype)', file('{"a":{"dtype":"toString","shape":[1],"data_offsets":[0,4]}}'), /unsupported dtype "toString"/],
    ['dtype "__proto__"', file('{"a":{"dtype":"__proto__","shape":[1],"data_offsets":[0,4]}}'), /unsupported dtype "__proto__"/],
    ['nesting 10,000 deep', file(`{"__metadata__":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), /nesting deeper than 64/],
  ];
  for (const [label, bytes, message] of cases) {
    it(`refuses ${label}, naming the file`, () => {
      let err: unknown;
      try {
        decodeSafetensors(bytes, '/models/bad.safetensors');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SafetensorsError);
      expect((err as Error).message).toMatch(/^\/models\/bad\.safetensors: /);
      expect((err as Error).message).toMatch(message);
    });
  }

  it('a surrogate pair (valid UTF-16) is accepted, as serde_json does', () => {
    const f = decodeSafetensors(file('{"__metadata__":{"k":"\\ud83d\\ude00"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'));
    expect(f.metadata['k']).toBe('😀');
  });

  it('the strict parser agrees with JSON.parse on ordinary JSON', () => {
    const text = '{"s":"a\\"b\\\\c\\/\\n\\t\\u00e9","n":[0,12,9007199254740991],"o":{"t":true,"f":false,"z":null},"e":[]}';
    expect(JSON.parse(JSON.stringify(parseStrictJson(text)))).toEqual(JSON.parse(text));
  });
});

class One extends Module {
  readonly w: tf.Variable;
  constructor() {
    super();
    this.w = this.registerParameter('w', tf.zeros([2]));
  }
}

describe('loading refuses values it cannot represent or should not trust', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-st-refusals-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an I64 value outside int32 throws a SafetensorsError naming the file, the tensor and the value', () => {
    const data = new BigInt64Array([1n, 2n ** 40n]);
    const f = decodeSafetensors(file('{"idx":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}', new Uint8Array(data.buffer)), '/w/ids.safetensors');
    expect(() => safetensorToTf(f.tensors.get('idx') as never, 'idx', '/w/ids.safetensors')).toThrow(SafetensorsError);
    expect(() => safetensorToTf(f.tensors.get('idx') as never, 'idx', '/w/ids.safetensors')).toThrow(/^\/w\/ids\.safetensors: tensor 'idx' holds an I64 value 1099511627776 outside int32/);
  });

  it('NaN/Inf weights are refused with the file and tensor named, and nothing is assigned; allowNonFinite loads them', async () => {
    const target = path.join(dir, 'nan.safetensors');
    const w = new Float32Array([NaN, Infinity]);
    fs.writeFileSync(target, file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(w.buffer)));
    const m = new One();
    await expect(loadCheckpoint(target, { modules: { '': m } })).rejects.toThrow(new RegExp(`^${target}: 2 non-finite values \\(NaN/Inf\\) in w \\(2\\)`));
    expect(Array.from(m.w.dataSync())).toEqual([0, 0]);
    await loadCheckpoint(target, { modules: { '': m } }, { allowNonFinite: true });
    expect(Array.from(m.w.dataSync())).toEqual([NaN, Infinity]);
    m.dispose();
  });
});

/**
 * The shared session on a three-node graph built here with onnx-proto:
 * sum = a + b, relu = max(a, 0), argmax = ArgMax(a, axis 1) (int64).
 * Expected values are computed by hand in the test, not by onnxruntime.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { OnnxSession } from './onnx-session';

function tinyModel(): Uint8Array {
  const f32 = onnx.TensorProto.DataType.FLOAT;
  const value = (name: string, elemType: number, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });
  const graph = onnx.GraphProto.create({
    name: 'tiny',
    node: [
      onnx.NodeProto.create({ opType: 'Add', input: ['a', 'b'], output: ['sum'] }),
      onnx.NodeProto.create({ opType: 'Relu', input: ['a'], output: ['relu'] }),
      onnx.NodeProto.create({
        opType: 'ArgMax', input: ['a'], output: ['argmax'],
        attribute: [onnx.AttributeProto.create({ name: 'axis', i: 1, type: onnx.AttributeProto.AttributeType.INT }), onnx.AttributeProto.create({ name: 'keepdims', i: 0, type: onnx.AttributeProto.AttributeType.INT })],
      }),
    ],
    input: [value('a', f32, ['N', 3]), value('b', f32, ['N', 3])],
    output: [value('sum', f32, ['N', 3]), value('relu', f32, ['N', 3]), value('argmax', onnx.TensorProto.DataType.INT64, ['N'])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'semadapt-tests', graph });
  return onnx.ModelProto.encode(model).finish();
}

const a = { data: Float32Array.from([1, -2, 3, -4, 5, -6]), dims: [2, 3] };
const b = { data: Float32Array.from([0.5, 0.25, -1, 2, -3, 4]), dims: [2, 3] };
// By hand: a + b, max(a, 0), and the index of each row's largest element of a.
const SUM = [1.5, -1.75, 2, -2, 2, -2];
const RELU = [1, 0, 3, 0, 5, 0];
const ARGMAX = [2, 1];

describe('OnnxSession', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-onnx-session-'));
  const file = path.join(dir, 'tiny.onnx');
  beforeAll(() => fs.writeFileSync(file, tinyModel()));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('run(): inputs in inputNames order, outputs in outputNames order; int64 read as float32', async () => {
    const s = await OnnxSession.open(file, { threads: 1 });
    try {
      expect(s.inputNames).toEqual(['a', 'b']);
      expect(s.outputNames).toEqual(['sum', 'relu', 'argmax']);
      const [sum, relu, argmax] = await s.run([a, b]);
      expect(Array.from(sum.data)).toEqual(SUM);
      expect(sum.dims).toEqual([2, 3]);
      expect(Array.from(relu.data)).toEqual(RELU);
      expect(argmax.data).toBeInstanceOf(Float32Array);
      expect(Array.from(argmax.data)).toEqual(ARGMAX);
      expect(argmax.dims).toEqual([2]);
    } finally {
      await s.release();
    }
  });

  it('runNamed(): feeds by name, only the fetched outputs; opens from bytes; metadata with symbolic dims', async () => {
    const s = await OnnxSession.open(tinyModel());
    try {
      const out = await s.runNamed({ b, a }, ['relu']);
      expect(Object.keys(out)).toEqual(['relu']);
      expect(Array.from(out['relu'].data)).toEqual(RELU);
      const m = s.inputMetadata[0];
      expect(m.name).toBe('a');
      expect(m.isTensor && m.type === 'float32' && m.shape).toEqual(['N', 3]);
      expect(s.outputMetadata.map((o) => o.name)).toEqual(['sum', 'relu', 'argmax']);
    } finally {
      await s.release();
    }
  });

  it('refuses a wrong number of inputs (naming the file and the inputs) and a bad thread count', async () => {
    const s = await OnnxSession.open(file);
    try {
      await expect(s.run([a])).rejects.toThrow(`${file}: expects inputs a, b; got 1`);
    } finally {
      await s.release();
    }
    await expect(OnnxSession.open(file, { threads: 0 })).rejects.toThrow('threads must be an integer ≥ 1, received 0');
  });
});

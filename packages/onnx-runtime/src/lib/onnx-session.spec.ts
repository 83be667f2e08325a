/**
 * The shared session on graphs built here with onnx-proto: a three-node graph
 * (sum = a + b, relu = max(a, 0), argmax = ArgMax(a, axis 1), int64) and a
 * weighted one (3×3 convolution with bias, 16 output channels, then a MatMul
 * with a constant matrix: the ops whose weights onnxruntime re-lays out and
 * pre-packs) run under every memory setting. Expected values are computed by
 * hand or by a float64 loop in the test, not by onnxruntime.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import { OnnxSession, ortSessionOptions, type OnnxSessionOptions } from './onnx-session';

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

// Weighted graph: x [1, C, H, W] → conv = Conv(x, K [F, C, 3, 3], bias, pads 1); proj = MatMul(x as [C·H, W], M [W, P]).
const C = 4, H = 5, W = 6, F = 16, P = 3;
const wave = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + k) * 0.5);
const X = wave(C * H * W, 0);
const K = wave(F * C * 9, 1);
const BIAS = wave(F, 2);
const M = wave(W * P, 3);

function weightedModel(): Uint8Array {
  const f32 = onnx.TensorProto.DataType.FLOAT;
  const value = (name: string, dims: number[]) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: f32, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const init = (name: string, dims: number[], data: Float32Array) => onnx.TensorProto.create({ name, dims, dataType: f32, floatData: Array.from(data) });
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS });
  const graph = onnx.GraphProto.create({
    name: 'weighted',
    node: [
      onnx.NodeProto.create({ opType: 'Conv', input: ['x', 'K', 'bias'], output: ['conv'], attribute: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] }),
      onnx.NodeProto.create({ opType: 'Reshape', input: ['x', 'rows'], output: ['x2'] }),
      onnx.NodeProto.create({ opType: 'MatMul', input: ['x2', 'M'], output: ['proj'] }),
    ],
    initializer: [
      init('K', [F, C, 3, 3], K),
      init('bias', [F], BIAS),
      init('M', [W, P], M),
      onnx.TensorProto.create({ name: 'rows', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [C * H, W] }),
    ],
    input: [value('x', [1, C, H, W])],
    output: [value('conv', [1, F, H, W]), value('proj', [C * H, P])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'semadapt-tests', graph });
  return onnx.ModelProto.encode(model).finish();
}

/** The weighted graph's outputs by float64 loops. */
function weightedReference(): { conv: number[]; proj: number[] } {
  const conv: number[] = [];
  for (let f = 0; f < F; f++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) {
        let acc = BIAS[f];
        for (let c = 0; c < C; c++)
          for (let di = 0; di < 3; di++)
            for (let dj = 0; dj < 3; dj++) {
              const y = i + di - 1, x = j + dj - 1;
              if (y >= 0 && y < H && x >= 0 && x < W) acc += X[(c * H + y) * W + x] * K[((f * C + c) * 3 + di) * 3 + dj];
            }
        conv.push(acc);
      }
  const proj: number[] = [];
  for (let r = 0; r < C * H; r++)
    for (let p = 0; p < P; p++) {
      let acc = 0;
      for (let k = 0; k < W; k++) acc += X[r * W + k] * M[k * P + p];
      proj.push(acc);
    }
  return { conv, proj };
}

function expectClose(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...expected.map((e, i) => Math.abs(actual[i] - e)));
  expect(worst).toBeLessThan(1e-5);
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

  const settings: OnnxSessionOptions[] = [
    {},
    { memoryArena: true },
    { memoryArena: false, memoryPattern: false },
    { prepacking: false },
    { memoryArena: true, prepacking: false },
    { optimization: 'basic' },
    { optimization: 'extended', memoryPattern: false },
  ];
  it.each(settings)('memory settings %j: the weighted graph (conv + MatMul with weights) gives the float64 loops\' outputs, twice', async (options) => {
    const { conv, proj } = weightedReference();
    const s = await OnnxSession.open(weightedModel(), { threads: 1, ...options });
    try {
      for (let run = 0; run < 2; run++) {
        const out = await s.runNamed({ x: { data: X, dims: [1, C, H, W] } });
        expect(out['conv'].dims).toEqual([1, F, H, W]);
        expectClose(out['conv'].data, conv);
        expect(out['proj'].dims).toEqual([C * H, P]);
        expectClose(out['proj'].data, proj);
      }
    } finally {
      await s.release();
    }
  });

  it('maps the memory settings to onnxruntime\'s documented session options (arena, memory pattern, session.disable_prepacking)', () => {
    expect(ortSessionOptions({ memoryArena: true, memoryPattern: false, prepacking: false, optimization: 'extended', threads: 3 })).toEqual({
      interOpNumThreads: 1,
      intraOpNumThreads: 3,
      executionMode: 'sequential',
      graphOptimizationLevel: 'extended',
      enableCpuMemArena: true,
      enableMemPattern: false,
      extra: { session: { disable_prepacking: '1' } },
    });
    expect(ortSessionOptions({ memoryArena: false, prepacking: true })).toMatchObject({ enableCpuMemArena: false, graphOptimizationLevel: 'all', extra: { session: { disable_prepacking: '0' } } });
  });

  it('refuses unknown options and ill-typed settings, naming the option', async () => {
    await expect(OnnxSession.open(file, { arena: false } as OnnxSessionOptions)).rejects.toThrow("OnnxSession: unknown option 'arena' (known: threads, memoryArena, memoryPattern, prepacking, optimization)");
    await expect(OnnxSession.open(file, { memoryArena: 'no' } as unknown as OnnxSessionOptions)).rejects.toThrow('OnnxSession: memoryArena must be true or false, received no');
    await expect(OnnxSession.open(file, { prepacking: 0 } as unknown as OnnxSessionOptions)).rejects.toThrow('OnnxSession: prepacking must be true or false, received 0');
    await expect(OnnxSession.open(file, { optimization: 'layout' } as unknown as OnnxSessionOptions)).rejects.toThrow('OnnxSession: optimization must be one of basic, extended, all, received layout');
  });
});

/**
 * ONNX weight import against models built here with onnx-proto (independent
 * of our exporter). References: the OIHW→HWIO / IOHW→HWOI index identities
 * written out as loops, and onnxruntime running the file's own Conv on the
 * same input as tf.conv2d with the imported filter.
 */
import * as fs from 'fs';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { setTestBackend, testBackends, expectAllClose, expectNoTensorLeak } from '../../testing';
import { Module } from '../module/module';
import { OnnxWeightImportError, WeightMapping, importOnnxWeights, importOnnxWeightsFromBytes, readOnnxInitializers } from './import-weights';

const DT = onnx.TensorProto.DataType;
const INTS = onnx.AttributeProto.AttributeType.INTS;

/** Deterministic values: 0.01·(i·37 mod 101) − 0.5. */
function values(n: number, seed = 0): number[] {
  return Array.from({ length: n }, (_, i) => 0.01 * (((i + seed) * 37) % 101) - 0.5);
}

const OIHW = values(4 * 2 * 3 * 3); // conv1 W [O=4, I=2, 3, 3]
const BIAS = [0.1, -0.2, 0.3, -0.4];
const IOHW = values(4 * 3 * 2 * 2, 7); // deconv W [I=4, O=3, 2, 2]
const VAR = [0.5, 1.5, 2.5, 3.5];

function f32Raw(a: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(a).buffer);
}

function valueInfo(name: string, dims: number[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

/** X[1,2,5,5] → Conv(conv1.weight, conv1.bias, pads 1) → Y; plus initializers in every storage we read. */
function buildModel(extra: onnx.ITensorProto[] = []): Uint8Array {
  const initializer: onnx.ITensorProto[] = [
    { name: 'conv1.weight', dataType: DT.FLOAT, dims: [4, 2, 3, 3], rawData: f32Raw(OIHW) },
    { name: 'conv1.bias', dataType: DT.FLOAT, dims: [4], floatData: BIAS },
    { name: 'deconv.W', dataType: DT.FLOAT, dims: [4, 3, 2, 2], floatData: IOHW },
    { name: 'bn.running_var', dataType: DT.DOUBLE, dims: [4], doubleData: VAR },
    // INT64 7 as raw little-endian bytes.
    { name: 'bn.num_batches_tracked', dataType: DT.INT64, dims: [], rawData: Uint8Array.from([7, 0, 0, 0, 0, 0, 0, 0]) },
    // FLOAT16 bits in int32_data: 0x3C00 = 1, 0xC000 = −2, 0x3800 = 0.5, 0 = 0.
    { name: 'norm_w', dataType: DT.FLOAT16, dims: [4], int32Data: [0x3c00, 0xc000, 0x3800, 0] },
    { name: 'onnx::Shape_7', dataType: DT.INT64, dims: [1], int64Data: [5] },
    ...extra,
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'import-weights.spec',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [
        {
          opType: 'Conv', name: 'conv1', input: ['X', 'conv1.weight', 'conv1.bias'], output: ['Y'],
          attribute: [{ name: 'pads', type: INTS, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: INTS, ints: [3, 3] }],
        },
      ],
      initializer,
      input: [valueInfo('X', [1, 2, 5, 5])],
      output: [valueInfo('Y', [1, 4, 5, 5])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

class Conv extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(out = 4) {
    super();
    this.weight = this.registerParameter('weight', tf.zeros([3, 3, 2, out]));
    this.bias = this.registerParameter('bias', tf.zeros([out]));
  }
}
class Bn extends Module {
  readonly runningVar = this.registerBuffer('running_var', tf.ones([4]));
  readonly count = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
}
class Norm extends Module {
  readonly weight = this.registerParameter('weight', tf.zeros([4]));
}
class Up extends Module {
  readonly weight = this.registerParameter('weight', tf.zeros([2, 2, 3, 4])); // HWOI
}
class Net extends Module {
  readonly conv1: Conv;
  readonly up = this.registerModule('up', new Up());
  readonly bn = this.registerModule('bn', new Bn());
  readonly norm = this.registerModule('norm', new Norm());
  constructor(out = 4) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv(out));
  }
}

const TABLE: WeightMapping = {
  'conv1.weight': 'conv1.weight',
  'conv1.bias': 'conv1.bias',
  'deconv.W': { to: 'up.weight', layout: 'convTranspose' },
  'bn.running_var': 'bn.running_var',
  'bn.num_batches_tracked': 'bn.num_batches_tracked',
  norm_w: { to: 'norm.weight' },
};

let dir: string;
let modelFile: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-onnx-import-'));
  modelFile = path.join(dir, 'model.onnx');
  fs.writeFileSync(modelFile, buildModel());
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

for (const backend of testBackends()) {
  describe(`importOnnxWeights on ${backend}`, () => {
    beforeAll(async () => {
      await setTestBackend(backend);
    });

    it('strict table import: conv OIHW[4,2,3,3]→HWIO, convTranspose IOHW[4,3,2,2]→HWOI, raw/float/double/int64/float16 storage', async () => {
      const net = new Net();
      const report = await importOnnxWeights(modelFile, net, { mapping: TABLE });
      expect(report.loaded.map((l) => `${l.onnxName}→${l.to}:${l.layout}`)).toEqual([
        'conv1.weight→conv1.weight:conv', 'conv1.bias→conv1.bias:none', 'deconv.W→up.weight:convTranspose',
        'bn.running_var→bn.running_var:none', 'bn.num_batches_tracked→bn.num_batches_tracked:none', 'norm_w→norm.weight:none',
      ]);
      expect(report.skipped).toEqual(['onnx::Shape_7']);
      expect(report.missing).toEqual([]);
      // HWIO[h][w][i][o] = OIHW[o][i][h][w]
      const w = net.conv1.weight.dataSync();
      for (let h = 0; h < 3; h++) for (let x = 0; x < 3; x++) for (let i = 0; i < 2; i++) for (let o = 0; o < 4; o++) {
        expect(w[((h * 3 + x) * 2 + i) * 4 + o]).toBe(Math.fround(OIHW[((o * 2 + i) * 3 + h) * 3 + x]));
      }
      // HWOI[h][w][o][i] = IOHW[i][o][h][w]
      const u = net.up.weight.dataSync();
      for (let h = 0; h < 2; h++) for (let x = 0; x < 2; x++) for (let o = 0; o < 3; o++) for (let i = 0; i < 4; i++) {
        expect(u[((h * 2 + x) * 3 + o) * 4 + i]).toBe(Math.fround(IOHW[((i * 3 + o) * 2 + h) * 2 + x]));
      }
      expectAllClose(net.conv1.bias, BIAS, { atol: 1e-7, rtol: 0 });
      expectAllClose(net.bn.runningVar, VAR, { atol: 0, rtol: 0 });
      expect(net.bn.count.dtype).toBe('int32');
      expect(Array.from(net.bn.count.dataSync())).toEqual([7]);
      expect(Array.from(net.norm.weight.dataSync())).toEqual([1, -2, 0.5, 0]);
      net.dispose();
    });

    it('onnxruntime Conv of the file == tf.conv2d with the imported filter, x=[1,2,5,5] k=3 pad=1', async () => {
      const net = new Net();
      await importOnnxWeights(modelFile, net, { mapping: TABLE });
      const xNchw = values(1 * 2 * 5 * 5, 3);
      const session = await ort.InferenceSession.create(modelFile);
      const result = await session.run({ X: new ort.Tensor('float32', Float32Array.from(xNchw), [1, 2, 5, 5]) });
      const yOrt = result['Y'].data as Float32Array;
      await session.release();
      const yTf = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(xNchw, [1, 2, 5, 5]), [0, 2, 3, 1]) as tf.Tensor4D;
        const y = tf.add(tf.conv2d(x, net.conv1.weight as tf.Tensor4D, 1, 'same'), net.conv1.bias);
        return tf.transpose(y, [0, 3, 1, 2]);
      });
      expectAllClose(yTf, yOrt, { atol: 1e-5, rtol: 1e-5, label: 'ORT vs tfjs conv' });
      yTf.dispose();
      net.dispose();
    });

    it('strict errors list mis-shaped, missing, not-in-file and unknown targets, and change nothing', () => {
      const net = new Net(5); // conv1 has 5 outputs, the file 4
      const table: WeightMapping = { ...TABLE, 'conv9.weight': 'conv1.weight', 'onnx::Shape_7': 'nowhere' };
      delete (table as Record<string, unknown>)['norm_w'];
      const bytes = buildModel();
      let err: unknown;
      try {
        importOnnxWeightsFromBytes(bytes, net, { mapping: table }, 'my.onnx');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OnnxWeightImportError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^my\.onnx: ONNX weights do not fit the module/);
      expect(msg).toContain('conv1.weight → conv1.weight: module [3,3,2,5], file [3,3,2,4] (ONNX dims [4,2,3,3], layout conv)');
      expect(msg).toContain('conv1.bias → conv1.bias: module [5], file [4]');
      expect(msg).toMatch(/missing from the file \(module tensors not loaded\) \(3\): norm\.weight, conv1\.weight, conv1\.bias/);
      expect(msg).toMatch(/mapped ONNX names not in the file \(1\): conv9\.weight/);
      expect(msg).toMatch(/unknown targets \(1\): onnx::Shape_7 → nowhere/);
      // Nothing was assigned, not even the tensors that fit.
      expect(Array.from(net.bn.runningVar.dataSync())).toEqual([1, 1, 1, 1]);

      const report = importOnnxWeightsFromBytes(bytes, net, { mapping: table, strict: false });
      expect(report.loaded.map((l) => l.to)).toEqual(['up.weight', 'bn.running_var', 'bn.num_batches_tracked']);
      expect(report.misShaped.map((m) => m.to)).toEqual(['conv1.weight', 'conv1.bias']);
      expect(Array.from(net.bn.runningVar.dataSync())).toEqual(VAR);
      net.dispose();
    });

    it('function mapping, ignoreMissing, dtype and duplicate checks', () => {
      const net = new Net();
      // Identity for our names, skip everything else; norm.weight left out on purpose.
      const mapping = (n: string): string | undefined => (n.startsWith('onnx::') || n === 'norm_w' || n === 'deconv.W' ? undefined : n);
      const report = importOnnxWeightsFromBytes(buildModel(), net, {
        mapping, ignoreMissing: (name) => name === 'norm.weight' || name === 'up.weight',
      });
      expect(report.skipped).toEqual(['deconv.W', 'norm_w', 'onnx::Shape_7']);
      expect(report.missing).toEqual([]);
      // A float tensor into the int32 buffer; two tensors into one target.
      const bad = importOnnxWeightsFromBytes(
        buildModel([{ name: 'f', dataType: DT.FLOAT, dims: [], floatData: [2.5] }]),
        net,
        { mapping: { f: 'bn.num_batches_tracked', 'conv1.bias': 'norm.weight', norm_w: 'norm.weight' }, strict: false },
      );
      expect(bad.wrongDtype).toEqual([{ onnxName: 'f', to: 'bn.num_batches_tracked', expected: 'int32', found: 'FLOAT' }]);
      expect(bad.duplicateTargets).toEqual([{ to: 'norm.weight', onnxNames: ['conv1.bias', 'norm_w'] }]);
      net.dispose();
    });

    it('external data and inconsistent storage give clear errors', () => {
      const net = new Net();
      const external = buildModel([
        {
          name: 'big', dataType: DT.FLOAT, dims: [4], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }],
        },
      ]);
      expect(() => importOnnxWeightsFromBytes(external, net, { mapping: { big: 'norm.weight' }, strict: false }, 'ext.onnx')).toThrow(
        /ext\.onnx: initializer 'big' stores its data externally \(in 'weights\.bin'\); external data is not supported/,
      );
      // Unmapped external tensors are only skipped.
      expect(importOnnxWeightsFromBytes(external, net, { mapping: TABLE }).skipped).toEqual(['onnx::Shape_7', 'big']);
      const short = buildModel([{ name: 'short', dataType: DT.FLOAT, dims: [2, 2], floatData: [1, 2, 3] }]);
      expect(() => importOnnxWeightsFromBytes(short, net, { mapping: { short: 'norm.weight' }, strict: false })).toThrow(
        /'short' holds 3 FLOAT values \(no raw_data\), dims \[2,2\] need 4/,
      );
      const rawShort = buildModel([{ name: 'rs', dataType: DT.FLOAT, dims: [4], rawData: new Uint8Array(12) }]);
      expect(() => importOnnxWeightsFromBytes(rawShort, net, { mapping: { rs: 'norm.weight' }, strict: false })).toThrow(
        /'rs' raw_data has 12 bytes, dims \[4\] of FLOAT need 16/,
      );
      expect(() => importOnnxWeightsFromBytes(Uint8Array.from([0xff, 0xff, 0xff]), net, { mapping: TABLE }, 'junk.onnx')).toThrow(
        /junk\.onnx: not a readable ONNX model/,
      );
      net.dispose();
    });

    it('readOnnxInitializers returns ONNX-layout values; import leaks no tensors', async () => {
      const inits = await readOnnxInitializers(modelFile);
      expect(inits.get('conv1.weight')?.dims).toEqual([4, 2, 3, 3]);
      expect(Array.from(inits.get('conv1.weight')?.values ?? [])).toEqual(OIHW.map(Math.fround));
      expect(inits.get('onnx::Shape_7')?.values).toEqual(Int32Array.from([5]));
      const net = new Net();
      await expectNoTensorLeak(async () => {
        await importOnnxWeights(modelFile, net, { mapping: TABLE });
      }, 'import');
      net.dispose();
    });
  });
}

/**
 * The real use case: a model exported by `torch.onnx.export` (parameters kept
 * by name with do_constant_folding=False) imported into ours, and our forward
 * compared with PyTorch's output — checks both layouts (Conv2d OIHW and
 * ConvTranspose2d IOHW) against PyTorch itself. Needs /usr/bin/python3 with
 * torch; logged loudly when absent.
 */
const TORCH_EXPORT = `
import json, sys, torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.ReLU(),
                          torch.nn.ConvTranspose2d(3, 2, 2, stride=2)).eval()
x = torch.randn(1, 2, 4, 5)
with torch.no_grad():
    y = net(x)
torch.onnx.export(net, x, sys.argv[1], input_names=['x'], output_names=['y'], opset_version=13, do_constant_folding=False)
print(json.dumps({'x': x.flatten().tolist(), 'y': y.flatten().tolist()}))
`;

class TorchLike extends Module {
  readonly convW = this.registerParameter('conv_w', tf.zeros([3, 3, 2, 3]));
  readonly convB = this.registerParameter('conv_b', tf.zeros([3]));
  readonly upW = this.registerParameter('up_w', tf.zeros([2, 2, 2, 3])); // HWOI: out 2, in 3
  readonly upB = this.registerParameter('up_b', tf.zeros([2]));
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.relu(tf.add(tf.conv2d(x, this.convW as tf.Tensor4D, 1, 'same'), this.convB)) as tf.Tensor4D;
      const [n, hh, ww] = h.shape;
      return tf.add(tf.conv2dTranspose(h, this.upW as tf.Tensor4D, [n, hh * 2, ww * 2, 2], 2, 'valid'), this.upB) as tf.Tensor4D;
    });
  }
}

describe('importOnnxWeights from torch.onnx.export (cpu)', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('Conv2d(2→3,k3,p1)+ReLU+ConvTranspose2d(3→2,k2,s2) x=[1,2,4,5]: our forward == PyTorch', async () => {
    const file = path.join(dir, 'torch.onnx');
    const run = spawnSync('/usr/bin/python3', ['-c', TORCH_EXPORT, file], { encoding: 'utf8' });
    const net = new TorchLike();
    const mapping: WeightMapping = {
      '0.weight': 'conv_w', '0.bias': 'conv_b', '2.weight': { to: 'up_w', layout: 'convTranspose' }, '2.bias': 'up_b',
    };
    if (run.status !== 0) {
      console.warn(`SKIPPED torch.onnx.export cross-check: /usr/bin/python3 with torch unavailable (tools/setup-system.sh --bench): ${run.stderr.slice(-300)}`);
      expect(() => importOnnxWeightsFromBytes(buildModel(), net, { mapping })).toThrow(OnnxWeightImportError);
      net.dispose();
      return;
    }
    const { x, y } = JSON.parse(run.stdout) as { x: number[]; y: number[] };
    const report = await importOnnxWeights(file, net, { mapping });
    expect(report.loaded.map((l) => l.to)).toEqual(['conv_w', 'conv_b', 'up_w', 'up_b']);
    const out = tf.tidy(() => {
      const xNhwc = tf.transpose(tf.tensor4d(x, [1, 2, 4, 5]), [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.transpose(net.forward(xNhwc), [0, 3, 1, 2]);
    });
    expect(out.shape).toEqual([1, 2, 8, 10]);
    expectAllClose(out, y, { atol: 1e-5, rtol: 1e-5, label: 'ours vs PyTorch' });
    out.dispose();
    net.dispose();
  });
});

/**
 * ONNX export parity (SPEC §7): every layer, an encoder residual block and a
 * SPADE residual block are exported, run in onnxruntime-node (the independent
 * reference) and compared with our eval-mode forward on the cpu backend:
 * max abs diff ≤ 1e-4 on unit-scale outputs. Each model runs at two spatial
 * sizes (dynamic H/W) and, where python3-onnx is installed, passes
 * `onnx.checker.check_model(full_check=True)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { onnx } from 'onnx-proto';
import { expectAllClose, setTestBackend } from '../../testing';
import { Rng } from '../init/rng';
import { Module } from '../module/module';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  Dropout,
  InstanceNorm,
  LayerNorm,
  LayerModule,
  LeakyReLU,
  MaxPool2d,
  ReLU,
  Residual,
  Resize,
  Sequential,
  Sigmoid,
  Spade,
  SpadeResBlock,
  SpectralNorm,
  Tanh,
  GuidedLayerModule,
} from '../layers/index';
import { decodeOnnx, encodeOnnx, exportGuidedLayer, exportLayer, exportOnnx } from './export-onnx';
import { fromNchw, runOnnx, toNchwFeed } from './run-onnx';
import { checkOnnxModel, checkOnnxModels, onnxCheckerAvailable } from './check-onnx';

const SIZES: Array<[number, number]> = [
  [6, 7],
  [9, 8],
];

function randomInput(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normalArray(shape.reduce((a, b) => a * b, 1)), shape);
}

/** Every exported model, checked together by the last test (one python process). */
const exported: Record<string, Uint8Array> = {};
function check(bytes: Uint8Array, label: string): void {
  exported[label] = bytes;
}

/** Give a module's buffers/params non-trivial values (BN stats, SN vectors after a training step). */
function prepare(m: Module, x: tf.Tensor4D, g?: tf.Tensor4D): void {
  m.train();
  tf.tidy(() => {
    if (g) (m as unknown as GuidedLayerModule).forward(x, g);
    else (m as unknown as LayerModule).forward(x);
  });
  m.eval();
}

/** Largest |ours − onnxruntime| seen per case, printed at the end. */
const worst: Record<string, number> = {};
function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

afterAll(() => {
  const entries = Object.entries(worst).sort((a, b) => b[1] - a[1]);
  console.log(`export-onnx parity: ${entries.length} models, max abs diff ${entries[0]?.[1].toExponential(2)} (${entries[0]?.[0]}); all ≤ 1e-4`);
});

beforeAll(async () => {
  await setTestBackend('cpu');
  if (!onnxCheckerAvailable()) {
    console.warn('*** export-onnx.spec: python3-onnx not installed — onnx.checker.check_model(full_check=True) SKIPPED; parity vs onnxruntime still asserted ***');
  }
});

type Case = { name: string; make: () => LayerModule; cin: number };
const rng = () => new Rng(7);
const cases: Case[] = [
  { name: 'conv k=3 s=1 pad=reflect1 bias', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }) },
  { name: 'conv k=4 s=2 pad=reflect1', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 4, stride: 2, padding: { kind: 'reflect', size: 1 }, rng: rng() }) },
  { name: 'conv k=3x2 s=2x1 pad=explicit(1,0,2,1) zero no-bias', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: [3, 2], stride: [2, 1], padding: { kind: 'explicit', top: 1, bottom: 0, left: 2, right: 1 }, bias: false, rng: rng() }) },
  { name: 'conv k=3 s=2 pad=same', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, padding: { kind: 'same' }, rng: rng() }) },
  { name: 'conv k=3 d=2 pad=same', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, dilation: 2, padding: { kind: 'same' }, rng: rng() }) },
  { name: 'conv k=2 s=1 pad=same (asymmetric)', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 2, padding: { kind: 'same' }, rng: rng() }) },
  { name: 'conv k=3 d=2 pad=zero2', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, dilation: 2, padding: { kind: 'zero', size: 2 }, rng: rng() }) },
  { name: 'conv k=1 valid', cin: 3, make: () => new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 1, rng: rng() }) },
  { name: 'convT k=4 s=2 p=1', cin: 3, make: () => new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: rng() }) },
  { name: 'convT k=3 s=2 p=1 op=1 no-bias', cin: 3, make: () => new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false, rng: rng() }) },
  { name: 'spectralNorm(conv k=3 reflect1)', cin: 3, make: () => new SpectralNorm(new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }), { rng: rng() }) },
  { name: 'spectralNorm(convT k=4 s=2 p=1)', cin: 3, make: () => new SpectralNorm(new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: rng() }), { rng: rng() }) },
  { name: 'instanceNorm affine=false', cin: 3, make: () => new InstanceNorm({ channels: 3 }) },
  {
    name: 'instanceNorm affine=true',
    cin: 3,
    make: () => {
      const m = new InstanceNorm({ channels: 3, affine: true });
      (m.weight as tf.Variable).assign(tf.tensor1d([0.5, -1, 2]));
      (m.bias as tf.Variable).assign(tf.tensor1d([0.1, 0.2, -0.3]));
      return m;
    },
  },
  {
    name: 'layerNorm (MUNIT)',
    cin: 3,
    make: () => {
      const m = new LayerNorm({ channels: 3 });
      (m.gamma as tf.Variable).assign(tf.tensor1d([0.5, -1, 2]));
      (m.beta as tf.Variable).assign(tf.tensor1d([0.1, 0.2, -0.3]));
      return m;
    },
  },
  {
    name: 'batchNorm2d frozen',
    cin: 3,
    make: () => {
      const m = new BatchNorm2d({ channels: 3 });
      (m.weight as tf.Variable).assign(tf.tensor1d([0.5, -1, 2]));
      (m.bias as tf.Variable).assign(tf.tensor1d([0.1, 0.2, -0.3]));
      m.runningMean.assign(tf.tensor1d([0.3, -0.2, 0.1]));
      m.runningVar.assign(tf.tensor1d([0.5, 2, 1.5]));
      return m;
    },
  },
  { name: 'relu', cin: 3, make: () => new ReLU() },
  { name: 'leakyRelu 0.2', cin: 3, make: () => new LeakyReLU({ negativeSlope: 0.2 }) },
  { name: 'tanh', cin: 3, make: () => new Tanh() },
  { name: 'sigmoid', cin: 3, make: () => new Sigmoid() },
  { name: 'resize nearest x2', cin: 3, make: () => new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 2 } }) },
  { name: 'resize bilinear x2 alignCorners=false', cin: 3, make: () => new Resize({ mode: { kind: 'bilinear', alignCorners: false }, to: { kind: 'scale', factor: 2 } }) },
  { name: 'resize bilinear size=11x5 alignCorners=true', cin: 3, make: () => new Resize({ mode: { kind: 'bilinear', alignCorners: true }, to: { kind: 'size', height: 11, width: 5 } }) },
  { name: 'resize nearest size=4x10', cin: 3, make: () => new Resize({ mode: { kind: 'nearest' }, to: { kind: 'size', height: 4, width: 10 } }) },
  { name: 'avgPool k=3 s=2 p=1 countIncludePad=false', cin: 3, make: () => new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }) },
  { name: 'avgPool k=2 s=2', cin: 3, make: () => new AvgPool2d({ kernelSize: 2 }) },
  { name: 'maxPool k=3 s=2 p=1 ceil', cin: 3, make: () => new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }) },
  { name: 'maxPool k=2 s=2 ceil', cin: 3, make: () => new MaxPool2d({ kernelSize: 2, stride: 2, ceilMode: true }) },
  { name: 'maxPool k=3 s=2 floor', cin: 3, make: () => new MaxPool2d({ kernelSize: 3, stride: 2 }) },
  { name: 'dropout p=0.5 (eval)', cin: 3, make: () => new Dropout({ p: 0.5 }) },
  {
    name: 'sequential conv-IN-relu-conv-tanh',
    cin: 3,
    make: () =>
      new Sequential({
        conv: new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }),
        norm: new InstanceNorm({ channels: 4 }),
        act: new ReLU(),
        toRgb: new Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 1, rng: rng() }),
        out: new Tanh(),
      }),
  },
  {
    name: 'encoder residual block c=4 (SN conv3 reflect, IN, ReLU; SPEC §2)',
    cin: 4,
    make: () => {
      const conv = () => new SpectralNorm(new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }), { rng: rng() });
      return new Residual({ body: new Sequential([conv(), new InstanceNorm({ channels: 4 }), new ReLU(), conv(), new InstanceNorm({ channels: 4 })]) });
    },
  },
  {
    name: 'residual with projection shortcut',
    cin: 3,
    make: () =>
      new Residual({
        body: new Sequential([new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'zero', size: 1 }, rng: rng() }), new BatchNorm2d({ channels: 4 })]),
        shortcut: new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 1, bias: false, rng: rng() }),
      }),
  },
];

describe('ONNX export parity vs onnxruntime-node (cpu backend)', () => {
  it.each(cases)('$name', async ({ name, make, cin }) => {
    const layer = make();
    const inputs = SIZES.map(([h, w], k) => randomInput([2, h, w, cin], 100 + k));
    prepare(layer, inputs[0]);
    const model = exportLayer(layer, { inputChannels: cin });
    const bytes = encodeOnnx(model);
    // Initializers are named by dotted parameter path (every parameter appears; buffers may too).
    const inits = new Set((decodeOnnx(bytes).graph?.initializer ?? []).map((t) => t.name));
    for (const [p] of layer.namedParameters()) expect(inits).toContain(p);
    check(bytes, name);
    for (const x of inputs) {
      const expected = layer.forward(x);
      const out = await runOnnx(bytes, { input: toNchwFeed(x) });
      const actual = fromNchw(out['output']);
      expectAllClose(actual, expected, { atol: 1e-4, rtol: 0, label: `${name} x=[${x.shape}]` });
      worst[name] = Math.max(worst[name] ?? 0, maxAbsDiff(actual, expected));
      tf.dispose([expected, actual]);
    }
    tf.dispose(inputs);
    layer.dispose();
  });

  it.each([
    { name: 'spade c=4 label=5 hidden=6', make: () => new Spade({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() }) },
    { name: 'spade c=4 label=5 hidden=6 spectralNorm', make: () => new Spade({ channels: 4, labelChannels: 5, hidden: 6, spectralNorm: true, rng: rng() }) },
    { name: 'spadeResBlock c=4 label=5 hidden=6 (SPEC §2)', make: () => new SpadeResBlock({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() }) },
  ])('guided $name, guidance at another resolution', async ({ name, make }) => {
    const layer: GuidedLayerModule = make();
    const xs = SIZES.map(([h, w], k) => randomInput([2, h, w, 4], 200 + k));
    const gs = [randomInput([2, 3, 4, 5], 300), randomInput([2, 18, 16, 5], 301)];
    prepare(layer, xs[0], gs[0]);
    const bytes = encodeOnnx(exportGuidedLayer(layer, { inputChannels: 4, guidanceChannels: 5, outputChannels: 4 }));
    check(bytes, name);
    for (let k = 0; k < xs.length; k++) {
      const expected = layer.forward(xs[k], gs[k]);
      const out = await runOnnx(bytes, { input: toNchwFeed(xs[k]), guidance: toNchwFeed(gs[k]) });
      const actual = fromNchw(out['output']);
      expectAllClose(actual, expected, { atol: 1e-4, rtol: 0, label: `${name} x=[${xs[k].shape}] g=[${gs[k].shape}]` });
      worst[name] = Math.max(worst[name] ?? 0, maxAbsDiff(actual, expected));
      tf.dispose([expected, actual]);
    }
    tf.dispose([...xs, ...gs]);
    layer.dispose();
  });

  it('spadeResBlock at SPEC hidden width: c=32 label=19 hidden=128 x=[1,16,12,32] g=[1,4,3,19]', async () => {
    const block = new SpadeResBlock({ channels: 32, labelChannels: 19, rng: rng() });
    const x = randomInput([1, 16, 12, 32], 400);
    const g = randomInput([1, 4, 3, 19], 401);
    prepare(block, x, g);
    const bytes = encodeOnnx(exportGuidedLayer(block, { inputChannels: 32, guidanceChannels: 19, outputChannels: 32 }));
    check(bytes, 'spadeResBlock c=32');
    const expected = block.forward(x, g);
    const actual = fromNchw((await runOnnx(bytes, { input: toNchwFeed(x), guidance: toNchwFeed(g) }))['output']);
    expectAllClose(actual, expected, { atol: 1e-4, rtol: 0, label: 'spadeResBlock c=32' });
    worst['spadeResBlock c=32 hidden=128'] = maxAbsDiff(actual, expected);
    tf.dispose([x, g, expected, actual]);
    block.dispose();
  });

  it.each([18, 20])('opset %i: layer norm (Reduce* axes as inputs), SPADE block and conv run in onnxruntime', async (opset) => {
    const net = new Sequential({
      conv: new SpectralNorm(new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }), { rng: rng() }),
      norm: new LayerNorm({ channels: 4 }),
      up: new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 2 } }),
      pool: new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
    });
    const block = new SpadeResBlock({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() });
    const x = randomInput([1, 6, 7, 4], 500);
    const g = randomInput([1, 3, 4, 5], 501);
    prepare(net, x);
    prepare(block, x, g);
    const bytes = encodeOnnx(
      exportOnnx({
        inputs: [{ name: 'input', channels: 4 }, { name: 'guidance', channels: 5 }],
        outputs: [{ name: 'output', channels: 4 }],
        build: (graph, [h, gg]) => [block.toOnnxGuided(graph, net.toOnnx(graph, h, 'net'), gg, 'block')],
        opset,
      }),
    );
    expect(decodeOnnx(bytes).opsetImport.map((o) => Number(o.version))).toEqual([opset]);
    const expected = block.forward(net.forward(x), g);
    const actual = fromNchw((await runOnnx(bytes, { input: toNchwFeed(x), guidance: toNchwFeed(g) }))['output']);
    expectAllClose(actual, expected, { atol: 1e-4, rtol: 0, label: `opset ${opset}` });
    worst[`opset ${opset} net+block`] = maxAbsDiff(actual, expected);
    // python3-onnx 1.12's checker knows opsets up to 17 only; these models are checked by onnxruntime alone.
    tf.dispose([x, g, expected, actual]);
    net.dispose();
    block.dispose();
  });

  it('NHWC layout: transposes only at the edges', async () => {
    const layer = new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() });
    const x = randomInput([1, 5, 6, 3], 9);
    const bytes = encodeOnnx(exportLayer(layer, { inputChannels: 3, outputChannels: 2, layout: 'NHWC' }));
    check(bytes, 'nhwc');
    const out = await runOnnx(bytes, { input: { data: Float32Array.from(x.dataSync()), dims: x.shape.slice() } });
    const expected = layer.forward(x);
    expect(out['output'].dims).toEqual(expected.shape);
    expectAllClose(out['output'].data, expected, { atol: 1e-4, rtol: 0 });
    tf.dispose([x, expected]);
    layer.dispose();
  });

  it('the onnx checker is live: it rejects a model with an unknown operator', () => {
    const bad = encodeOnnx(
      exportOnnx({ inputs: [{ name: 'x', channels: 1 }], outputs: [{ name: 'y' }], build: (graph, [x]) => graph.node('NotAnOnnxOp', [x]) }),
    );
    const r = checkOnnxModel(bad);
    if (!r.ran) {
      console.warn(`*** export-onnx.spec: checker liveness SKIPPED: ${r.reason} ***`);
      expect(onnxCheckerAvailable()).toBe(false);
      return;
    }
    expect(r.ok).toBe(false);
  });

  it('every exported model passes onnx.checker.check_model(full_check=True)', () => {
    const results = checkOnnxModels(exported);
    expect(Object.keys(results).length).toBeGreaterThanOrEqual(36);
    const skipped = Object.values(results).filter((r) => !r.ran).length;
    if (skipped > 0) {
      console.warn(`*** export-onnx.spec: onnx checker SKIPPED for ${skipped} models (python3-onnx missing) ***`);
      expect(onnxCheckerAvailable()).toBe(false);
    }
    const failed = Object.entries(results).flatMap(([n, r]) => (r.ran && !r.ok ? [`${n}: ${r.error}`] : []));
    expect(failed).toEqual([]);
  });

  it('model metadata: opset 17, dynamic N/H/W, named I/O', () => {
    const layer = new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, rng: rng() });
    const m = decodeOnnx(encodeOnnx(exportLayer(layer, { inputChannels: 3, outputChannels: 2, inputName: 'image', outputName: 'logits' })));
    expect(m.opsetImport.map((o) => Number(o.version))).toEqual([17]);
    const graph = m.graph as onnx.GraphProto;
    const dims = graph.input[0].type?.tensorType?.shape?.dim ?? [];
    expect(graph.input[0].name).toBe('image');
    expect(graph.output[0].name).toBe('logits');
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 3, 'H', 'W']);
    expect(graph.initializer.map((t) => [t.name, (t.dims ?? []).map(Number)])).toEqual([
      ['weight', [2, 3, 1, 1]],
      ['bias', [2]],
    ]);
    layer.dispose();
  });
});

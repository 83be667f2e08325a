/**
 * Forward and gradient parity with PyTorch. The fixtures
 * (`fixtures/core-layers.torch.json`) are produced by
 * `tools/fixtures/core_layers_fixtures.py` (python3-torch) and committed, so
 * this spec needs no torch. Each case loads PyTorch's parameters through our
 * layout converters (OIHW → HWIO, IOHW → HWOI, NCHW → NHWC), runs our layer
 * on every test backend, and compares the output and the gradients of
 * L = Σ y·dy with respect to inputs and parameters. Spectral-norm cases also
 * compare the power-iterated `u`, `v` after each training forward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, setTestBackend, testBackends } from '../../testing';
import { Module } from '../module/module';
import { iohwToHwoi, nchwToNhwc, nhwcToNchw, oihwToHwio } from '../layout';
import { Rng } from '../init/rng';
import { Conv2d } from './conv2d';
import { ConvTranspose2d } from './conv-transpose2d';
import { SpectralNorm } from './spectral-norm';
import { InstanceNorm } from './instance-norm';
import { LayerNorm } from './layer-norm';
import { BatchNorm2d } from './batch-norm2d';
import { Spade } from './spade';
import { SpadeResBlock } from './spade-res-block';
import { Resize } from './resize';
import { AvgPool2d, MaxPool2d } from './pooling';
import { LeakyReLU, Tanh } from './activations';

const fixtures = require('./fixtures/core-layers.torch.json') as { torch: string; cases: TorchCase[] };

interface Arr {
  shape: number[];
  data: number[];
}
interface TorchCase {
  name: string;
  inputs: Arr[];
  output: Arr;
  dy: Arr;
  gradInputs: Arr[];
  state?: Record<string, Arr>;
  stateAfter?: Record<string, Arr>;
  gradParams?: Record<string, Arr>;
  evalOutput?: Arr;
}

type Layout = 'oihw' | 'iohw' | 'plain';
/** Our module, how to run it, and which of our variables holds each PyTorch tensor. */
interface Built {
  module: Module;
  forward: (xs: tf.Tensor4D[]) => tf.Tensor4D;
  map: Record<string, [tf.Variable, Layout]>;
  train?: boolean;
}

const nhwc = (a: Arr): tf.Tensor4D => tf.tidy(() => nchwToNhwc(tf.tensor4d(a.data, a.shape as [number, number, number, number])));
const fromTorch = (a: Arr, layout: Layout): tf.Tensor =>
  tf.tidy(() => {
    if (layout === 'plain') return tf.tensor(a.data, a.shape);
    const t = tf.tensor4d(a.data, a.shape as [number, number, number, number]);
    return layout === 'oihw' ? oihwToHwio(t) : iohwToHwoi(t);
  });
const toTorch = (t: tf.Tensor, layout: Layout): tf.Tensor =>
  tf.tidy(() => (layout === 'plain' ? tf.clone(t) : tf.transpose(t, layout === 'oihw' ? [3, 2, 0, 1] : [3, 2, 0, 1])));

const rng = () => new Rng(1);
const conv = (o: Partial<ConstructorParameters<typeof Conv2d>[0]> & { inChannels: number; outChannels: number; kernelSize: number | [number, number] }) => new Conv2d({ rng: rng(), ...o });
const single = (m: Module & { forward(x: tf.Tensor4D): tf.Tensor4D }, map: Built['map'] = {}, train = false): Built => ({ module: m, forward: ([x]) => m.forward(x), map, train });
const convMap = (c: Conv2d | ConvTranspose2d, prefix: string, layout: Layout): Built['map'] => {
  const map: Built['map'] = { [`${prefix}.weight`]: [c.weight, layout] };
  if (c.bias) map[`${prefix}.bias`] = [c.bias, 'plain'];
  return map;
};
const snMap = (sn: SpectralNorm, prefix: string, layout: Layout): Built['map'] => {
  const c = sn.module as Conv2d | ConvTranspose2d;
  const map: Built['map'] = { [`${prefix}.weight_orig`]: [c.weight, layout], [`${prefix}.weight_u`]: [sn.u, 'plain'], [`${prefix}.weight_v`]: [sn.v, 'plain'] };
  if (c.bias) map[`${prefix}.bias`] = [c.bias, 'plain'];
  return map;
};
const spadeMap = (s: Spade, prefix: string): Built['map'] => ({
  ...convMap(s.shared as Conv2d, `${prefix}.shared.0`, 'oihw'),
  ...convMap(s.gamma as Conv2d, `${prefix}.gamma`, 'oihw'),
  ...convMap(s.beta as Conv2d, `${prefix}.beta`, 'oihw'),
});

/** How to build our side of each PyTorch case, by case name. */
const builders: Record<string, () => Built> = {
  'conv x=[2,5,6,3] k=3 s=1 pad=reflect1': () => {
    const c = conv({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 } });
    return single(c, convMap(c, 'conv', 'oihw'));
  },
  'conv x=[1,7,6,3] k=4 s=2 pad=reflect1': () => {
    const c = conv({ inChannels: 3, outChannels: 4, kernelSize: 4, stride: 2, padding: { kind: 'reflect', size: 1 } });
    return single(c, convMap(c, 'conv', 'oihw'));
  },
  'conv x=[1,7,6,3] k=3 d=2 pad=zero2': () => {
    const c = conv({ inChannels: 3, outChannels: 4, kernelSize: 3, dilation: 2, padding: { kind: 'zero', size: 2 } });
    return single(c, convMap(c, 'conv', 'oihw'));
  },
  'conv x=[1,9,10,3] k=3 d=4 pad=zero4': () => {
    const c = conv({ inChannels: 3, outChannels: 2, kernelSize: 3, dilation: 4, padding: { kind: 'zero', size: 4 } });
    return single(c, convMap(c, 'conv', 'oihw'));
  },
  'conv x=[1,6,5,3] k=3x2 s=2x1 pad=explicit(t1,b0,l2,r1) no-bias': () => {
    const c = conv({ inChannels: 3, outChannels: 2, kernelSize: [3, 2], stride: [2, 1], padding: { kind: 'explicit', top: 1, bottom: 0, left: 2, right: 1 }, bias: false });
    return single(c, convMap(c, 'conv', 'oihw'));
  },
  'convT x=[1,4,5,3] k=4 s=2 p=1': () => {
    const c = new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: rng() });
    return single(c, convMap(c, 'conv', 'iohw'));
  },
  'convT x=[2,3,4,3] k=3 s=2 p=1 op=1 no-bias': () => {
    const c = new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false, rng: rng() });
    return single(c, convMap(c, 'conv', 'iohw'));
  },
  'spectralNorm conv x=[2,5,4,3] k=3 pad=zero1 train step 1': () => {
    const sn = new SpectralNorm(conv({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'zero', size: 1 } }), { rng: rng() });
    return single(sn, snMap(sn, 'conv', 'oihw'), true);
  },
  'spectralNorm conv x=[2,5,4,3] k=3 pad=zero1 train step 2': () => builders['spectralNorm conv x=[2,5,4,3] k=3 pad=zero1 train step 1'](),
  'spectralNorm convT x=[1,3,4,3] k=4 s=2 p=1 train': () => {
    const sn = new SpectralNorm(new ConvTranspose2d({ inChannels: 3, outChannels: 2, kernelSize: 4, stride: 2, padding: 1, rng: rng() }), { rng: rng() });
    return single(sn, snMap(sn, 'conv', 'iohw'), true);
  },
  'instanceNorm x=[2,4,5,3] affine=false': () => single(new InstanceNorm({ channels: 3 })),
  'instanceNorm x=[2,4,5,3] affine=true': () => {
    const n = new InstanceNorm({ channels: 3, affine: true });
    return single(n, { 'norm.weight': [n.weight as tf.Variable, 'plain'], 'norm.bias': [n.bias as tf.Variable, 'plain'] });
  },
  'layerNorm (MUNIT) x=[2,4,5,3]': () => {
    const n = new LayerNorm({ channels: 3 });
    return single(n, { 'norm.gamma': [n.gamma as tf.Variable, 'plain'], 'norm.beta': [n.beta as tf.Variable, 'plain'] });
  },
  'batchNorm2d frozen (eval) x=[2,4,5,3]': () => {
    const n = new BatchNorm2d({ channels: 3 });
    return single(n, {
      'norm.weight': [n.weight as tf.Variable, 'plain'],
      'norm.bias': [n.bias as tf.Variable, 'plain'],
      'norm.running_mean': [n.runningMean, 'plain'],
      'norm.running_var': [n.runningVar, 'plain'],
    });
  },
  'spade x=[2,6,5,4] g=[2,3,4,5] hidden=6': () => {
    const s = new Spade({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() });
    return { module: s, forward: ([x, g]) => s.forward(x, g), map: spadeMap(s, 'spade') };
  },
  'spadeResBlock (SPEC §2) x=[1,5,6,4] g=[1,10,12,5] eval': () => {
    const b = new SpadeResBlock({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() });
    return {
      module: b,
      forward: ([x, g]) => b.forward(x, g),
      map: { ...snMap(b.conv1 as SpectralNorm, 'block.conv1', 'oihw'), ...snMap(b.conv2 as SpectralNorm, 'block.conv2', 'oihw'), ...spadeMap(b.norm1, 'block.norm1'), ...spadeMap(b.norm2, 'block.norm2') },
    };
  },
  'resize nearest x2 x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 2 } })),
  'resize nearest size=5x7 x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'nearest' }, to: { kind: 'size', height: 5, width: 7 } })),
  'resize nearest size=2x3 x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'nearest' }, to: { kind: 'size', height: 2, width: 3 } })),
  'resize bilinear x2 alignCorners=false x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'bilinear', alignCorners: false }, to: { kind: 'scale', factor: 2 } })),
  'resize bilinear size=7x5 alignCorners=false x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'bilinear', alignCorners: false }, to: { kind: 'size', height: 7, width: 5 } })),
  'resize bilinear size=7x5 alignCorners=true x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'bilinear', alignCorners: true }, to: { kind: 'size', height: 7, width: 5 } })),
  'resize bilinear size=2x3 alignCorners=true x=[1,3,4,2]': () => single(new Resize({ mode: { kind: 'bilinear', alignCorners: true }, to: { kind: 'size', height: 2, width: 3 } })),
  'avgPool k=3 s=2 p=1 countIncludePad=false x=[2,6,7,3]': () => single(new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 })),
  'avgPool k=3 s=2 p=1 countIncludePad=true x=[1,5,5,2]': () => single(new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: true })),
  'maxPool k=3 s=2 p=1 ceil x=[2,6,7,3]': () => single(new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })),
  'maxPool k=3 s=2 p=1 ceil x=[1,5,5,2]': () => single(new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })),
  'maxPool k=2 s=2 ceil x=[1,5,5,2]': () => single(new MaxPool2d({ kernelSize: 2, stride: 2, ceilMode: true })),
  'maxPool k=3 s=2 floor x=[1,6,7,2]': () => single(new MaxPool2d({ kernelSize: 3, stride: 2 })),
  'leakyRelu 0.2 x=[1,3,4,2]': () => single(new LeakyReLU({ negativeSlope: 0.2 })),
  'tanh x=[1,3,4,2]': () => single(new Tanh()),
};

const TOL = { atol: 2e-5, rtol: 2e-4 };

describe.each(testBackends())('PyTorch parity (torch %s fixtures) on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('every fixture case has a builder', () => {
    expect(fixtures.cases.map((c) => c.name).filter((n) => !builders[n])).toEqual([]);
  });

  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const built = builders[name]();
    const { module, map } = built;
    // Load PyTorch's state through our layout converters.
    for (const [key, [variable, layout]] of Object.entries(map)) {
      const a = c.state?.[key];
      if (!a) throw new Error(`${name}: fixture has no '${key}'`);
      const t = fromTorch(a, layout);
      variable.assign(t);
      t.dispose();
    }
    module.train(built.train ?? false);
    const inputs = c.inputs.map(nhwc);
    const dy = nhwc(c.dy);
    const inputVars = inputs.map((x) => tf.variable(x, true));
    const paramEntries = Object.entries(map).filter(([k]) => c.gradParams?.[k]);
    let y: tf.Tensor4D | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = built.forward(inputVars as unknown as tf.Tensor4D[]);
      y = tf.keep(out);
      return tf.sum(tf.mul(out, dy));
    }, [...inputVars, ...paramEntries.map(([, [v]]) => v)]);
    const output = y as unknown as tf.Tensor4D;
    expectAllClose(nhwcToNchw(output), tf.tensor(c.output.data, c.output.shape), { ...TOL, label: `${name} output` });
    inputVars.forEach((v, k) => expectAllClose(nhwcToNchw(grads[v.name] as tf.Tensor4D), tf.tensor(c.gradInputs[k].data, c.gradInputs[k].shape), { ...TOL, label: `${name} d/dinput${k}` }));
    for (const [key, [v, layout]] of paramEntries) {
      const ref = c.gradParams?.[key] as Arr;
      expectAllClose(toTorch(grads[v.name], layout), tf.tensor(ref.data, ref.shape), { ...TOL, label: `${name} d/d${key}` });
    }
    // Spectral norm: the power iteration wrote PyTorch's u, v.
    for (const [key, [v]] of Object.entries(map)) {
      if (/weight_[uv]$/.test(key) && built.train) expectAllClose(v, (c.stateAfter as Record<string, Arr>)[key].data, { ...TOL, label: `${name} ${key} after forward` });
    }
    if (c.evalOutput) {
      module.eval();
      const before = tf.tensor(map['conv.weight_u'][0].dataSync().slice());
      const e = built.forward(inputs);
      expectAllClose(nhwcToNchw(e), tf.tensor(c.evalOutput.data, c.evalOutput.shape), { ...TOL, label: `${name} eval output` });
      expectAllClose(map['conv.weight_u'][0], before, { atol: 0, rtol: 0, label: `${name} u unchanged in eval` });
      tf.dispose([e, before]);
    }
    tf.dispose([value, output, dy, ...inputs, ...inputVars, ...Object.values(grads)]);
    module.dispose();
  });

  it('leaves no tensors behind (conv reflect, SN train step, SPADE block)', async () => {
    const sn = new SpectralNorm(conv({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 } }), { rng: rng() });
    const block = new SpadeResBlock({ channels: 4, labelChannels: 5, hidden: 6, rng: rng() });
    const x = tf.randomNormal([1, 5, 6, 3]) as tf.Tensor4D;
    const h = tf.randomNormal([1, 5, 6, 4]) as tf.Tensor4D;
    const g = tf.randomNormal([1, 3, 3, 5]) as tf.Tensor4D;
    await expectNoTensorLeak(() => {
      tf.dispose(sn.forward(x));
      tf.dispose(block.forward(h, g));
      const { value, grads } = tf.variableGrads(() => tf.sum(block.forward(h, g)), block.parameters());
      tf.dispose([value, ...Object.values(grads)]);
    }, 'layers');
    tf.dispose([x, h, g]);
    sn.dispose();
    block.dispose();
  });
});

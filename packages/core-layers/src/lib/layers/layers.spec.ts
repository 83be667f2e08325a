/**
 * Hand-computed cases, option validation and the module tree of the layers.
 * Expected values are worked out in the comments next to them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, setTestBackend, testBackends } from '../../testing';
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
import { AvgPool2d, MaxPool2d, pooledSize } from './pooling';
import { Dropout } from './dropout';
import { Sequential } from './sequential';
import { Residual } from './residual';
import { LeakyReLU, ReLU } from './activations';
import { reflectPad, resolvePads } from './padding';

describe.each(testBackends())('layers, hand-computed, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('reflectPad x=[1,1,3,1] pad=2: [a b c] → [c b a b c b a]', () => {
    // PyTorch ReflectionPad2d does not repeat the edge.
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    const y = reflectPad(x, { top: 0, bottom: 0, left: 2, right: 2 });
    expectAllClose(y, [3, 2, 1, 2, 3, 2, 1], { atol: 0, rtol: 0 });
    tf.dispose([x, y]);
  });

  it('conv x=[1,3,3,1] k=3 s=1 pad=zero1 all-ones filter: neighbourhood sums', () => {
    const c = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: { kind: 'zero', size: 1 }, weightInit: { kind: 'constant', value: 1 }, biasInit: { kind: 'constant', value: 0.5 } });
    // x = 1..9 row-major; corner (0,0) sums 1+2+4+5 = 12; centre sums 45; +0.5 bias.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = c.forward(x);
    expectAllClose(y, [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v + 0.5), { atol: 1e-5, rtol: 0 });
    tf.dispose([x, y]);
    c.dispose();
  });

  it('conv x=[1,4,4,1] k=2 s=2 pad=same/valid and dilation 2 k=2 valid (hand)', () => {
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const s = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, stride: 2, padding: { kind: 'same' }, bias: false, weightInit: { kind: 'constant', value: 1 } });
    // windows {0,1,4,5}=10, {2,3,6,7}=18, {8,9,12,13}=42, {10,11,14,15}=50
    const ys = s.forward(x);
    expectAllClose(ys, [10, 18, 42, 50], { atol: 1e-5, rtol: 0 });
    const d = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, dilation: 2, bias: false, weightInit: { kind: 'constant', value: 1 } });
    // taps (i,j),(i,j+2),(i+2,j),(i+2,j+2): at (0,0) 0+2+8+10 = 20; outputs 2x2: 20, 24, 36, 40
    const yd = d.forward(x);
    expect(yd.shape).toEqual([1, 2, 2, 1]);
    expectAllClose(yd, [20, 24, 36, 40], { atol: 1e-5, rtol: 0 });
    tf.dispose([x, ys, yd]);
    s.dispose();
    d.dispose();
  });

  it('convT x=[1,2,2,1] k=2 s=2 p=0 ones: each input spreads to a 2x2 block; output size rule', () => {
    const c = new ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 2, stride: 2, bias: false, weightInit: { kind: 'constant', value: 1 } });
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = c.forward(x);
    expectAllClose(y, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], { atol: 1e-6, rtol: 0 });
    // (in−1)·s − 2p + k + op: FCN-8s ×2 deconv k4 s2 on 5 → 12; k16 s8 on 5 → 48.
    expect(new ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 4, stride: 2 }).outputSize(5, 5)).toEqual([12, 12]);
    expect(new ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 16, stride: 8 }).outputSize(5, 5)).toEqual([48, 48]);
    tf.dispose([x, y]);
    c.dispose();
  });

  it('spectralNorm: σ of diag(3,1) 1x1 conv converges to 3; u updated only in training', () => {
    const c = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1, bias: false });
    c.weight.assign(tf.tensor4d([3, 0, 0, 1], [1, 1, 2, 2]));
    const sn = new SpectralNorm(c, { rng: new Rng(2) });
    const x = tf.tensor4d([1, 1], [1, 1, 1, 2]);
    for (let i = 0; i < 30; i++) tf.dispose(sn.forward(x));
    // W/σ = diag(1, 1/3): y = [1, 1/3].
    const y = sn.forward(x);
    expectAllClose(y, [1, 1 / 3], { atol: 1e-4, rtol: 0 });
    sn.eval();
    const u = sn.u.clone();
    tf.dispose(sn.forward(x));
    expectAllClose(sn.u, u, { atol: 0, rtol: 0 });
    expect(sn.namedBuffers().map(([n]) => n)).toEqual(['u', 'v']);
    expect(sn.namedParameters().map(([n]) => n)).toEqual(['module.weight']);
    tf.dispose([x, y, u]);
    sn.dispose();
  });

  it('instanceNorm / layerNorm / batchNorm x=[1,1,2,2] (hand)', () => {
    // x = [1, 2, 3, 4]: mean 2.5, biased var 1.25, unbiased std √(5/3).
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const i = new InstanceNorm({ channels: 1 });
    const yi = i.forward(x);
    const sd = Math.sqrt(1.25 + 1e-5);
    expectAllClose(yi, [-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd], { atol: 1e-5, rtol: 0 });
    const l = new LayerNorm({ channels: 1 });
    const yl = l.forward(x);
    const su = Math.sqrt(5 / 3) + 1e-5;
    expectAllClose(yl, [-1.5 / su, -0.5 / su, 0.5 / su, 1.5 / su], { atol: 1e-5, rtol: 0 });
    const b = new BatchNorm2d({ channels: 1 });
    b.runningMean.assign(tf.tensor1d([1]));
    b.runningVar.assign(tf.tensor1d([4 - 1e-5]));
    b.train(); // frozen: running stats even in training mode
    const yb = b.forward(x);
    expectAllClose(yb, [0, 0.5, 1, 1.5], { atol: 1e-5, rtol: 0 });
    tf.dispose([x, yi, yl, yb]);
    [i, l, b].forEach((m) => m.dispose());
  });

  it('spade with zero γ/β convs is plain instance norm; guidance resized (nearest) to x', () => {
    const s = new Spade({ channels: 2, labelChannels: 3, hidden: 4, rng: new Rng(1) });
    for (const [n, v] of s.namedParameters()) if (!n.startsWith('shared')) v.assign(tf.zerosLike(v));
    const x = tf.tensor4d(new Rng(4).normalArray(2 * 5 * 3 * 2), [2, 5, 3, 2]);
    const g = tf.tensor4d(new Rng(5).normalArray(2 * 2 * 2 * 3), [2, 2, 2, 3]);
    const y = s.forward(x, g);
    const ref = new InstanceNorm({ channels: 2 }).forward(x);
    expectAllClose(y, ref, { atol: 1e-5, rtol: 0 });
    expect(s.namedParameters().map(([n]) => n)).toEqual(['shared.weight', 'shared.bias', 'gamma.weight', 'gamma.bias', 'beta.weight', 'beta.bias']);
    tf.dispose([x, g, y, ref]);
    s.dispose();
  });

  it('resize nearest x2 and bilinear alignCorners=true size=3 on [1,1,2,1] (hand)', () => {
    const x = tf.tensor4d([0, 4], [1, 1, 2, 1]);
    const n = new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 2 } }).forward(x);
    expectAllClose(n, [0, 0, 4, 4, 0, 0, 4, 4], { atol: 0, rtol: 0 });
    const b = new Resize({ mode: { kind: 'bilinear', alignCorners: true }, to: { kind: 'size', height: 1, width: 3 } }).forward(x);
    expectAllClose(b, [0, 2, 4], { atol: 1e-6, rtol: 0 });
    // half-pixel, ×2 on [0, 4]: src = (d+0.5)/2 − 0.5 → −0.25(clamped 0), 0.25, 0.75, 1.25(→1): 0, 1, 3, 4
    const h = new Resize({ mode: { kind: 'bilinear', alignCorners: false }, to: { kind: 'size', height: 1, width: 4 } }).forward(x);
    expectAllClose(h, [0, 1, 3, 4], { atol: 1e-6, rtol: 0 });
    tf.dispose([x, n, b, h]);
  });

  it('avgPool k=3 s=2 p=1 count excludes padding; maxPool ceil-mode sizes (PyTorch rule)', () => {
    // x = 1..9 on 3x3: output 2x2; window at (0,0) covers rows/cols {-1,0,1} → {1,2,4,5}/4 = 3.
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const a = new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x);
    // (0,1): cols {1,2,3→pad} rows {-1,0,1}: {2,3,5,6}/4 = 4; (1,0): {4,5,7,8}/4 = 6; (1,1): {5,6,8,9}/4 = 7.
    expectAllClose(a, [3, 4, 6, 7], { atol: 1e-6, rtol: 0 });
    // ceil: (5+2−3)/2 = 2 → 3 windows, last starts at 4 < 5+1 → kept; (6+2−3)/2=2.5 → ceil 3 → 4? (4−1)·2=6 ≥ 6+1? no → 4.
    expect(pooledSize(5, 3, 2, 1, true)).toBe(3);
    expect(pooledSize(6, 3, 2, 1, true)).toBe(4);
    // k=2 s=2 p=0 on 5: ceil(3/2)+1 = 3, last window starts at 4 < 5 → 3; on 4: 2.
    expect(pooledSize(5, 2, 2, 0, true)).toBe(3);
    // the rule that drops a window starting in the right padding: n=3, k=2, s=2, p=1: ceil(3/2)+1 = 3, (3−1)·2 = 4 ≥ 3+1 → 2.
    expect(pooledSize(3, 2, 2, 1, true)).toBe(2);
    const m = new MaxPool2d({ kernelSize: 2, stride: 2, ceilMode: true }).forward(x);
    expectAllClose(m, [5, 6, 8, 9], { atol: 0, rtol: 0 });
    tf.dispose([x, a, m]);
  });

  it('dropout: seeded mask, mean preserved, identity in eval', () => {
    const d = new Dropout({ p: 0.25, rng: new Rng(9) });
    const x = tf.ones([1, 20, 20, 5]) as tf.Tensor4D;
    const y = d.forward(x);
    const kept = Array.from(y.dataSync()).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    // 2000 Bernoulli(0.75): kept fraction within 4σ (σ ≈ 0.0097).
    expect(Math.abs(kept.length / 2000 - 0.75)).toBeLessThan(0.04);
    const again = new Dropout({ p: 0.25, rng: new Rng(9) }).forward(x);
    expectAllClose(again, y, { atol: 0, rtol: 0 });
    d.eval();
    const e = d.forward(x);
    expectAllClose(e, x, { atol: 0, rtol: 0 });
    tf.dispose([x, y, again, e]);
  });

  it('dropout channelwise (Dropout2d): whole feature maps kept ×1/(1−p) or zeroed, per sample and channel', () => {
    const d = new Dropout({ p: 0.5, rng: new Rng(4), channelwise: true });
    const x = tf.randomUniform([3, 6, 7, 40], 0.5, 1.5, 'float32', 2) as tf.Tensor4D;
    const y = d.forward(x);
    const xs = x.arraySync();
    const ys = y.arraySync();
    let dropped = 0;
    for (let n = 0; n < 3; n++) {
      for (let c = 0; c < 40; c++) {
        const ratios = new Set<number>();
        for (let i = 0; i < 6; i++) for (let j = 0; j < 7; j++) ratios.add(Math.round((ys[n][i][j][c] / xs[n][i][j][c]) * 1e5) / 1e5);
        expect([...ratios].length).toBe(1);
        const [r] = [...ratios];
        expect([0, 2]).toContain(r);
        if (r === 0) dropped++;
      }
    }
    // 120 Bernoulli(0.5): dropped count within 4σ (σ ≈ 5.5).
    expect(Math.abs(dropped - 60)).toBeLessThan(22);
    tf.dispose([x, y]);
  });

  it('sequential / residual: dotted names, counts, freeze, leaky relu', async () => {
    const net = new Sequential({
      down1: new SpectralNorm(new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: { kind: 'reflect', size: 1 } })),
      norm1: new InstanceNorm({ channels: 4, affine: true }),
      act: new LeakyReLU({ negativeSlope: 0.2 }),
      res: new Residual({ body: new Sequential([new Conv2d({ inChannels: 4, outChannels: 4, kernelSize: 1 }), new ReLU()]) }),
    });
    expect(net.namedParameters().map(([n]) => n)).toEqual(['down1.module.weight', 'down1.module.bias', 'norm1.weight', 'norm1.bias', 'res.body.0.weight', 'res.body.0.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['down1.u', 'down1.v']);
    expect(net.parameterCount()).toBe(3 * 3 * 3 * 4 + 4 + 4 + 4 + 16 + 4);
    (net.layers[1][1] as InstanceNorm).freeze();
    expect(net.trainableParameterEntries().map(([n]) => n)).toEqual(['down1.module.weight', 'down1.module.bias', 'res.body.0.weight', 'res.body.0.bias']);
    const x = tf.randomNormal([1, 4, 4, 3]) as tf.Tensor4D;
    await expectNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(net.forward(x)), net.trainableParameterEntries().map(([, p]) => p.variable));
      expect(Object.keys(grads)).toHaveLength(4);
      tf.dispose([value, ...Object.values(grads)]);
    }, 'sequential grads');
    tf.dispose(x);
    net.dispose();
  });

  it('constructing and disposing layers leaves no tensors (modules own their initial values)', async () => {
    await expectNoTensorLeak(() => {
      const layers = [
        new SpadeResBlock({ channels: 4, labelChannels: 3, hidden: 5 }),
        new BatchNorm2d({ channels: 3 }),
        new LayerNorm({ channels: 3 }),
        new ConvTranspose2d({ inChannels: 2, outChannels: 3, kernelSize: 4, stride: 2 }),
      ];
      layers.forEach((l) => l.dispose());
    }, 'construct/dispose');
  });

  it('leaky relu 0.2 on [-1, 2] = [-0.2, 2]', () => {
    const x = tf.tensor4d([-1, 2], [1, 1, 2, 1]);
    const y = new LeakyReLU({ negativeSlope: 0.2 }).forward(x);
    expectAllClose(y, [-0.2, 2], { atol: 1e-7, rtol: 0 });
    tf.dispose([x, y]);
  });
});

describe('layer options: bad values throw quoting what was received', () => {
  it.each([
    ['Conv2d kernelSize 0', () => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 0 }), /kernelSize.*received 0/],
    ['Conv2d inChannels 2.5', () => new Conv2d({ inChannels: 2.5, outChannels: 1, kernelSize: 1 }), /inChannels.*received 2.5/],
    ['Conv2d stride 2 + dilation 2', () => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, dilation: 2 }), /stride=2 dilation=2/],
    ['Conv2d padding size -1', () => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: { kind: 'zero', size: -1 } }), /"size":-1/],
    ['Conv2d padding kind circular', () => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: { kind: 'circular' } as never }), /"kind":"circular"/],
    ['ConvTranspose2d outputPadding >= stride', () => new ConvTranspose2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, outputPadding: 2 }), /outputPadding=2 stride=2/],
    ['InstanceNorm eps -1', () => new InstanceNorm({ channels: 1, eps: -1 }), /eps.*received -1/],
    ['Dropout p 1', () => new Dropout({ p: 1 }), /p must be < 1, received 1/],
    ['Spade kernelSize 4', () => new Spade({ channels: 1, kernelSize: 4 }), /odd, received 4/],
    ['Resize factor 1.5', () => new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 1.5 } }), /factor.*received 1.5/],
    ['Resize bilinear without alignCorners', () => new Resize({ mode: { kind: 'bilinear' } as never, to: { kind: 'scale', factor: 2 } }), /"kind":"bilinear"/],
    ['MaxPool2d padding > k/2', () => new MaxPool2d({ kernelSize: 2, padding: 2 }), /padding=2/],
    ['SpadeResBlock channels 0', () => new SpadeResBlock({ channels: 0 }), /channels.*received 0/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('Conv2d rejects an input with the wrong channel count', async () => {
    await setTestBackend('cpu');
    const c = new Conv2d({ inChannels: 3, outChannels: 1, kernelSize: 1 });
    const x = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    expect(() => c.forward(x)).toThrow(/expected 3 input channels \(NHWC\), received shape \[1,2,2,4\]/);
    tf.dispose(x);
    c.dispose();
  });

  it('same padding resolves like TensorFlow (extra on bottom/right)', () => {
    expect(resolvePads({ kind: 'same' }, 5, 4, [3, 3], [2, 2], [1, 1])).toEqual({ top: 1, bottom: 1, left: 0, right: 1, fill: 'zero' });
  });
});

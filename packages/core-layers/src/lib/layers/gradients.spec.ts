/**
 * Gradients by central finite differences (the independent reference) on
 * tiny shapes, on every test backend: input and parameter gradients of
 * L = Σ y·r for a fixed random r. Covers the paths where we do not rely on
 * tfjs's own gradients (reflect pad, atrous conv, resize, count-excluding
 * avg pool, ceil-mode max pool) and the compositions (spectral norm through σ,
 * layer norm, SPADE residual block).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, numericGradient, setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { Module } from '../module/module';
import { Conv2d } from './conv2d';
import { ConvTranspose2d } from './conv-transpose2d';
import { SpectralNorm } from './spectral-norm';
import { LayerNorm } from './layer-norm';
import { InstanceNorm } from './instance-norm';
import { Resize } from './resize';
import { AvgPool2d, MaxPool2d } from './pooling';
import { SpadeResBlock } from './spade-res-block';
import { Dropout } from './dropout';
import { Residual } from './residual';
import { Sequential } from './sequential';
import { ReLU } from './activations';

const rng = () => new Rng(3);

/** `k` distinct indices in [0, n) (all when n ≤ k), seeded. */
function sampleIndices(n: number, k: number, seed: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const r = new Rng(seed);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(r.int(n));
  return [...picked].sort((a, b) => a - b);
}
const randn = (shape: number[], seed: number) => tf.tensor(new Rng(seed).normalArray(shape.reduce((a, b) => a * b, 1)), shape);

interface GradCase {
  name: string;
  make: () => Module & { forward(x: tf.Tensor4D, g?: tf.Tensor4D): tf.Tensor4D };
  x: [number, number, number, number];
  guidance?: [number, number, number, number];
  /** Spectral norm: compare in eval mode (no u/v update between the FD evaluations). */
  eval?: boolean;
  /** Which parameters to check numerically (all when omitted). */
  params?: string[];
}

const cases: GradCase[] = [
  { name: 'conv x=[1,4,5,2] k=3 s=1 pad=reflect2', x: [1, 4, 5, 2], make: () => new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: { kind: 'reflect', size: 2 }, rng: rng() }) },
  { name: 'conv x=[2,5,4,2] k=3 s=2 pad=explicit(0,2,1,1) reflect', x: [2, 5, 4, 2], make: () => new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: { kind: 'explicit', top: 0, bottom: 2, left: 1, right: 1, fill: 'reflect' }, rng: rng() }) },
  { name: 'conv x=[1,6,5,2] k=3 d=2 pad=same', x: [1, 6, 5, 2], make: () => new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, dilation: 2, padding: { kind: 'same' }, rng: rng() }) },
  { name: 'convT x=[1,3,2,2] k=3 s=2 p=1 op=1', x: [1, 3, 2, 2], make: () => new ConvTranspose2d({ inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, rng: rng() }) },
  { name: 'spectralNorm conv x=[1,4,4,2] k=3 reflect1 (eval: σ from stored u,v, gradient through σ)', x: [1, 4, 4, 2], eval: true, make: () => new SpectralNorm(new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }), { rng: rng() }) },
  { name: 'layerNorm x=[2,3,3,2]', x: [2, 3, 3, 2], make: () => new LayerNorm({ channels: 2 }) },
  { name: 'instanceNorm affine x=[2,3,3,2]', x: [2, 3, 3, 2], make: () => new InstanceNorm({ channels: 2, affine: true }) },
  { name: 'resize nearest size=5x3 x=[2,3,2,2]', x: [2, 3, 2, 2], make: () => new Resize({ mode: { kind: 'nearest' }, to: { kind: 'size', height: 5, width: 3 } }) },
  { name: 'resize bilinear x2 alignCorners=false x=[2,2,3,2]', x: [2, 2, 3, 2], make: () => new Resize({ mode: { kind: 'bilinear', alignCorners: false }, to: { kind: 'scale', factor: 2 } }) },
  { name: 'resize bilinear size=5x4 alignCorners=true x=[2,3,2,1]', x: [2, 3, 2, 1], make: () => new Resize({ mode: { kind: 'bilinear', alignCorners: true }, to: { kind: 'size', height: 5, width: 4 } }) },
  { name: 'avgPool k=3 s=2 p=1 countIncludePad=false x=[2,5,4,2]', x: [2, 5, 4, 2], make: () => new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }) },
  { name: 'maxPool k=3 s=2 p=1 ceil x=[1,5,6,2]', x: [1, 5, 6, 2], make: () => new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true }) },
  {
    name: 'residual block x=[1,3,3,2] (conv reflect, IN, ReLU, conv, IN)',
    x: [1, 3, 3, 2],
    make: () =>
      new Residual({
        body: new Sequential([
          new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }),
          new InstanceNorm({ channels: 2 }),
          new ReLU(),
          new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng: rng() }),
          new InstanceNorm({ channels: 2 }),
        ]),
      }),
  },
  {
    name: 'spadeResBlock x=[1,3,3,2] g=[1,2,2,3] hidden=2 (eval SN)',
    x: [1, 3, 3, 2],
    guidance: [1, 2, 2, 3],
    eval: true,
    params: ['conv1.module.weight', 'norm2.gamma.weight', 'norm1.beta.bias'],
    make: () => new SpadeResBlock({ channels: 2, labelChannels: 3, hidden: 2, rng: rng() }) as unknown as GradCase['make'] extends () => infer M ? M : never,
  },
];

describe.each(testBackends())('finite-difference gradients on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it.each(cases)('$name', ({ name, make, x: xShape, guidance, eval: evalMode, params }) => {
    const layer = make();
    if (evalMode) layer.eval();
    const x = randn(xShape, 11) as tf.Tensor4D;
    const g = guidance ? (randn(guidance, 12) as tf.Tensor4D) : undefined;
    const y0 = layer.forward(x, g);
    const r = randn(y0.shape, 13);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.forward(input as tf.Tensor4D, g), r));
    const xv = tf.variable(x, true);
    const entries = layer.namedParameters().filter(([n]) => !params || params.includes(n));
    const { value, grads } = tf.variableGrads(() => loss(xv) as tf.Scalar, [xv, ...entries.map(([, v]) => v)]);
    const tol = { atol: 2e-2, rtol: 2e-2 };
    expectAllClose(grads[xv.name], numericGradient(loss, x, 1e-2), { ...tol, label: `${name} d/dx` });
    for (const [pname, v] of entries) {
      // Central differences at (up to) 8 seeded positions of each parameter keep the file fast.
      const base = Float32Array.from(v.dataSync());
      const picks = sampleIndices(base.length, 8, pname.length);
      const analytic = grads[v.name].dataSync();
      const numeric = picks.map((i) => {
        const at = (delta: number) => {
          const p = base.slice();
          p[i] += delta;
          return tf.tidy(() => {
            v.assign(tf.tensor(p, v.shape));
            return loss(x).dataSync()[0];
          });
        };
        return (at(1e-2) - at(-1e-2)) / 2e-2;
      });
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      expectAllClose(picks.map((i) => analytic[i]), numeric, { ...tol, label: `${name} d/d${pname} at [${picks}]` });
    }
    tf.dispose([x, g, y0, r, xv, value, ...Object.values(grads)].filter((t): t is tf.Tensor => !!t));
    layer.dispose();
  });

  it('dropout p=0.5 x=[1,4,4,3]: gradient is the mask/(1−p) (hand reference)', () => {
    const d = new Dropout({ p: 0.5, rng: new Rng(5) });
    const x = tf.variable(randn([1, 4, 4, 3], 1), true);
    const mask = new Float32Array(48);
    const r = new Rng(5);
    for (let i = 0; i < 48; i++) mask[i] = r.uniform() < 0.5 ? 2 : 0;
    const { grads, value } = tf.variableGrads(() => tf.sum(d.forward(x as unknown as tf.Tensor4D)), [x]);
    expectAllClose(grads[x.name], mask, { atol: 0, rtol: 0 });
    tf.dispose([x, value, ...Object.values(grads)]);
  });
});

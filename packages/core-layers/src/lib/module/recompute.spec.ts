/**
 * Activation recomputation: the reference is the same network differentiated
 * without it (fresh copies from the same seeds), so gradients, losses and
 * the spectral-norm state after the step must agree to float rounding; the
 * memory claim is checked with the engine's own peak-bytes profile.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { Module } from './module';
import { isRecomputing, recomputed, recomputedIf } from './recompute';
import { computeGradients, disposeGradients } from '../optim/optimizer';
import { Conv2d } from '../layers/conv2d';
import { SpectralNorm } from '../layers/spectral-norm';
import { InstanceNorm } from '../layers/instance-norm';
import { ReLU } from '../layers/activations';
import { Dropout } from '../layers/dropout';
import { Sequential } from '../layers/sequential';
import { SpadeResBlock } from '../layers/spade-res-block';

const C = 4;
const LABELS = 2;

/** Four SN-conv/IN/ReLU/dropout stages and a SPADE residual block: every kind of state a translator stage has, plus dropout. */
class StagedNet extends Module {
  readonly stages: Sequential[] = [];
  readonly spade: SpadeResBlock;
  recompute = false;

  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    for (let i = 0; i < 4; i++) {
      const stage = new Sequential([
        new SpectralNorm(new Conv2d({ inChannels: i === 0 ? 3 : C, outChannels: C, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng }), { rng }),
        new InstanceNorm({ channels: C }),
        new ReLU(),
        new Dropout({ p: 0.25, rng: new Rng(seed + 100 + i) }),
      ]);
      this.stages.push(this.registerModule(`stage${i}`, stage));
    }
    this.spade = this.registerModule('spade', new SpadeResBlock({ channels: C, labelChannels: LABELS, hidden: 3, rng }));
  }

  forward(x: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      for (const s of this.stages) h = recomputedIf(this.recompute, s, (a) => s.forward(a as tf.Tensor4D), [h]);
      return recomputedIf(this.recompute, this.spade, (a, b) => this.spade.forward(a as tf.Tensor4D, b as tf.Tensor4D), [h, g]);
    });
  }
}

const randn = (shape: [number, number, number, number], seed: number) => tf.tensor4d(new Rng(seed).normalArray(shape.reduce((a, b) => a * b, 1)), shape);

describe.each(testBackends())('activation recomputation on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  const x = () => randn([2, 12, 10, 3], 1);
  const g = () => randn([2, 6, 5, LABELS], 2);
  const r = () => randn([2, 12, 10, C], 3);

  /** One step's loss and gradients; the net runs twice (as a generator does in a cycle) so state is drawn repeatedly. */
  function step(net: StagedNet): { loss: number; grads: Map<string, tf.Tensor> } {
    const [xi, gi, ri] = [x(), g(), r()];
    try {
      return computeGradients(() => {
        const y1 = net.forward(xi, gi);
        const y2 = net.forward(tf.slice(tf.concat([y1, y1], 3), [0, 0, 0, 1], [-1, -1, -1, 3]) as tf.Tensor4D, gi);
        return tf.add(tf.sum(tf.mul(y1, ri)), tf.sum(tf.mul(tf.square(y2), ri))) as tf.Scalar;
      }, net);
    } finally {
      tf.dispose([xi, gi, ri]);
    }
  }

  it('gives the gradients, loss and spectral-norm state of the plain backward pass', () => {
    const plain = new StagedNet(7);
    const again = new StagedNet(7);
    again.recompute = true;
    const a = step(plain);
    const b = step(again);
    try {
      // Float rounding only (kernels may differ between taped and untaped runs, e.g. fused normalization).
      expect(Math.abs(b.loss - a.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(a.loss));
      expect([...b.grads.keys()].sort()).toEqual([...a.grads.keys()].sort());
      expect(a.grads.size).toBeGreaterThan(10);
      // Float32 rounding of a 10-layer chain run twice (wasm's threaded kernels do not round identically from run to run).
      // The stage convs' biases feed an instance norm, so their gradient is zero up to the rounding of a sum
      // over N·H·W (float32 in oneDNN, float64 elsewhere): both runs must show that, not the same noise.
      const beforeNorm = /^stage\d\.0\.module\.bias$/;
      for (const [name, ga] of a.grads) {
        const gb = b.grads.get(name) as tf.Tensor;
        if (beforeNorm.test(name)) for (const t of [ga, gb]) tf.tidy(() => expectAllClose(t, tf.zerosLike(t), { atol: 5e-4, label: name }));
        else expectAllClose(gb, ga, { atol: 1e-4, rtol: 1e-3, label: name });
      }
      expect([...a.grads.keys()].filter((n) => beforeNorm.test(n))).toHaveLength(4);
      // The power iteration ran once per forward (twice a step), not again in the recomputation.
      for (const [[name, ua], [, ub]] of plain.namedBuffers().map((e, i) => [e, again.namedBuffers()[i]] as const)) expectAllClose(ub, ua, { atol: 1e-6, label: name });
      // The dropout streams advanced once per forward as well.
      expect(again.stages.map((s) => (s.layers[3][1] as Dropout).rng.uniform())).toEqual(plain.stages.map((s) => (s.layers[3][1] as Dropout).rng.uniform()));
    } finally {
      disposeGradients(a.grads);
      disposeGradients(b.grads);
      plain.dispose();
      again.dispose();
    }
  });

  it('lowers the peak memory of the step and leaks no tensor', async () => {
    const peak = async (recompute: boolean): Promise<number> => {
      const net = new StagedNet(7);
      net.recompute = recompute;
      const before = tf.memory().numTensors;
      const info = await tf.profile(() => disposeGradients(step(net).grads));
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
      return info.peakBytes;
    };
    const plain = await peak(false);
    const recompute = await peak(true);
    // Plain keeps ~7 activations per stage for both forwards; recomputation keeps the stage boundaries and one stage.
    expect(recompute).toBeLessThan(0.7 * plain);
  });

  it('is a plain call outside a gradient computation, and nests', () => {
    const net = new StagedNet(5);
    net.eval();
    const [xi, gi] = [x(), g()];
    const plain = net.forward(xi, gi);
    net.recompute = true;
    const before = tf.memory().numTensors;
    const inner = recomputed((a, b) => recomputed((c, d) => net.forward(c as tf.Tensor4D, d as tf.Tensor4D), [a, b], net.parameters()), [xi, gi], net.parameters());
    expect(tf.memory().numTensors).toBe(before + 1);
    expectAllClose(inner, plain, { atol: 0 });
    expect(isRecomputing()).toBe(false);
    tf.dispose([plain, inner, xi, gi]);
    net.dispose();
  });

  it('differentiates nested blocks as one (same gradients as without recomputation)', () => {
    const plain = new StagedNet(9);
    const nested = new StagedNet(9);
    nested.recompute = true;
    const xi = x();
    const loss = (net: StagedNet, wrap: boolean) =>
      computeGradients(() => {
        const gi = g();
        const y = wrap ? recomputed((a, b) => net.forward(a as tf.Tensor4D, b as tf.Tensor4D), [xi, gi], net.parameters()) : net.forward(xi, gi);
        return tf.sum(tf.square(y)) as tf.Scalar;
      }, net);
    const a = loss(plain, false);
    const b = loss(nested, true);
    for (const [name, ga] of a.grads) expectAllClose(b.grads.get(name) as tf.Tensor, ga, { atol: 1e-4, rtol: 1e-3, label: name });
    disposeGradients(a.grads);
    disposeGradients(b.grads);
    xi.dispose();
    plain.dispose();
    nested.dispose();
  });
});

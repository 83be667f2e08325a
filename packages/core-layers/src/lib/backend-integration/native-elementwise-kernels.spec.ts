/**
 * The native normalization and optimizer loops (wasm backend) against the JS
 * kernels of the cpu backend, rel err ≤ 1e-4: instance norm and MUNIT layer
 * norm forward and gradient, Adam and SGD updates, on shapes small enough to
 * stay on one thread and large enough to run on all of them, with channel
 * counts that are not multiples of the 16-channel blocks. Where the addon is
 * not built, the spec says so loudly and checks the JS kernels are in place.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend } from '../../testing';
import { Adam } from '../optim/adam';
import { Sgd } from '../optim/sgd';
import { fusedInstanceNorm, fusedLayerNorm } from '@semadapt/compute';
import { loadNativeKernels } from '@semadapt/compute';
import { nativeElementwiseKernelsActive } from '@semadapt/compute';

const NORM_SHAPES: [number, number, number, number][] = [
  [2, 3, 5, 7],
  [1, 16, 16, 37],
  [3, 24, 40, 64],
];

function normAndGrad(which: 'instance' | 'layer', shape: [number, number, number, number]): Float32Array[] {
  return tf.tidy(() => {
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(lcgValues(size, 3).map((v, i) => 2 * v + (i % shape[3]) * 0.1), shape);
    const r = tf.tensor4d(lcgValues(size, 8), shape);
    const f = (t: tf.Tensor) => (which === 'instance' ? fusedInstanceNorm(t as tf.Tensor4D, 1e-5) : fusedLayerNorm(t as tf.Tensor4D, 1e-5));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(x);
    return [f(x).dataSync(), g.dataSync()].map((a) => Float32Array.from(a));
  });
}

function updates(kind: 'adam' | 'sgd', size: number): Float32Array[] {
  const p = tf.variable(tf.tensor1d(lcgValues(size, 4)));
  const entry = [['p', { variable: p, lrMultiplier: 1, weightDecay: true }]] as never;
  const opt = kind === 'adam' ? new Adam(entry, { lr: 1e-2, betas: [0.5, 0.999], weightDecay: 0.01 }) : new Sgd(entry, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
  for (let s = 0; s < 3; s++) {
    const g = tf.tensor1d(lcgValues(size, 20 + s));
    opt.step(new Map([['p', g]]));
    g.dispose();
  }
  const state = opt.stateDict();
  const out = [p.dataSync(), ...[...state.values()].filter((t) => t.dtype === 'float32').map((t) => t.dataSync())].map((a) => Float32Array.from(a));
  tf.dispose([...state.values(), p]);
  return out;
}

describe('native normalization and optimizer loops (wasm) vs the JS kernels (cpu)', () => {
  const { status } = loadNativeKernels();

  beforeAll(async () => {
    await setTestBackend('wasm');
    if (!status.enabled) console.warn(`\n*** NATIVE LOOPS NOT TESTED: ${status.detail} ***\n`);
  });

  it('are active exactly when the addon is', () => {
    expect(nativeElementwiseKernelsActive()).toBe(status.enabled);
  });

  const compare = (what: string[], onWasm: Float32Array[], onCpu: Float32Array[]) => {
    expect(onWasm.length).toBe(onCpu.length);
    onWasm.forEach((a, i) => {
      const err = relativeError(a, onCpu[i]);
      if (!(err <= 1e-4)) throw new Error(`${what[i] ?? `output ${i}`}: relative error ${err} > 1e-4`);
    });
  };

  it.each(NORM_SHAPES.flatMap((s) => (['instance', 'layer'] as const).map((w) => [w, s] as const)))('%s norm x=[%s]: y and dx', async (which, shape) => {
    await setTestBackend('wasm');
    const onWasm = normAndGrad(which, shape);
    await setTestBackend('cpu');
    const onCpu = normAndGrad(which, shape);
    await setTestBackend('wasm');
    compare(['y', 'dx'], onWasm, onCpu);
  });

  it.each([
    ['adam', 1000],
    ['adam', 100_003],
    ['sgd', 1000],
    ['sgd', 100_003],
  ] as const)('%s, %i weights, 3 steps: parameters and state', async (kind, size) => {
    await setTestBackend('wasm');
    const onWasm = updates(kind, size);
    await setTestBackend('cpu');
    const onCpu = updates(kind, size);
    await setTestBackend('wasm');
    compare(['parameter'], onWasm, onCpu);
  });
});

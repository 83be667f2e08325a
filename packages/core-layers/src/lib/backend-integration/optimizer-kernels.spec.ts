/**
 * The one-kernel Adam and SGD updates (a JS loop on cpu and wasm, the addon's
 * loop on native) against the same kernels composed from tfjs ops (what
 * tfjs-node registers, composed-kernels.ts in compute): several steps on
 * parameters with weight decay, momentum, Nesterov and per-step learning
 * rates give the same parameters and optimizer state. optimizer.spec.ts
 * checks both optimizers by hand and against PyTorch on top of this.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, lcgValues, setTestBackend, testBackends } from '../../testing';
import { Adam } from '../optim/adam';
import { Sgd } from '../optim/sgd';
import type { Optimizer } from '../optim/optimizer';
import { ADAM_UPDATE, SGD_UPDATE, composedKernelConfig, kernelImplementation } from '@semadapt/compute';

const SHAPES = { conv: [3, 3, 4, 5], bias: [5], big: [70_001] } as const;

/** Runs 4 steps with deterministic gradients; returns parameters and optimizer state as arrays. */
function run(make: (params: [string, { variable: tf.Variable; lrMultiplier: number; weightDecay: boolean }][]) => Optimizer) {
  const params = Object.entries(SHAPES).map(([name, shape], i) => {
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    return [name, { variable: tf.variable(tf.tensor(lcgValues(size, 7 + i), [...shape])), lrMultiplier: i === 1 ? 10 : 1, weightDecay: i !== 1 }] as [
      string,
      { variable: tf.Variable; lrMultiplier: number; weightDecay: boolean },
    ];
  });
  const opt = make(params);
  for (let s = 0; s < 4; s++) {
    const grads = new Map(params.map(([name, p], i) => [name, tf.tensor(lcgValues(p.variable.size, 100 + 10 * s + i), p.variable.shape)] as const));
    opt.step(grads);
    tf.dispose([...grads.values()]);
  }
  const state = opt.stateDict();
  const out = new Map<string, Float32Array>([...params.map(([n, p]) => [`param.${n}`, p.variable.dataSync() as Float32Array] as const)]);
  for (const [k, t] of state) if (t.dtype === 'float32') out.set(k, t.dataSync() as Float32Array);
  tf.dispose([...state.values()]);
  params.forEach(([, p]) => p.variable.dispose());
  return out;
}

/** Runs `fn` with the composed form of `kernelName` registered in place of the backend's kernel. */
function composedOf(kernelName: string, backend: string, fn: () => Map<string, Float32Array>): Map<string, Float32Array> {
  const config = tf.getKernel(kernelName, backend) as tf.KernelConfig;
  tf.unregisterKernel(kernelName, backend);
  tf.registerKernel(composedKernelConfig(kernelName, backend));
  try {
    return fn();
  } finally {
    tf.unregisterKernel(kernelName, backend);
    tf.registerKernel(config);
  }
}

const OPTIMIZERS: [string, string, (p: never) => Optimizer][] = [
  ['Adam betas (0.5, 0.999) wd 0.1', ADAM_UPDATE, (p) => new Adam(p, { lr: 1e-2, betas: [0.5, 0.999], weightDecay: 0.1 })],
  ['Adam betas (0, 0.9) poly', ADAM_UPDATE, (p) => new Adam(p, { lr: 2e-3, betas: [0, 0.9], schedule: { kind: 'poly', maxSteps: 10, power: 0.9 } })],
  ['SGD momentum 0.9 wd 5e-4', SGD_UPDATE, (p) => new Sgd(p, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 })],
  ['SGD Nesterov', SGD_UPDATE, (p) => new Sgd(p, { lr: 0.05, momentum: 0.8, nesterov: true })],
  ['SGD plain wd', SGD_UPDATE, (p) => new Sgd(p, { lr: 0.1, weightDecay: 1e-3 })],
];

describe.each(testBackends())('fused optimizer updates, on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('are registered, as a loop (not a composition)', () => {
    // The addon's loop on native (and on wasm where the addon loads), else ours in JS.
    const expected = backend === 'cpu' ? /^js$/ : backend === 'native' ? /^native$/ : /^(native|js)$/;
    expect(kernelImplementation(ADAM_UPDATE, backend)).toMatch(expected);
    expect(kernelImplementation(SGD_UPDATE, backend)).toMatch(expected);
  });

  it.each(OPTIMIZERS)('%s: 4 steps = the composed update (parameters and state)', (_name, kernel, make) => {
    const fused = run(make as never);
    const composed = composedOf(kernel, backend, () => run(make as never));
    expect([...fused.keys()].sort()).toEqual([...composed.keys()].sort());
    for (const [k, v] of fused) expectAllClose(v, composed.get(k) as Float32Array, { atol: 1e-6, rtol: 1e-4, label: k });
  });
});

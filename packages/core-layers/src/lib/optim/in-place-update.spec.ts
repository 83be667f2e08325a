/**
 * Adam and SGD ask the update kernels for an in-place update (the native
 * backend then writes into the parameter's and its moments' own arrays when
 * nothing else can see them). Whatever the backend does, tfjs semantics
 * hold: a clone of a parameter taken before a step keeps its values, an
 * array read with `dataSync` (a checkpoint being written) is not changed by
 * later steps, `stateDict` reads the new values, and no tensor leaks. The
 * expected values are PyTorch's update rules in float64 (as optimizer.spec.ts).
 * Parameters are large enough (16 KiB and up) to live in the native
 * backend's allocator blocks, the only arrays it updates in place.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, setTestBackend, testBackends } from '../../testing';
import { Module } from '../module/module';
import { Adam } from './adam';
import { Optimizer } from './optimizer';
import { Sgd } from './sgd';

const N = 96 * 64; // 24 KiB of float32

function series(n: number, seed: number, scale: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = scale * ((2 * s) / 2 ** 32 - 1);
  }
  return out;
}

class Big extends Module {
  readonly w: tf.Variable;
  constructor(init: Float64Array) {
    super();
    this.w = this.registerParameter('w', tf.tensor(Float32Array.from(init), [96, 64]));
  }
}

const GRADS = [1, 2, 3, 4, 5].map((k) => series(N, 100 + k, 0.5));
const LR = 0.05;
const WD = 0.01;

/** torch.optim.SGD (dampening 0) in float64: p and its momentum buffer after `steps` steps. */
function sgdReference(p0: Float64Array, steps: number, momentum: number): { p: Float64Array; b: Float64Array } {
  const p = Float64Array.from(p0);
  const b = new Float64Array(N);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < N; i++) {
      const d = GRADS[t][i] + WD * p[i];
      b[i] = t === 0 ? d : momentum * b[i] + d;
      p[i] -= LR * b[i];
    }
  }
  return { p, b };
}

/** torch.optim.Adam (coupled weight decay) in float64. */
function adamReference(p0: Float64Array, steps: number, b1: number, b2: number, eps: number): { p: Float64Array; m: Float64Array; v: Float64Array } {
  const p = Float64Array.from(p0);
  const m = new Float64Array(N);
  const v = new Float64Array(N);
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < N; i++) {
      const g = GRADS[t - 1][i] + WD * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mHat = m[i] / (1 - Math.pow(b1, t));
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
      p[i] -= (LR * mHat) / denom;
    }
  }
  return { p, m, v };
}

function step(opt: Optimizer, model: Big, t: number): void {
  const g = tf.tensor(Float32Array.from(GRADS[t]), [96, 64]);
  opt.step(new Map([['w', g]]));
  g.dispose();
}

const TOL = { rtol: 1e-5, atol: 1e-6 };

for (const backend of testBackends()) {
  describe(`in-place optimizer updates keep tfjs semantics on ${backend}`, () => {
    beforeAll(async () => {
      await setTestBackend(backend);
    });

    it('SGD (momentum): a clone and a dataSync array taken between steps keep their values; the parameter and stateDict follow PyTorch', () => {
      const init = series(N, 1, 1);
      const model = new Big(init);
      const sgd = new Sgd(model, { lr: LR, momentum: 0.9, weightDecay: WD });
      step(sgd, model, 0);
      step(sgd, model, 1);
      const clone = tf.clone(model.w);
      step(sgd, model, 2);
      expectAllClose(clone, sgdReference(init, 2, 0.9).p, { ...TOL, label: 'clone taken after step 2' });
      clone.dispose();
      const atThree = sgdReference(init, 3, 0.9);
      expectAllClose(model.w, atThree.p, { ...TOL, label: 'parameter after step 3' });
      const read = model.w.dataSync(); // the backend's own array on cpu and native
      step(sgd, model, 3);
      expectAllClose(read, atThree.p, { ...TOL, label: 'dataSync array read after step 3' });
      const ref = sgdReference(init, 4, 0.9);
      expectAllClose(model.w, ref.p, { ...TOL, label: 'parameter after step 4' });
      const state = sgd.stateDict();
      expectAllClose(state.get('momentum_buffer.w') as tf.Tensor, ref.b, { ...TOL, label: 'stateDict momentum after step 4' });
      tf.dispose([...state.values()]);
      sgd.dispose();
      model.dispose();
    });

    it('Adam: a clone of the parameter and a held stateDict keep their values across a step; results follow PyTorch', () => {
      const init = series(N, 2, 1);
      const model = new Big(init);
      const adam = new Adam(model, { lr: LR, betas: [0.5, 0.99], eps: 1e-8, weightDecay: WD });
      step(adam, model, 0);
      step(adam, model, 1);
      const clone = tf.clone(model.w);
      const held = adam.stateDict();
      const atTwo = adamReference(init, 2, 0.5, 0.99, 1e-8);
      step(adam, model, 2);
      expectAllClose(clone, atTwo.p, { ...TOL, label: 'clone taken after step 2' });
      expectAllClose(held.get('exp_avg.w') as tf.Tensor, atTwo.m, { ...TOL, label: 'stateDict exp_avg held from step 2' });
      expectAllClose(held.get('exp_avg_sq.w') as tf.Tensor, atTwo.v, { ...TOL, label: 'stateDict exp_avg_sq held from step 2' });
      tf.dispose([clone, ...held.values()]);
      step(adam, model, 3);
      const ref = adamReference(init, 4, 0.5, 0.99, 1e-8);
      expectAllClose(model.w, ref.p, { ...TOL, label: 'parameter after step 4' });
      const state = adam.stateDict();
      expectAllClose(state.get('exp_avg.w') as tf.Tensor, ref.m, { ...TOL, label: 'exp_avg after step 4' });
      expectAllClose(state.get('exp_avg_sq.w') as tf.Tensor, ref.v, { ...TOL, label: 'exp_avg_sq after step 4' });
      tf.dispose([...state.values()]);
      adam.dispose();
      model.dispose();
    });

    it('no tensor leak over steps (SGD with momentum and plain, Adam)', async () => {
      const model = new Big(series(N, 3, 1));
      const opts = [new Sgd(model, { lr: LR, momentum: 0.9, weightDecay: WD }), new Sgd(model, { lr: LR }), new Adam(model, { lr: LR })];
      for (const o of opts) step(o, model, 0);
      await expectNoTensorLeak(() => {
        for (let t = 1; t < 5; t++) for (const o of opts) step(o, model, t);
      }, 'optimizer steps');
      for (const o of opts) o.dispose();
      model.dispose();
    });

    if (backend === 'native') {
      it('native: updates the parameter and moments in place when nothing else holds them, and not while a clone does', () => {
        const model = new Big(series(N, 4, 1));
        const sgd = new Sgd(model, { lr: LR, momentum: 0.9 });
        const adam = new Adam(model, { lr: LR });
        // The first steps move the parameter out of the caller's array into the backend's own blocks.
        step(sgd, model, 0);
        step(adam, model, 1);
        for (const [opt, t] of [[sgd, 2], [adam, 3]] as const) {
          const before = model.w.dataId;
          step(opt, model, t);
          expect(model.w.dataId).toBe(before); // in place
          const clone = tf.clone(model.w);
          step(opt, model, t + 1);
          expect(model.w.dataId).not.toBe(before); // a clone shares the data: new arrays
          expect(clone.dataId).toBe(before);
          clone.dispose();
        }
        sgd.dispose();
        adam.dispose();
        model.dispose();
      });
    }
  });
}

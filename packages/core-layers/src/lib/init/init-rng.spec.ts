/**
 * No process-wide random stream: a module built without `rng` draws from a
 * new stream seeded DEFAULT_INIT_SEED, so what the process built or drew
 * before never changes its weights, and it equals the module built with an
 * explicit `new Rng(DEFAULT_INIT_SEED)`. A block shares one stream among its
 * layers (SPADE's gamma and beta convolutions do not start equal).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '@semadapt/compute/testing';
import { Conv2d } from '../layers/conv2d';
import { Spade } from '../layers/spade';
import { DEFAULT_INIT_SEED, initRng } from './initializers';
import { Rng } from './rng';

const values = (m: { parameters(): tf.Variable[] }): number[][] => m.parameters().map((p) => Array.from(p.dataSync()));

describe('initial weights without a given stream', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('conv k=3 in=4 out=8: the same weights before and after other modules were built, equal to rng = new Rng(DEFAULT_INIT_SEED)', () => {
    const opts = { inChannels: 4, outChannels: 8, kernelSize: 3 };
    const first = new Conv2d(opts);
    const other = new Conv2d({ inChannels: 16, outChannels: 16, kernelSize: 5 });
    initRng().uniform();
    const second = new Conv2d(opts);
    const explicit = new Conv2d({ ...opts, rng: new Rng(DEFAULT_INIT_SEED) });
    expect(values(second)).toEqual(values(first));
    expect(values(explicit)).toEqual(values(first));
    const seeded = new Conv2d({ ...opts, rng: new Rng(DEFAULT_INIT_SEED + 1) });
    expect(values(seeded)[0]).not.toEqual(values(first)[0]);
    [first, other, second, explicit, seeded].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(0);
  });

  it('initRng returns the given stream itself, else a fresh one at DEFAULT_INIT_SEED', () => {
    const given = new Rng(7);
    expect(initRng(given)).toBe(given);
    const a = initRng();
    const b = initRng();
    expect(a).not.toBe(b);
    expect(a.state()).toEqual(new Rng(DEFAULT_INIT_SEED).state());
  });

  it('SPADE channels=4 labels=3 hidden=8: gamma and beta come from one shared stream, so they differ', () => {
    const spade = new Spade({ channels: 4, labelChannels: 3, hidden: 8 });
    const [gamma, beta] = [values(spade.gamma), values(spade.beta)];
    expect(gamma[0]).not.toEqual(beta[0]);
    spade.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });
});

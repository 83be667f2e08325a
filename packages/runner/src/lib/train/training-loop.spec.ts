/**
 * The resumable loop's contract, with a small trainer whose whole state is
 * plain numbers (weights, momentum, schedule step, RNG state, data position),
 * so "same as uninterrupted" can be checked exactly: a run that crashes
 * mid-way and is resumed ends with the same weights and the same loss log;
 * NaN stops with the last good checkpoint; an interrupt saves; the best
 * checkpoint by validation score is kept beside the latest.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng, RngState } from '@semadapt/core-layers';
import { RunDir } from '../run/run-dir';
import { readJsonIfExists } from '../run/atomic';
import { InterruptedError, setInterruptRequested } from './interrupt';
import { NonFiniteLossError, runTraining, TrainTask } from './training-loop';

interface State { rng: RngState; pos: number }

/** SGD with momentum and a poly schedule fitting w·x = y on a fixed data set; noise from an Rng. */
function makeTask(total: number, hooks: { failAt?: number; nanAt?: number; interruptAt?: number } = {}): TrainTask<State> & { w: number[] } {
  const data = Array.from({ length: 7 }, (_, i) => ({ x: [1, i / 7, (i * i) / 49], y: 2 - i / 3 }));
  let w = [0, 0, 0];
  let m = [0, 0, 0];
  let t = 0;
  let rng = new Rng(42);
  let pos = 0;
  const task = {
    totalSteps: total,
    get w() {
      return w;
    },
    async step(step: number) {
      if (hooks.failAt === step) throw new Error('simulated crash');
      if (hooks.interruptAt === step) setInterruptRequested(true);
      const d = data[pos % data.length];
      pos++;
      const noise = 0.01 * rng.normal();
      const pred = w.reduce((s, wi, i) => s + wi * d.x[i], 0);
      const err = pred - d.y + noise;
      const lr = 0.3 * Math.pow(1 - t / total, 0.9);
      m = m.map((mi, i) => 0.9 * mi + err * d.x[i]);
      w = w.map((wi, i) => wi - lr * m[i]);
      t++;
      return { loss: hooks.nanAt === step ? NaN : err * err, lr };
    },
    async save(dir: string) {
      fs.writeFileSync(path.join(dir, 'trainer.json'), JSON.stringify({ w, m, t }));
    },
    async load(dir: string) {
      const s = JSON.parse(fs.readFileSync(path.join(dir, 'trainer.json'), 'utf8'));
      w = s.w;
      m = s.m;
      t = s.t;
    },
    loopState: () => ({ rng: rng.state(), pos }),
    restoreLoopState(s: State) {
      rng = Rng.fromState(s.rng);
      pos = s.pos;
    },
  };
  return task;
}

function tmpRun(): RunDir {
  const run = new RunDir(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-loop-')));
  run.echo = () => undefined;
  return run;
}

const opts = { stage: 'round0/train-source' as const, checkpointEvery: 4, progress: 'none' as const };

describe('runTraining', () => {
  afterEach(() => setInterruptRequested(false));

  it('crash at step 11 (checkpoint every 4) + resume = uninterrupted run: same weights and loss log, exactly', async () => {
    const a = tmpRun();
    const ta = makeTask(20);
    await runTraining(a, ta, opts);

    const b = tmpRun();
    await expect(runTraining(b, makeTask(20, { failAt: 11 }), opts)).rejects.toThrow('simulated crash');
    expect(readJsonIfExists<{ step: number }>(b.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(8);
    const tb = makeTask(20);
    const r = await runTraining(b, tb, opts);
    expect(r.resumedFrom).toBe(8);
    for (let i = 0; i < 3; i++) expect(Math.abs(tb.w[i] - ta.w[i])).toBeLessThanOrEqual(1e-12);
    const losses = (run: RunDir) => run.metrics().map((m) => [m.step, m.values['loss'], m.values['lr']]);
    expect(losses(b)).toEqual(losses(a));
    expect(losses(a)).toHaveLength(20);
  });

  it('NaN loss at step 6 stops with a clear message and keeps the step-4 checkpoint', async () => {
    const run = tmpRun();
    const err = await runTraining(run, makeTask(20, { nanAt: 5 }), opts).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.message).toMatch(/non-finite loss in round0\/train-source at step 6: loss=NaN.*last good checkpoint is kept at .*latest/);
    expect(readJsonIfExists<{ step: number }>(run.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(4);
  });

  it('an interrupt after step 3 saves a checkpoint at step 3 and throws InterruptedError', async () => {
    const run = tmpRun();
    const err = await runTraining(run, makeTask(20, { interruptAt: 2 }), opts).catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(readJsonIfExists<{ step: number }>(run.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(3);
  });

  it('keeps the best checkpoint by validation score beside the latest (scores 0.2, 0.5, 0.3 at steps 5, 10, 15)', async () => {
    const run = tmpRun();
    const scores = [0.2, 0.5, 0.3, 0.1];
    let calls = 0;
    const r = await runTraining(run, makeTask(15), { ...opts, evalEvery: 5, evaluate: async () => ({ score: scores[calls++], values: { miou19: scores[calls - 1] } }) });
    expect(calls).toBe(3);
    expect(r.bestScore).toBe(0.5);
    expect(r.bestStep).toBe(10);
    expect(readJsonIfExists<{ step: number }>(path.join(r.best as string, 'loop.json'))?.step).toBe(10);
    expect(readJsonIfExists<{ step: number }>(path.join(r.latest, 'loop.json'))?.step).toBe(15);
    expect(run.metrics().filter((m) => m.kind === 'eval').map((m) => m.step)).toEqual([5, 10, 15]);
  });
});

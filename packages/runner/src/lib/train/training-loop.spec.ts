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
import { makeSgdTask } from '../../testing/sgd-task';
import { RunDir } from '../run/run-dir';
import { readJsonIfExists } from '../run/atomic';
import { InterruptedError, setInterruptRequested } from './interrupt';
import { NonFiniteLossError, runTraining } from './training-loop';

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
    const ta = makeSgdTask(20);
    await runTraining(a, ta, opts);

    const b = tmpRun();
    await expect(runTraining(b, makeSgdTask(20, { failAt: 11 }), opts)).rejects.toThrow('simulated crash');
    expect(readJsonIfExists<{ step: number }>(b.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(8);
    const tb = makeSgdTask(20);
    const r = await runTraining(b, tb, opts);
    expect(r.resumedFrom).toBe(8);
    for (let i = 0; i < 3; i++) expect(Math.abs(tb.w[i] - ta.w[i])).toBeLessThanOrEqual(1e-12);
    const losses = (run: RunDir) => run.metrics().map((m) => [m.step, m.values['loss'], m.values['lr']]);
    expect(losses(b)).toEqual(losses(a));
    expect(losses(a)).toHaveLength(20);
  });

  it('NaN loss at step 6 stops with a clear message and keeps the step-4 checkpoint', async () => {
    const run = tmpRun();
    const err = await runTraining(run, makeSgdTask(20, { nanAt: 5 }), opts).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.message).toMatch(/non-finite loss in round0\/train-source at step 6: loss=NaN.*last good checkpoint is kept at .*latest/);
    expect(readJsonIfExists<{ step: number }>(run.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(4);
  });

  it('an interrupt after step 3 saves a checkpoint at step 3 and throws InterruptedError', async () => {
    const run = tmpRun();
    const err = await runTraining(run, makeSgdTask(20, { interruptAt: 2 }), opts).catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(readJsonIfExists<{ step: number }>(run.path('checkpoints/round0/train-source/latest/loop.json'))?.step).toBe(3);
  });

  it('keeps the best checkpoint by validation score beside the latest (scores 0.2, 0.5, 0.3 at steps 5, 10, 15)', async () => {
    const run = tmpRun();
    const scores = [0.2, 0.5, 0.3, 0.1];
    let calls = 0;
    const r = await runTraining(run, makeSgdTask(15), { ...opts, evalEvery: 5, evaluate: async () => ({ score: scores[calls++], values: { miou19: scores[calls - 1] } }) });
    expect(calls).toBe(3);
    expect(r.bestScore).toBe(0.5);
    expect(r.bestStep).toBe(10);
    expect(readJsonIfExists<{ step: number }>(path.join(r.best as string, 'loop.json'))?.step).toBe(10);
    expect(readJsonIfExists<{ step: number }>(path.join(r.latest, 'loop.json'))?.step).toBe(15);
    expect(run.metrics().filter((m) => m.kind === 'eval').map((m) => m.step)).toEqual([5, 10, 15]);
  });
});

/**
 * Crash consistency of the training loop, exhaustively and in-process: a
 * crash is simulated at every file-system call a run makes under its
 * checkpoints/ folder (every call in the run directory, metrics and log
 * included, with SEMADAPT_FAULT_FULL=1) — before or after it; a recursive delete crashes after removing
 * one file, as a kill half-way through would), then at every call of the
 * resume's first checkpoint save (double faults); after each, a clean rerun
 * must end with exactly the weights, loss log, evaluation log and best
 * checkpoint of an uninterrupted run, with no staging, `.old` or trash folder
 * left. The trainer is a small SGD whose whole state is plain numbers, with a
 * deterministic evaluation, so "the same" is exact. The real CLI is killed
 * with SIGKILL in fault-injection.spec.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeSafetensors } from '@semadapt/core-layers';
import * as tf from '@tensorflow/tfjs-core';
import { RunDir } from '../run/run-dir';
import type { StageId } from '../run/stage-id';
import { makeSgdTask, SGD_TASK_DATA } from '../../testing/sgd-task';
import { NonFiniteLossError, runTraining, TrainTask } from './training-loop';

const TOTAL = 8;
const data = SGD_TASK_DATA;
const makeTask = () => makeSgdTask(TOTAL, { metaFile: true });

/** Mean squared error of w on the data: a deterministic validation score (higher is better). */
function evaluator(task: { w: number[] }) {
  return async () => {
    const mse = data.reduce((s, d) => s + (task.w.reduce((a, wi, i) => a + wi * d.x[i], 0) - d.y) ** 2, 0) / data.length;
    // Not monotone in the step: a rounded, wobbling score so that some later evaluations are not a new best.
    const score = Math.round(1000 * (1 / (1 + mse)) * (1 + 0.05 * Math.sin(task.w[1] * 50))) / 1000;
    return { score, values: { score } };
  };
}

class Crash extends Error {}

/**
 * Makes the `n`-th mutating fs call under `root` crash (before or after it);
 * after the crash every further mutating call under `root` crashes too, as
 * nothing runs after a kill. Returns the count of calls seen and an undo.
 */
function injectFault(root: string, n: number, when: 'before' | 'after'): { calls: () => number; restore: () => void } {
  const names = ['renameSync', 'rmSync', 'mkdirSync', 'cpSync', 'openSync', 'writeSync', 'fsyncSync', 'closeSync', 'writeFileSync', 'appendFileSync'] as const;
  // The module object itself (the `import * as` namespace has read-only getters onto it).
  const fsAny = require('fs') as Record<string, (...a: unknown[]) => unknown>;
  const orig = Object.fromEntries(names.map((k) => [k, fsAny[k]]));
  // CI: calls under checkpoints/ (every save, recovery and best copy); SEMADAPT_FAULT_FULL=1: every call in the run
  // directory, metrics and log appends included.
  const scope = process.env['SEMADAPT_FAULT_FULL'] === '1' ? root : path.join(root, 'checkpoints');
  let count = 0;
  let dead = false;
  const fds = new Set<unknown>();
  const ours = (name: string, args: unknown[]): boolean => {
    if (name === 'writeSync' || name === 'fsyncSync' || name === 'closeSync') return fds.has(args[0]);
    if (name === 'openSync' && !/[wa+]/.test(String(args[1] ?? 'r'))) return false;
    return typeof args[0] === 'string' && path.resolve(args[0]).startsWith(scope);
  };
  for (const name of names) {
    fsAny[name] = (...args: unknown[]) => {
      if (!ours(name, args)) return orig[name](...args);
      if (dead) throw new Crash('dead');
      // This call's own number: calls it makes itself (writeFileSync opens, writes, closes) are counted after it.
      const mine = ++count;
      if (mine === n && when === 'before') {
        dead = true;
        // A recursive delete killed half-way: one file gone.
        if (name === 'rmSync' && fs.existsSync(args[0] as string) && fs.statSync(args[0] as string).isDirectory()) {
          const first = firstFile(args[0] as string);
          if (first) orig['rmSync'](first);
        }
        throw new Crash(`crash before ${name} #${n}`);
      }
      // fsync only matters for power loss, not for a killed process: skipped here (it is most of the time).
      const r = name === 'fsyncSync' ? undefined : orig[name](...args);
      if (name === 'openSync') fds.add(r);
      if (name === 'closeSync') fds.delete(args[0]);
      if (mine === n && when === 'after') {
        dead = true;
        throw new Crash(`crash after ${name} #${n}`);
      }
      return r;
    };
  }
  return { calls: () => count, restore: () => names.forEach((k) => (fsAny[k] = orig[k])) };
}

function firstFile(dir: string): string | undefined {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isFile()) return p;
    const inner = firstFile(p);
    if (inner) return inner;
  }
  return undefined;
}

const STAGE: StageId = 'round0/train-source';
// Saves at 2, 4 (evaluated), 6, 8 (evaluated): a first save, replacing saves, best copies, re-evaluations.
const opts = { stage: STAGE, checkpointEvery: 2, evalEvery: 4, progress: 'none' as const };

function tmpRun(): RunDir {
  const run = new RunDir(fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-loop-faults-')));
  run.echo = () => undefined;
  return run;
}

/** One run of the loop on `run`, optionally crashing at call `fault`; returns the task, or undefined when it crashed. */
async function attempt(run: RunDir, fault?: { n: number; when: 'before' | 'after' }): Promise<{ task: ReturnType<typeof makeTask>; calls: number } | undefined> {
  const task = makeTask();
  const inj = fault ? injectFault(run.root, fault.n, fault.when) : undefined;
  try {
    await runTraining(run, task, { ...opts, evaluate: evaluator(task) });
    return { task, calls: inj?.calls() ?? 0 };
  } catch (e) {
    if (e instanceof Crash || (e instanceof Error && /dead|crash (before|after)/.test(e.message))) return undefined;
    throw e;
  } finally {
    inj?.restore();
    run.close();
  }
}

interface Outcome { w: number[]; train: unknown[]; evals: unknown[]; best: unknown }

function outcome(run: RunDir, task: { w: number[] }): Outcome {
  const ck = run.checkpointDir(STAGE, 'best');
  return {
    w: task.w,
    train: run.metrics().filter((r) => r.kind === 'train').map((r) => [r.step, r.values]),
    evals: run.metrics().filter((r) => r.kind === 'eval').map((r) => [r.step, r.values]),
    best: [JSON.parse(fs.readFileSync(path.join(ck, 'eval.json'), 'utf8')).step, JSON.parse(fs.readFileSync(path.join(ck, 'trainer.json'), 'utf8')).w],
  };
}

function leftovers(run: RunDir): string[] {
  const dir = path.dirname(run.checkpointDir(STAGE, 'latest'));
  return fs.readdirSync(dir).filter((n) => !['latest', 'best'].includes(n));
}

describe('training loop crash consistency (every fs call, single and double faults)', () => {
  let reference: Outcome;
  let totalCalls = 0;
  beforeAll(async () => {
    const run = tmpRun();
    const r = await attempt(run, { n: Number.MAX_SAFE_INTEGER, when: 'before' });
    if (!r) throw new Error('the reference run crashed');
    totalCalls = r.calls;
    reference = outcome(run, r.task);
    fs.rmSync(run.root, { recursive: true, force: true });
  });

  it('a crash before or after any single fs call, then a rerun, ends exactly as the uninterrupted run', async () => {
    expect(totalCalls).toBeGreaterThan(40);
    const failures: string[] = [];
    for (let n = 1; n <= totalCalls; n++) {
      for (const when of ['before', 'after'] as const) {
        const run = tmpRun();
        try {
          const first = await attempt(run, { n, when });
          if (first !== undefined) {
            // A run may make fewer calls than the reference (which counted its first-use setup too).
            if (first.calls < n) continue;
            failures.push(`${when} #${n}: no crash (the run made ${first.calls} calls)`);
            continue;
          }
          const r = await attempt(run).catch((e: Error) => e);
          if (r instanceof Error || r === undefined) failures.push(`${when} #${n}: rerun failed: ${r instanceof Error ? r.message : 'crashed'}`);
          else {
            const o = outcome(run, r.task);
            if (JSON.stringify(o) !== JSON.stringify(reference)) failures.push(`${when} #${n}: differs from the uninterrupted run`);
            if (leftovers(run).length) failures.push(`${when} #${n}: left ${leftovers(run).join(', ')}`);
          }
        } finally {
          fs.rmSync(run.root, { recursive: true, force: true });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('double faults: a second crash at each of the resume’s first 8 fs calls, then a rerun, ends exactly as the uninterrupted run', async () => {
    const failures: string[] = [];
    // First crashes spread over the run (every 11th call; every one with SEMADAPT_FAULT_FULL=1), second ones early
    // in the resume (recovery, re-evaluation, first save).
    for (let n = 1; n <= totalCalls; n += process.env['SEMADAPT_FAULT_FULL'] === '1' ? 1 : 11) {
      for (let m = 1; m <= 8; m++) {
        const when = (n + m) % 2 === 0 ? 'before' : 'after';
        const run = tmpRun();
        try {
          await attempt(run, { n, when });
          await attempt(run, { n: m, when: when === 'before' ? 'after' : 'before' });
          const r = await attempt(run).catch((e: Error) => e);
          if (r instanceof Error || r === undefined) failures.push(`#${n} then #${m}: rerun failed: ${r instanceof Error ? r.message : 'crashed'}`);
          else if (JSON.stringify(outcome(run, r.task)) !== JSON.stringify(reference)) failures.push(`#${n} then #${m}: differs from the uninterrupted run`);
          else if (leftovers(run).length) failures.push(`#${n} then #${m}: left ${leftovers(run).join(', ')}`);
        } finally {
          fs.rmSync(run.root, { recursive: true, force: true });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a checkpoint whose weights hold NaN/Inf (finite loss) is never kept: the last good one stays, the error names file and tensors', async () => {
    const run = tmpRun();
    let step = 0;
    const task: TrainTask<null> = {
      totalSteps: 10,
      async step() {
        step++;
        return { loss: 1 };
      },
      async save(dir) {
        // Weights blow up after step 5 while the reported loss stays finite (a diverged update).
        const w = tf.tensor1d([1, step > 5 ? Infinity : 2, step > 5 ? NaN : 3]);
        await writeSafetensors(path.join(dir, 'model.safetensors'), new Map([['net.w', w], ['net.b', tf.tensor1d([0])]]));
        w.dispose();
      },
      async load() {
        /* not resumed here */
      },
      loopState: () => null,
      restoreLoopState() {
        /* nothing */
      },
    };
    const err = await runTraining(run, task, { stage: STAGE, checkpointEvery: 2, progress: 'none' }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(err.message).toMatch(/non-finite values in round0\/train-source at step 6: 2 in model\.safetensors \(net\.w\).*last good checkpoint is kept at \S*latest/);
    expect(JSON.parse(fs.readFileSync(path.join(run.checkpointDir(STAGE, 'latest'), 'loop.json'), 'utf8')).step).toBe(4);
    expect(leftovers(run)).toEqual([]);
    fs.rmSync(run.root, { recursive: true, force: true });
  });
});

/**
 * Test helper: a small trainer for the training loop's specs whose whole
 * state is plain numbers (weights, momentum, schedule step, RNG state, data
 * position), so "the same as an uninterrupted run" can be checked exactly:
 * SGD with momentum 0.9 and a poly schedule (lr 0.3, power 0.9) fitting
 * w·x = y on a fixed data set, with N(0, 0.01²) noise from an `Rng`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng, type RngState } from '@semadapt/core-layers';
import { setInterruptRequested } from '../lib/train/interrupt';
import type { TrainTask } from '../lib/train/training-loop';

/** The loop state the task hands the loop to checkpoint: its RNG and data position. */
export interface SgdTaskState {
  rng: RngState;
  pos: number;
}

/** The fixed data set: x = [1, i/7, i²/49], y = 2 − i/3 for i = 0 … 6. */
export const SGD_TASK_DATA = Array.from({ length: 7 }, (_, i) => ({ x: [1, i / 7, (i * i) / 49], y: 2 - i / 3 }));

export interface SgdTaskOptions {
  /** Throw 'simulated crash' at this step. */
  failAt?: number;
  /** Report a NaN loss at this step. */
  nanAt?: number;
  /** Request an interrupt (as SIGINT does) at this step. */
  interruptAt?: number;
  /** Save a second file (meta.json) beside trainer.json. */
  metaFile?: boolean;
}

/** The task, `totalSteps` long; `w` reads its current weights. */
export function makeSgdTask(totalSteps: number, options: SgdTaskOptions = {}): TrainTask<SgdTaskState> & { w: number[] } {
  const data = SGD_TASK_DATA;
  let w = [0, 0, 0];
  let m = [0, 0, 0];
  let t = 0;
  let rng = new Rng(42);
  let pos = 0;
  return {
    totalSteps,
    get w() {
      return w;
    },
    async step(step: number) {
      if (options.failAt === step) throw new Error('simulated crash');
      if (options.interruptAt === step) setInterruptRequested(true);
      const d = data[pos % data.length];
      pos++;
      const noise = 0.01 * rng.normal();
      const pred = w.reduce((s, wi, i) => s + wi * d.x[i], 0);
      const err = pred - d.y + noise;
      const lr = 0.3 * Math.pow(1 - t / totalSteps, 0.9);
      m = m.map((mi, i) => 0.9 * mi + err * d.x[i]);
      w = w.map((wi, i) => wi - lr * m[i]);
      t++;
      return { loss: options.nanAt === step ? NaN : err * err, lr };
    },
    async save(dir: string) {
      fs.writeFileSync(path.join(dir, 'trainer.json'), JSON.stringify({ w, m, t }));
      if (options.metaFile) fs.writeFileSync(path.join(dir, 'meta.json'), '{}');
    },
    async load(dir: string) {
      const s = JSON.parse(fs.readFileSync(path.join(dir, 'trainer.json'), 'utf8'));
      w = s.w;
      m = s.m;
      t = s.t;
    },
    loopState: () => ({ rng: rng.state(), pos }),
    restoreLoopState(s: SgdTaskState) {
      rng = Rng.fromState(s.rng);
      pos = s.pos;
    },
  };
}

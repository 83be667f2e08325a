/**
 * The resumable training loop every training stage runs through (issue 9
 * §3). The trainer (from @semadapt/segmenter or @semadapt/translator) owns
 * networks, optimizers and schedules (STYLE §7); this loop owns the rest of
 * what a resume needs — the step counter, the data position and the RNG state
 * — plus checkpoint cadence, the loss log, NaN/Inf guarding, Ctrl-C, and the
 * best checkpoint by validation score.
 *
 * Checkpoint layout: `checkpoints/<stage>/latest/` holds the trainer's files
 * and `loop.json`; it is replaced atomically (see `replaceDirAtomic`), so a
 * SIGKILL at any moment leaves one complete checkpoint. `best/` is a copy of
 * `latest/` at the best evaluation so far, with `eval.json`.
 */
import * as fs from 'fs';
import { readJsonIfExists, replaceDirAtomic, resolveDirAtomic, writeJsonAtomic } from '../run/atomic';
import { RunDir } from '../run/run-dir';
import { InterruptedError, interruptRequested } from './interrupt';
import { ProgressMode, startProgress } from './progress';

/** A trainer the loop can drive: one step per call, state saved to a folder. */
export interface TrainTask<S = unknown> {
  /** Total number of steps of the stage. */
  totalSteps: number;
  /** Runs step `step` (0-based) and returns its named losses. */
  step(step: number): Promise<Record<string, number>>;
  /** Writes the complete trainer state (weights, buffers, optimizer moments, schedule step) into `dir`. */
  save(dir: string): Promise<void>;
  /** Restores what `save` wrote. */
  load(dir: string): Promise<void>;
  /** Loop-side state that is not in the trainer: RNG state, data position. JSON. */
  loopState(): S;
  restoreLoopState(state: S): void;
}

/** Validation hook for best-checkpoint selection. */
export interface Evaluator {
  /** Returns the selection score (higher is better) and values to log. */
  (step: number): Promise<{ score: number; values: Record<string, number>; perClass?: number[] }>;
}

export interface LoopOptions {
  stage: string;
  checkpointEvery: number;
  metricsEvery?: number;
  /** Steps between evaluations (0 = only at the end, when `evaluate` is given). */
  evalEvery?: number;
  evaluate?: Evaluator;
  progress?: ProgressMode;
  plainEverySeconds?: number;
}

/** What a finished training stage reports. */
export interface TrainResult {
  steps: number;
  latest: string;
  best?: string;
  bestScore?: number;
  bestStep?: number;
  finalScore?: number;
  resumedFrom: number;
}

interface LoopFile<S> {
  step: number;
  state: S;
  bestScore?: number;
  bestStep?: number;
  savedAt: string;
}

export class NonFiniteLossError extends Error {
  constructor(readonly stage: string, readonly stepNumber: number, readonly losses: Record<string, number>, readonly checkpoint: string | undefined) {
    const bad = Object.entries(losses).filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `${k}=${v}`).join(', ');
    super(
      `non-finite loss in ${stage} at step ${stepNumber}: ${bad}. Training stopped; ` +
        (checkpoint ? `the last good checkpoint is kept at ${checkpoint}` : 'no checkpoint had been written yet') +
        '. Lower the learning rate or check the data, then rerun to resume from it.',
    );
    this.name = 'NonFiniteLossError';
  }
}

async function saveCheckpoint<S>(run: RunDir, stage: string, task: TrainTask<S>, file: Omit<LoopFile<S>, 'state' | 'savedAt'>): Promise<string> {
  const target = run.checkpointDir(stage, 'latest');
  const staging = `${target}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  await task.save(staging);
  writeJsonAtomic(`${staging}/loop.json`, { ...file, state: task.loopState(), savedAt: new Date().toISOString() });
  replaceDirAtomic(staging, target);
  return target;
}

function copyToBest(run: RunDir, stage: string, evalInfo: unknown): string {
  const latest = run.checkpointDir(stage, 'latest');
  const best = run.checkpointDir(stage, 'best');
  const staging = `${best}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.cpSync(latest, staging, { recursive: true });
  writeJsonAtomic(`${staging}/eval.json`, evalInfo);
  replaceDirAtomic(staging, best);
  return best;
}

/**
 * Runs (or resumes) a training stage to `task.totalSteps`. Resuming restores
 * the trainer and loop state from `latest/` and drops loss records after the
 * checkpoint, so the final weights and loss log equal an uninterrupted run.
 */
export async function runTraining<S>(run: RunDir, task: TrainTask<S>, opts: LoopOptions): Promise<TrainResult> {
  const { stage } = opts;
  const metricsEvery = opts.metricsEvery ?? 1;
  const latestName = run.checkpointDir(stage, 'latest');
  // A staging folder left by a killed save is garbage.
  fs.rmSync(`${latestName}.staging-${process.pid}`, { recursive: true, force: true });
  let start = 0;
  let bestScore: number | undefined;
  let bestStep: number | undefined;
  const found = resolveDirAtomic(latestName);
  if (found) {
    const loop = readJsonIfExists<LoopFile<S>>(`${found}/loop.json`);
    if (!loop) throw new Error(`checkpoint ${found} has no loop.json; delete it to start ${stage} over`);
    await task.load(found);
    task.restoreLoopState(loop.state);
    start = loop.step;
    bestScore = loop.bestScore;
    bestStep = loop.bestStep;
    run.log(`[${stage}] resuming from step ${start} (${found})`);
  }
  run.truncateMetrics(stage, start);

  let lastGood: string | undefined = found ? latestName : undefined;
  let finalScore: number | undefined;
  const progress = startProgress({
    label: stage,
    total: task.totalSteps,
    start,
    mode: opts.progress ?? 'auto',
    log: (l) => run.log(l),
    plainEverySeconds: opts.plainEverySeconds,
  });
  const evaluateNow = async (step: number): Promise<void> => {
    if (!opts.evaluate) return;
    const ev = await opts.evaluate(step);
    finalScore = ev.score;
    run.metric({ stage, kind: 'eval', step, values: ev.values, perClass: ev.perClass });
    run.log(`[${stage}] eval at step ${step}: score ${(100 * ev.score).toFixed(2)}`);
    if (bestScore === undefined || ev.score > bestScore) {
      bestScore = ev.score;
      bestStep = step;
      // Record the new best in latest/loop.json (saved just before this evaluation), then copy it.
      const loopFile = `${latestName}/loop.json`;
      const loop = readJsonIfExists<LoopFile<S>>(loopFile);
      if (loop) writeJsonAtomic(loopFile, { ...loop, bestScore, bestStep });
      copyToBest(run, stage, { step, ...ev });
    }
  };
  try {
    for (let step = start; step < task.totalSteps; step++) {
      // Yield to the event loop once per step: a step may be all synchronous
      // compute, and signal handlers (Ctrl-C) only run between macrotasks.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const values = await task.step(step);
      const done = step + 1;
      if (Object.values(values).some((v) => !Number.isFinite(v))) {
        progress.stop();
        run.metric({ stage, kind: 'train', step: done, values });
        throw new NonFiniteLossError(stage, done, values, lastGood);
      }
      if (done % metricsEvery === 0 || done === task.totalSteps) run.metric({ stage, kind: 'train', step: done, values });
      progress.update(done, values);
      const isEval = opts.evaluate && ((opts.evalEvery ?? 0) > 0 && done % (opts.evalEvery ?? 0) === 0 || done === task.totalSteps);
      if (isEval) {
        // Checkpoint first, so `best/` is a copy of a complete latest.
        await saveCheckpoint(run, stage, task, { step: done, bestScore, bestStep });
        lastGood = latestName;
        await evaluateNow(done);
      } else if (done % opts.checkpointEvery === 0 || done === task.totalSteps || interruptRequested()) {
        await saveCheckpoint(run, stage, task, { step: done, bestScore, bestStep });
        lastGood = latestName;
      }
      if (interruptRequested() && done < task.totalSteps) {
        progress.stop();
        throw new InterruptedError(stage, done);
      }
    }
  } finally {
    progress.stop();
  }
  if (found && start >= task.totalSteps) {
    // Finished before the kill but the stage marker was not written: reuse the last eval.
    finalScore = bestScore;
  }
  return {
    steps: task.totalSteps,
    latest: latestName,
    best: bestScore !== undefined ? run.checkpointDir(stage, 'best') : undefined,
    bestScore,
    bestStep,
    finalScore,
    resumedFrom: start,
  };
}

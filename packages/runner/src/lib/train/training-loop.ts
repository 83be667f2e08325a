/**
 * The resumable training loop every training stage runs through (issue 9
 * §3). The trainer (from @semadapt/segmenter or @semadapt/translator) owns
 * networks, optimizers and schedules (STYLE §7); this loop owns the rest of
 * what a resume needs — the step counter, the data position and the RNG state
 * — plus checkpoint cadence, the loss log, NaN/Inf guarding, Ctrl-C, and the
 * best checkpoint by validation score.
 *
 * Checkpoint layout: `checkpoints/<stage>/latest/` holds the trainer's files
 * and `loop.json` (written last: a folder without it is incomplete); it is
 * replaced atomically (see `replaceDirAtomic`), so a SIGKILL at any moment
 * leaves one complete checkpoint, which a resume recovers (`recoverDirAtomic`:
 * `latest`, `latest.old` or a complete `latest.staging-<pid>`, whichever is
 * newest; the rest is deleted). A checkpoint holding a non-finite value is
 * never kept. At an evaluation step the checkpoint is saved first, then
 * evaluated; `latest/eval.json` (written last) marks the evaluation done, so a
 * resume from that step reruns it when it is missing. `best/` is a copy of
 * `latest/` at the best evaluation so far, with `eval.json` — the best score is
 * read from there, never recorded ahead of the copy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors } from '@semadapt/core-layers';
import { readJsonIfExists, recoverDirAtomic, replaceDirAtomic, writeJsonAtomic } from '../run/atomic';
import { RunDir } from '../run/run-dir';
import type { StageId } from '../run/stage-id';
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
  stage: StageId;
  checkpointEvery: number;
  metricsEvery?: number;
  /** Steps between evaluations (0 = only at the end, when `evaluate` is given). */
  evalEvery?: number;
  evaluate?: Evaluator;
  progress?: ProgressMode;
  plainEverySeconds?: number;
  /**
   * The data sets the stage reads (name → file count and a fingerprint of
   * the file list and sizes, as in the run manifest), stored in `loop.json`;
   * a resume refuses a checkpoint made on other data.
   */
  data?: Record<string, DataFingerprint>;
}

/** What identifies a data set's contents for a resume check. */
export interface DataFingerprint {
  files: number;
  fingerprint: string;
  root?: string;
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
  /** Best evaluation before this step (informational: `best/eval.json` is what a resume reads). */
  bestScore?: number;
  bestStep?: number;
  data?: Record<string, DataFingerprint>;
  savedAt: string;
}

/** `eval.json` of `latest/` (evaluation of that checkpoint done) and of `best/`. */
interface EvalFile {
  step: number;
  score: number;
  values: Record<string, number>;
  perClass?: number[];
}

export class NonFiniteLossError extends Error {
  constructor(readonly stage: StageId, readonly stepNumber: number, readonly losses: Record<string, number>, readonly checkpoint: string | undefined) {
    const bad = Object.entries(losses).filter(([, v]) => !Number.isFinite(v)).map(([k, v]) => `${k}=${v}`).join(', ');
    super(
      `non-finite loss in ${stage} at step ${stepNumber}: ${bad}. Training stopped; ` +
        (checkpoint ? `the last good checkpoint is kept at ${checkpoint}` : 'no checkpoint had been written yet') +
        '. Lower the learning rate or check the data, then rerun to resume from it.',
    );
    this.name = 'NonFiniteLossError';
  }
}

/** The weights or optimizer state about to be checkpointed hold NaN/Inf (a diverged update with a finite loss). */
export class NonFiniteStateError extends NonFiniteLossError {
  constructor(stage: StageId, stepNumber: number, readonly file: string, readonly tensors: string[], readonly count: number, checkpoint: string | undefined) {
    super(stage, stepNumber, {}, checkpoint);
    this.message =
      `non-finite values in ${stage} at step ${stepNumber}: ${count} in ${file} (${tensors.slice(0, 5).join(', ')}${tensors.length > 5 ? ', …' : ''}). ` +
      'That state was not saved; ' +
      (checkpoint ? `the last good checkpoint is kept at ${checkpoint}` : 'no checkpoint had been written yet') +
      '. Lower the learning rate or check the data, then rerun to resume from it.';
    this.name = 'NonFiniteStateError';
  }
}

/** Every `.safetensors` file under `dir`. */
function safetensorsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...safetensorsFiles(full));
    else if (e.name.endsWith('.safetensors')) out.push(full);
  }
  return out;
}

/** The first file under `dir` with non-finite float values: its name, the offending tensors and the count. */
async function findNonFinite(dir: string): Promise<{ file: string; tensors: string[]; count: number } | undefined> {
  for (const file of safetensorsFiles(dir)) {
    const { tensors } = await readSafetensors(file);
    const bad: string[] = [];
    let count = 0;
    for (const [name, t] of tensors) {
      if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) continue;
      let n = 0;
      for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i])) n++;
      if (n > 0) {
        bad.push(name);
        count += n;
      }
    }
    if (count > 0) return { file, tensors: bad, count };
  }
  return undefined;
}

async function saveCheckpoint<S>(run: RunDir, stage: StageId, task: TrainTask<S>, file: Omit<LoopFile<S>, 'state' | 'savedAt'>, lastGood: string | undefined): Promise<string> {
  const target = run.checkpointDir(stage, 'latest');
  const staging = `${target}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  await task.save(staging);
  // A diverged update can leave NaN/Inf in the weights while the loss it reported was finite: never keep that.
  const bad = await findNonFinite(staging);
  if (bad) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new NonFiniteStateError(stage, file.step, path.relative(staging, bad.file), bad.tensors, bad.count, lastGood);
  }
  writeJsonAtomic(`${staging}/loop.json`, { ...file, state: task.loopState(), savedAt: new Date().toISOString() });
  replaceDirAtomic(staging, target);
  return target;
}

/** The step of a complete checkpoint folder (its loop.json), else undefined. */
function checkpointStep(dir: string): number | undefined {
  try {
    const step = readJsonIfExists<LoopFile<unknown>>(path.join(dir, 'loop.json'))?.step;
    return Number.isSafeInteger(step) ? step : undefined;
  } catch {
    return undefined;
  }
}

function readEval(dir: string): EvalFile | undefined {
  try {
    const ev = readJsonIfExists<EvalFile>(path.join(dir, 'eval.json'));
    return ev !== undefined && Number.isSafeInteger(ev.step) && typeof ev.score === 'number' ? ev : undefined;
  } catch {
    return undefined;
  }
}

/** A resume on other data than the checkpoint's would silently mix two data sets: refuse it. */
export class DataChangedError extends Error {
  constructor(readonly stage: StageId, readonly checkpoint: string, changes: string[]) {
    super(
      `the data changed since checkpoint ${checkpoint} of ${stage} was written: ${changes.join('; ')}. ` +
        'Restore the data set it was trained on, or start over in a new --run-dir.',
    );
    this.name = 'DataChangedError';
  }
}

function checkData(stage: StageId, checkpoint: string, saved: Record<string, DataFingerprint> | undefined, now: Record<string, DataFingerprint> | undefined): void {
  if (!saved || !now) return;
  const changes: string[] = [];
  for (const [name, b] of Object.entries(saved)) {
    const a = now[name];
    // Compared by name, not root: the same files moved to another root are the same data.
    if (!a) changes.push(`${name} (${b.root ?? '?'}) is no longer used`);
    else if (a.fingerprint !== b.fingerprint) {
      changes.push(`${name} at ${a.root ?? '?'} had ${b.files} files, now ${a.files} (fingerprint ${b.fingerprint.slice(0, 12)} ≠ ${a.fingerprint.slice(0, 12)})`);
    }
  }
  if (changes.length) throw new DataChangedError(stage, checkpoint, changes);
}

/** Removes `stage`'s evaluation record at `step` from metrics.jsonl (that evaluation runs again). */
function dropEvalRecord(run: RunDir, stage: string, step: number): void {
  run.filterMetrics((r) => !(r.stage === stage && r.kind === 'eval' && r.step === step));
}

function copyToBest(run: RunDir, stage: string, evalInfo: EvalFile): string {
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
  const bestName = run.checkpointDir(stage, 'best');
  const evalEvery = opts.evalEvery ?? 0;
  const isEvalStep = (done: number): boolean => opts.evaluate !== undefined && ((evalEvery > 0 && done % evalEvery === 0) || done === task.totalSteps);
  // The newest complete checkpoint becomes latest/; staging folders of killed saves are deleted.
  const found = recoverDirAtomic(latestName, checkpointStep);
  const foundBest = recoverDirAtomic(bestName, (d) => readEval(d)?.step);
  let start = 0;
  let bestScore: number | undefined;
  let bestStep: number | undefined;
  let finalScore: number | undefined;
  let evalPending = false;
  if (found) {
    const loop = readJsonIfExists<LoopFile<S>>(`${found}/loop.json`) as LoopFile<S>;
    checkData(stage, found, loop.data, opts.data);
    await task.load(found);
    task.restoreLoopState(loop.state);
    start = loop.step;
    const best = foundBest ? readEval(foundBest) : undefined;
    if (best && best.step <= start) {
      bestScore = best.score;
      bestStep = best.step;
    }
    const done = readEval(found);
    if (isEvalStep(start)) {
      if (done?.step === start) finalScore = done.score;
      else evalPending = true;
    }
    run.log(`[${stage}] resuming from step ${start} (${found})${evalPending ? `; its evaluation did not finish and runs again` : ''}`);
  }
  // Records after the checkpoint are produced again (and the evaluation at it, when it reruns).
  run.truncateMetrics(stage, start);
  if (evalPending) dropEvalRecord(run, stage, start);

  let lastGood: string | undefined = found;
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
    const record: EvalFile = { step, score: ev.score, values: ev.values, perClass: ev.perClass };
    finalScore = ev.score;
    run.metric({ stage, kind: 'eval', step, values: ev.values, perClass: ev.perClass });
    run.log(`[${stage}] eval at step ${step}: score ${(100 * ev.score).toFixed(2)}`);
    if (bestScore === undefined || ev.score > bestScore) {
      // best/ (with its eval.json) is complete before anything says it holds this step.
      copyToBest(run, stage, record);
      bestScore = ev.score;
      bestStep = step;
    }
    // Marks this checkpoint's evaluation done (a resume from it does not rerun it).
    writeJsonAtomic(path.join(latestName, 'eval.json'), record);
  };
  try {
    if (evalPending) await evaluateNow(start);
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
      if (isEvalStep(done)) {
        // Checkpoint first, so `best/` is a copy of a complete latest.
        await saveCheckpoint(run, stage, task, { step: done, bestScore, bestStep, data: opts.data }, lastGood);
        lastGood = latestName;
        await evaluateNow(done);
      } else if (done % opts.checkpointEvery === 0 || done === task.totalSteps || interruptRequested()) {
        await saveCheckpoint(run, stage, task, { step: done, bestScore, bestStep, data: opts.data }, lastGood);
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

/**
 * Stage markers (SPEC §4: "each step is resumable and its outputs are
 * files"). A stage — `round0/train-source`, `round1/translate`, … — runs
 * once; when it ends, a marker `stages/<stage>.json` records its result. A
 * rerun of the same command skips stages that have a marker and resumes the
 * first one without, from its own checkpoint. Markers are written atomically
 * and only after the stage's outputs are complete.
 */
import * as fs from 'fs';
import { readJsonIfExists, writeJsonAtomic } from './atomic';
import { RunDir } from './run-dir';
import { StageId, stageFileName } from './stage-id';

/** A completed stage's marker. */
export interface StageMarker<R> {
  stage: StageId;
  finishedAt: string;
  seconds: number;
  result: R;
}

export function markerFile(run: RunDir, stage: StageId): string {
  return run.path('stages', `${stageFileName(stage)}.json`);
}

/** The marker of `stage`, if it has completed. */
export function stageResult<R>(run: RunDir, stage: StageId): StageMarker<R> | undefined {
  return readJsonIfExists<StageMarker<R>>(markerFile(run, stage));
}

/** Removes a stage's marker (to force it to run again). */
export function clearStage(run: RunDir, stage: StageId): void {
  fs.rmSync(markerFile(run, stage), { force: true });
}

/**
 * Runs `fn` unless `stage` already completed; returns its (recorded) result.
 */
export async function runStage<R>(run: RunDir, stage: StageId, fn: () => Promise<R>): Promise<R> {
  const done = stageResult<R>(run, stage);
  if (done) {
    run.log(`[${stage}] already complete (${done.finishedAt}); skipping`);
    return done.result;
  }
  run.log(`[${stage}] start`);
  const t0 = Date.now();
  const result = await fn();
  const seconds = (Date.now() - t0) / 1000;
  writeJsonAtomic(markerFile(run, stage), { stage, finishedAt: new Date().toISOString(), seconds, result } satisfies StageMarker<R>);
  run.log(`[${stage}] done in ${seconds.toFixed(1)} s`);
  return result;
}

/**
 * Stage ids: `round<k>/<step>` for the steps of adaptation round k (round 0 is
 * source-only training and its evaluation), `oracle/<step>` for the oracle,
 * `adapt` for the whole loop (its marker holds the loop's result) and
 * `evaluate` for a standalone evaluation (its shards' folder). One
 * place builds them, reads the round back, and turns them into file and
 * folder names (a `/` becomes `__`: `stages/round1__evaluate.json`).
 */

/** A stage id; the step is free text (`train-segmenter`, `evaluate`, …). */
export type StageId = `round${number}/${string}` | `oracle/${string}` | 'adapt' | 'evaluate';

const STAGE_ID = /^(round\d+|oracle)\/.+$|^(adapt|evaluate)$/;

/** Whether `s` is a stage id (`round<k>/<step>`, `oracle/<step>`, `adapt` or `evaluate`). */
export function isStageId(s: string): s is StageId {
  return STAGE_ID.test(s);
}

/** `s` as a stage id; throws naming `what` (a flag, a file) and the value when it is not one. */
export function parseStageId(s: string, what: string): StageId {
  if (!isStageId(s)) throw new RangeError(`${what}: expected a stage id (round<k>/<step>, oracle/<step>, adapt or evaluate), received '${s}'`);
  return s;
}

/** The id of `step` in adaptation round `round`. */
export function roundStage(round: number, step: string): StageId {
  if (!Number.isInteger(round) || round < 0) throw new RangeError(`roundStage: round must be an integer ≥ 0, got ${round}`);
  return `round${round}/${step}`;
}

/** The round of a `round<k>/…` stage id; undefined for any other id. */
export function stageRound(stage: string): number | undefined {
  const m = /^round(\d+)\//.exec(stage);
  return m ? Number(m[1]) : undefined;
}

/** The stage id as one path segment (marker files, output folders): `/` → `__`. */
export function stageFileName(stage: StageId): string {
  return stage.replace(/\//g, '__');
}

/** Inverse of {@link stageFileName}. */
export function stageFromFileName(name: string): string {
  return name.replace(/__/g, '/');
}

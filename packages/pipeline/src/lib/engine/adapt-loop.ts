/**
 * The bidirectional learning loop of SPEC §4, as resumable stages:
 *
 * ```
 * round0/train-source → round0/evaluate                       (S₀, the lower bound)
 * round k ≥ 1: train-translator (S_{k−1} frozen as guidance; from round k−1's
 *              translator when optimization.translatorWarmStart)
 *              → export-onnx (translator s→t, S_{k−1})
 *              → translate (whole source train set s→t, onnxruntime)
 *              → fid-is (with metrics.inception: FID/IS of the translated set;
 *                round 0's stage scores the untranslated source)
 *              → pseudo-label (target train, S_{k−1}, onnxruntime; from round
 *                optimization.pseudoLabelsFromRound on)
 *              → train-segmenter (S_k from S_{k−1}: translated source + pseudo-labels
 *                (or unlabelled target before that round) + adversarial)
 *              → evaluate (target val)
 * ```
 *
 * Each segmenter stage hands on its last checkpoint, or its best one by
 * target-val mIoU (`optimization.select`); every round reports both. Stops
 * when the selected mean (`optimization.selectBy`) of the checkpoint handed
 * on has not improved for more than `patience` rounds, after at least
 * `minRounds` and at most `maxRounds`. Every stage writes a marker when done (see `runStage`), so a
 * rerun after SIGKILL skips finished stages and resumes the interrupted one
 * from its checkpoint.
 */
import { EvalResult } from '../report/build-report';
import { RunConfig } from '../config/run-config';
import { RunDir, runStage, StageId, TrainResult } from '@semadapt/runner';
import type { TranslationQuality } from './adapt-summary';

/** The stage implementations the loop composes (see `engine/stages.ts`). */
export interface AdaptStages {
  trainSource(stage: StageId): Promise<TrainResult>;
  /** `init`: a translator checkpoint to start from (warm start), else fresh weights. */
  trainTranslator(stage: StageId, round: number, guidance: string, init?: string): Promise<TrainResult>;
  exportOnnx(stage: StageId, round: number, segmenter: string, translator: string): Promise<{ segmenter: string; translator: string }>;
  translate(stage: StageId, round: number, translatorOnnx: string, segmenterOnnx: string): Promise<{ images: number; dir: string }>;
  pseudoLabel(stage: StageId, round: number, segmenterOnnx: string): Promise<{ images: number; dir: string; keptFraction: number }>;
  /** `pseudoLabels`: train on the round's pseudo-labels, else on unlabelled target images (adversarial term only). */
  trainSegmenter(stage: StageId, round: number, init: string, pseudoLabels: boolean): Promise<TrainResult>;
  evaluate(stage: StageId, segmenter: string): Promise<EvalResult>;
  /** FID/IS of round k's translated source set (k = 0: the untranslated source) against target train (`metrics.inception`). */
  translationQuality?(stage: StageId, round: number): Promise<TranslationQuality>;
}

/** Which checkpoint of a segmenter stage is handed on (`optimization.select`). */
export type Selection = RunConfig['optimization']['select'];

/** Target-val mIoUs of one checkpoint of a stage and the step it was taken at. */
export interface CheckpointScore {
  step: number;
  miou19: number;
  miou16: number;
  miou13: number;
}

/** One line of the adapt summary (also `result.json`'s `rounds[]`). */
export interface RoundSummary {
  round: number;
  /** The checkpoint handed on (used by the next round and for stopping). */
  segmenter: string;
  used: 'last' | 'best';
  /** Target-val means of the checkpoint handed on. */
  miou19: number;
  miou16: number;
  miou13: number;
  /** `optimization.selectBy` of it. */
  selected: number;
  /** The stage's last checkpoint and its best by target val (null when never evaluated). */
  last: CheckpointScore | null;
  best: CheckpointScore | null;
  /** With `metrics.inception`: FID and IS of the round's translated source set (round 0: untranslated). */
  fid?: number;
  is?: { mean: number; std: number };
}

export interface AdaptResult {
  select: Selection;
  rounds: RoundSummary[];
  bestRound: number;
  bestSegmenter: string;
  stoppedBecause: string;
}

/** Picks the checkpoint a training stage hands on: its best by validation, else its latest (translators: no validation, so latest). */
export function handOff(r: TrainResult): string {
  return r.best ?? r.latest;
}

/**
 * The checkpoint a segmenter stage hands on: `last` (BDL and the paper: the
 * final snapshot; target val only stops the loop) or `best-on-target-val`
 * (the best evaluation on the reported set — model selection on it).
 */
export function selectedSegmenter(r: TrainResult, select: Selection): string {
  return select === 'last' ? r.latest : (r.best ?? r.latest);
}

/**
 * The last and best checkpoints' scores of training stage `stage`, from its
 * evaluations in metrics.jsonl (the loop evaluates at `evalEvery` and at the
 * end), with `used` (the evaluate stage's full result) filling its own slot.
 */
export function checkpointScores(run: RunDir, stage: StageId, r: TrainResult, used: { which: 'last' | 'best'; eval: EvalResult }): { last: CheckpointScore | null; best: CheckpointScore | null } {
  const evals = new Map<number, Record<string, number>>();
  for (const m of run.metrics()) if (m.kind === 'eval' && m.stage === stage) evals.set(m.step, m.values);
  const at = (step: number | undefined): CheckpointScore | null => {
    const v = step === undefined ? undefined : evals.get(step);
    return v && step !== undefined ? { step, miou19: v['miou19'], miou16: v['miou16'], miou13: v['miou13'] } : null;
  };
  const own = (step: number): CheckpointScore => ({ step, miou19: used.eval.miou19, miou16: used.eval.miou16, miou13: used.eval.miou13 });
  const last = used.which === 'last' ? own(r.steps) : at(r.steps);
  const best = r.best === undefined ? null : used.which === 'best' ? own(r.bestStep ?? r.steps) : at(r.bestStep);
  return { last, best };
}

/** Whether round k's segmenter trains on pseudo-labels (`optimization.pseudoLabelsFromRound`). */
export function usesPseudoLabels(config: RunConfig, round: number): boolean {
  return round >= config.optimization.pseudoLabelsFromRound;
}

export async function runAdapt(run: RunDir, config: RunConfig, stages: AdaptStages): Promise<AdaptResult> {
  const opt = config.optimization;
  const sel = opt.selectBy;
  const summary = (round: number, stage: StageId, r: TrainResult, e: EvalResult): RoundSummary => {
    const segmenter = selectedSegmenter(r, opt.select);
    const used = segmenter === r.latest ? 'last' : 'best';
    return { round, segmenter, used, miou19: e.miou19, miou16: e.miou16, miou13: e.miou13, selected: e[sel], ...checkpointScores(run, stage, r, { which: used, eval: e }) };
  };

  const s0 = await runStage(run, 'round0/train-source', () => stages.trainSource('round0/train-source'));
  let segmenter = selectedSegmenter(s0, opt.select);
  const e0 = await runStage(run, 'round0/evaluate', () => stages.evaluate('round0/evaluate', segmenter));
  const rounds: RoundSummary[] = [summary(0, 'round0/train-source', s0, e0)];
  // Paper Table 4: translation quality per round, and of the untranslated source as the baseline.
  const quality = async (k: number, row: RoundSummary): Promise<void> => {
    if (!config.metrics.inception || !stages.translationQuality) return;
    const measure = stages.translationQuality.bind(stages);
    const q = await runStage(run, `round${k}/fid-is`, () => measure(`round${k}/fid-is`, k));
    row.fid = q.fid;
    row.is = q.is;
  };
  await quality(0, rounds[0]);
  let best = rounds[0];
  let sinceBest = 0;
  let stoppedBecause = `reached maxRounds ${opt.maxRounds}`;

  let translator: string | undefined;
  for (let k = 1; k <= opt.maxRounds; k++) {
    const r = `round${k}` as const;
    const init = opt.translatorWarmStart ? translator : undefined;
    const tr = await runStage(run, `${r}/train-translator`, () => stages.trainTranslator(`${r}/train-translator`, k, segmenter, init));
    translator = handOff(tr);
    const onnx = await runStage(run, `${r}/export-onnx`, () => stages.exportOnnx(`${r}/export-onnx`, k, segmenter, handOff(tr)));
    await runStage(run, `${r}/translate`, () => stages.translate(`${r}/translate`, k, onnx.translator, onnx.segmenter));
    const pseudoLabels = usesPseudoLabels(config, k);
    if (pseudoLabels) await runStage(run, `${r}/pseudo-label`, () => stages.pseudoLabel(`${r}/pseudo-label`, k, onnx.segmenter));
    const sk = await runStage(run, `${r}/train-segmenter`, () => stages.trainSegmenter(`${r}/train-segmenter`, k, segmenter, pseudoLabels));
    const next = selectedSegmenter(sk, opt.select);
    const ek = await runStage(run, `${r}/evaluate`, () => stages.evaluate(`${r}/evaluate`, next));
    const row = summary(k, `${r}/train-segmenter`, sk, ek);
    await quality(k, row);
    rounds.push(row);
    segmenter = next;
    if (row.selected > best.selected) {
      best = row;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    run.log(`[adapt] round ${k}: ${sel} ${(100 * row.selected).toFixed(2)} (best ${(100 * best.selected).toFixed(2)} at round ${best.round})`);
    if (k >= opt.minRounds && sinceBest > opt.patience) {
      stoppedBecause = `${sel} did not improve for ${sinceBest} round(s) (patience ${opt.patience})`;
      break;
    }
  }
  return { select: opt.select, rounds, bestRound: best.round, bestSegmenter: best.segmenter, stoppedBecause };
}

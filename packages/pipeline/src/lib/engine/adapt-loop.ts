/**
 * The bidirectional learning loop of SPEC §4, as resumable stages:
 *
 * ```
 * round0/train-source → round0/evaluate                       (S₀, the lower bound)
 * round k ≥ 1: train-translator (S_{k−1} frozen as guidance; from round k−1's
 *              translator when optimization.translatorWarmStart)
 *              → export-onnx (translator s→t, S_{k−1})
 *              → translate (whole source train set s→t, onnxruntime)
 *              → pseudo-label (target train, S_{k−1}, onnxruntime; from round
 *                optimization.pseudoLabelsFromRound on)
 *              → train-segmenter (S_k from S_{k−1}: translated source + pseudo-labels
 *                (or unlabelled target before that round) + adversarial)
 *              → evaluate (target val)
 * ```
 *
 * Stops when the selected mean (`optimization.selectBy`) has not improved
 * for more than `patience` rounds, after at least `minRounds` and at most
 * `maxRounds`. Every stage writes a marker when done (see `runStage`), so a
 * rerun after SIGKILL skips finished stages and resumes the interrupted one
 * from its checkpoint.
 */
import { EvalResult } from '../report/build-report';
import { RunConfig } from '../config/run-config';
import { RunDir } from '../run/run-dir';
import { runStage } from '../run/stages';
import { TrainResult } from '../train/training-loop';

/** The stage implementations the loop composes (see `engine/stages.ts`). */
export interface AdaptStages {
  trainSource(stage: string): Promise<TrainResult>;
  /** `init`: a translator checkpoint to start from (warm start), else fresh weights. */
  trainTranslator(stage: string, round: number, guidance: string, init?: string): Promise<TrainResult>;
  exportOnnx(stage: string, round: number, segmenter: string, translator: string): Promise<{ segmenter: string; translator: string }>;
  translate(stage: string, round: number, translatorOnnx: string, segmenterOnnx: string): Promise<{ images: number; dir: string }>;
  pseudoLabel(stage: string, round: number, segmenterOnnx: string): Promise<{ images: number; dir: string; keptFraction: number }>;
  /** `pseudoLabels`: train on the round's pseudo-labels, else on unlabelled target images (adversarial term only). */
  trainSegmenter(stage: string, round: number, init: string, pseudoLabels: boolean): Promise<TrainResult>;
  evaluate(stage: string, segmenter: string): Promise<EvalResult>;
}

/** One line of the adapt summary. */
export interface RoundSummary {
  round: number;
  segmenter: string;
  miou19: number;
  miou16: number;
  miou13: number;
  selected: number;
}

export interface AdaptResult {
  rounds: RoundSummary[];
  bestRound: number;
  bestSegmenter: string;
  stoppedBecause: string;
}

/** Picks the checkpoint a training stage hands on: its best by validation, else its latest. */
export function handOff(r: TrainResult): string {
  return r.best ?? r.latest;
}

/** Whether round k's segmenter trains on pseudo-labels (`optimization.pseudoLabelsFromRound`). */
export function usesPseudoLabels(config: RunConfig, round: number): boolean {
  return round >= config.optimization.pseudoLabelsFromRound;
}

export async function runAdapt(run: RunDir, config: RunConfig, stages: AdaptStages): Promise<AdaptResult> {
  const opt = config.optimization;
  const sel = opt.selectBy;
  const summary = (round: number, segmenter: string, e: EvalResult): RoundSummary => ({
    round, segmenter, miou19: e.miou19, miou16: e.miou16, miou13: e.miou13, selected: e[sel],
  });

  const s0 = await runStage(run, 'round0/train-source', () => stages.trainSource('round0/train-source'));
  let segmenter = handOff(s0);
  const e0 = await runStage(run, 'round0/evaluate', () => stages.evaluate('round0/evaluate', segmenter));
  const rounds: RoundSummary[] = [summary(0, segmenter, e0)];
  let best = rounds[0];
  let sinceBest = 0;
  let stoppedBecause = `reached maxRounds ${opt.maxRounds}`;

  let translator: string | undefined;
  for (let k = 1; k <= opt.maxRounds; k++) {
    const r = `round${k}`;
    const init = opt.translatorWarmStart ? translator : undefined;
    const tr = await runStage(run, `${r}/train-translator`, () => stages.trainTranslator(`${r}/train-translator`, k, segmenter, init));
    translator = handOff(tr);
    const onnx = await runStage(run, `${r}/export-onnx`, () => stages.exportOnnx(`${r}/export-onnx`, k, segmenter, handOff(tr)));
    await runStage(run, `${r}/translate`, () => stages.translate(`${r}/translate`, k, onnx.translator, onnx.segmenter));
    const pseudoLabels = usesPseudoLabels(config, k);
    if (pseudoLabels) await runStage(run, `${r}/pseudo-label`, () => stages.pseudoLabel(`${r}/pseudo-label`, k, onnx.segmenter));
    const sk = await runStage(run, `${r}/train-segmenter`, () => stages.trainSegmenter(`${r}/train-segmenter`, k, segmenter, pseudoLabels));
    const next = handOff(sk);
    const ek = await runStage(run, `${r}/evaluate`, () => stages.evaluate(`${r}/evaluate`, next));
    const row = summary(k, next, ek);
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
  return { rounds, bestRound: best.round, bestSegmenter: best.segmenter, stoppedBecause };
}

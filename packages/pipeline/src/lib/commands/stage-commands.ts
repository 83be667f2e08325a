/**
 * The run commands: each opens the run directory (validating the config
 * first), opens the datasets, and runs one stage of SPEC §4 — or, for
 * `adapt`, all of them — through `runStage`, so a finished stage is never
 * redone and an interrupted one resumes from its checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatMiouTable } from '@semadapt/segmenter';
import { evaluationRecord, writeEvaluationRecord } from '../report/evaluation-record';
import { parseStageId, roundStage, stageFileName, runStage, stageResult, TrainResult } from '@semadapt/runner';
import { writeReport, EvalResult } from '../report/build-report';
import { AdaptResult, handOff, runAdapt, selectedSegmenter, usesPseudoLabels } from '../engine/adapt-loop';
import { formatAdaptTable, writeRunResult } from '../engine/adapt-summary';
import { Datasets, openDatasets } from '../engine/datasets';
import { Engine, resolveShard } from '../engine/stages';
import { withInitChecked } from './init-check';
import { deepMerge } from '../config/run-config';
import { ConfigError, openRun, RunArgs } from './context';
import { OnnxInputSpec } from '../engine/onnx-evaluator';

async function engineFor(command: string, argv: Record<string, unknown>, opts: { needsTf?: boolean } = {}): Promise<Engine> {
  // The data sets are opened (their layouts checked) before the run directory is written.
  let data: Datasets | undefined;
  const ctx = await openRun(command, argv as RunArgs, { ...opts, beforeOpen: (config, log) => (data = openDatasets(config, log)) });
  return new Engine(ctx, data as Datasets, resolveShard(argv['shard']));
}

function round(argv: Record<string, unknown>): number {
  const k = Number(argv['round'] ?? 1);
  if (!Number.isInteger(k) || k < 1) throw new Error(`--round must be an integer ≥ 1, received ${argv['round']}`);
  return k;
}

/** The segmenter handed on by round k (0 = source-only), from its stage marker. */
function segmenterOfRound(e: Engine, k: number): string {
  const stage = k === 0 ? roundStage(0, 'train-source') : roundStage(k, 'train-segmenter');
  const m = stageResult<TrainResult>(e.run, stage);
  if (!m) throw new Error(`stage ${stage} has not completed in ${e.run.root}; run ${k === 0 ? 'train-source' : `train-segmenter --round ${k}`} first`);
  return selectedSegmenter(m.result, e.config.optimization.select);
}

function translatorOfRound(e: Engine, k: number): string {
  const m = stageResult<TrainResult>(e.run, `round${k}/train-translator`);
  if (!m) throw new Error(`round${k}/train-translator has not completed in ${e.run.root}; optimization.translatorWarmStart starts round ${k + 1} from it (run train-translator --round ${k} first)`);
  return handOff(m.result);
}

function onnxOfRound(e: Engine, k: number): { segmenter: string; translator: string } {
  const m = stageResult<{ segmenter: string; translator: string }>(e.run, `round${k}/export-onnx`);
  if (!m) throw new Error(`round${k}/export-onnx has not completed; run 'semadapt export-onnx --round ${k}' first`);
  return m.result;
}

function finishReport(e: Engine): void {
  const file = writeReport(e.run);
  e.run.log(`report: ${file}`);
}

export async function trainSource(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('train-source', withInitChecked(argv));
  const r = await runStage<TrainResult>(e.run, 'round0/train-source', () => e.trainSource('round0/train-source'));
  await runStage(e.run, 'round0/evaluate', () => e.evaluate('round0/evaluate', selectedSegmenter(r, e.config.optimization.select)));
  finishReport(e);
  return 0;
}

export async function trainOracle(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('train-oracle', withInitChecked(argv));
  const r = await runStage<TrainResult>(e.run, 'oracle/train', () => e.trainOracle('oracle/train'));
  await runStage(e.run, 'oracle/evaluate', () => e.evaluate('oracle/evaluate', selectedSegmenter(r, e.config.optimization.select)));
  finishReport(e);
  return 0;
}

export async function trainTranslator(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('train-translator', argv);
  const k = round(argv);
  const guidance = segmenterOfRound(e, k - 1);
  const init = e.config.optimization.translatorWarmStart && k > 1 ? translatorOfRound(e, k - 1) : undefined;
  await runStage(e.run, `round${k}/train-translator`, () => e.trainTranslator(`round${k}/train-translator`, k, guidance, init));
  return 0;
}

export async function exportOnnx(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('export-onnx', argv);
  const k = round(argv);
  const segmenter = typeof argv['checkpoint'] === 'string' ? (argv['checkpoint'] as string) : segmenterOfRound(e, k - 1);
  const tr = stageResult<TrainResult>(e.run, `round${k}/train-translator`);
  if (typeof argv['out'] === 'string' || !tr) {
    // An explicit folder, or no translator yet: export what exists, outside the stage bookkeeping.
    const out = typeof argv['out'] === 'string' ? (argv['out'] as string) : e.onnxDir(k);
    fs.mkdirSync(out, { recursive: true });
    const { exportSegmenterOnnx } = await import('../engine/segmenter-stage');
    const { exportTranslatorOnnx } = await import('../engine/translator-stage');
    const files: Record<string, string> = { segmenter: await exportSegmenterOnnx(e.ctx, segmenter, path.join(out, 'segmenter.onnx')) };
    if (tr) Object.assign(files, await exportTranslatorOnnx(e.ctx, handOff(tr.result), out));
    else e.run.log(`export-onnx: round${k}/train-translator has not completed; exported the segmenter only`);
    console.log(JSON.stringify(files, null, 2));
    return 0;
  }
  const r = await runStage(e.run, `round${k}/export-onnx`, () => e.exportOnnx(`round${k}/export-onnx`, k, segmenter, handOff(tr.result)));
  console.log(JSON.stringify(r, null, 2));
  return 0;
}

export async function translate(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('translate', argv);
  const k = round(argv);
  const onnx = onnxOfRound(e, k);
  const stage = roundStage(k, 'translate');
  if (e.shard.worldSize > 1) await e.translate(stage, k, onnx.translator, onnx.segmenter);
  else await runStage(e.run, stage, () => e.translate(stage, k, onnx.translator, onnx.segmenter));
  return 0;
}

export async function pseudoLabel(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('pseudo-label', argv);
  const k = round(argv);
  const onnx = onnxOfRound(e, k);
  const stage = roundStage(k, 'pseudo-label');
  if (!usesPseudoLabels(e.config, k)) {
    e.run.log(`pseudo-label: round ${k} trains without pseudo-labels (optimization.pseudoLabelsFromRound ${e.config.optimization.pseudoLabelsFromRound}); these will not be used`);
  }
  if (e.shard.worldSize > 1) await e.pseudoLabel(stage, k, onnx.segmenter);
  else await runStage(e.run, stage, () => e.pseudoLabel(stage, k, onnx.segmenter));
  return 0;
}

export async function trainSegmenter(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('train-segmenter', argv);
  const k = round(argv);
  const pseudoLabels = usesPseudoLabels(e.config, k);
  for (const s of pseudoLabels ? ['translate', 'pseudo-label'] : ['translate']) {
    if (!stageResult(e.run, `round${k}/${s}`)) throw new Error(`round${k}/${s} has not completed (or its shards were not merged); run it first`);
  }
  const init = segmenterOfRound(e, k - 1);
  const r = await runStage<TrainResult>(e.run, `round${k}/train-segmenter`, () => e.trainSegmenter(`round${k}/train-segmenter`, k, init, pseudoLabels));
  await runStage(e.run, `round${k}/evaluate`, () => e.evaluate(`round${k}/evaluate`, selectedSegmenter(r, e.config.optimization.select)));
  finishReport(e);
  return 0;
}

/**
 * `merge <stage>`: after a job array ran a stage in shards, checks every
 * shard's output exists and marks the stage complete (evaluate: sums the
 * confusion matrices).
 */
export async function merge(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('merge', argv, { needsTf: false });
  const k = round(argv);
  const what = argv['stage'] as string;
  if (what === 'evaluate') {
    const n = Number(argv['shards'] ?? e.shard.worldSize);
    const stage = typeof argv['evalStage'] === 'string' ? parseStageId(argv['evalStage'], '--eval-stage') : 'evaluate';
    const r = e.mergeEvaluation(stage, n);
    console.log(`result: ${writeEvaluationRecord(e.run, evaluationRecord(r, { model: `${n} shards of ${stage}`, split: 'val' }), stageFileName(stage))}`);
    return 0;
  }
  const ds = what === 'translate' ? e.data.sourceTrain : e.data.targetTrain;
  const dir = what === 'translate' ? e.translatedDir(k) : e.pseudoDir(k);
  const { pngName } = await import('../engine/inference');
  const missing: string[] = [];
  for (let i = 0; i < ds.length; i++) if (!fs.existsSync(path.join(dir, pngName(ds.name(i))))) missing.push(ds.name(i));
  if (missing.length) {
    console.error(`merge ${what}: ${missing.length} of ${ds.length} outputs missing in ${dir}, e.g. ${missing.slice(0, 5).join(', ')}; rerun the shards that own them`);
    return 1;
  }
  await runStage(e.run, `round${k}/${what}`, async () => ({ images: ds.length, dir, merged: true }));
  return 0;
}

export async function adapt(argv: Record<string, unknown>): Promise<number> {
  // `--inception FILE` is `--metrics.inception FILE`: FID/IS of each round's translations.
  const args = typeof argv['inception'] === 'string' ? deepMerge(argv, { metrics: { inception: argv['inception'] } }) : argv;
  const e = await engineFor('adapt', withInitChecked(args));
  const r = await runStage<AdaptResult>(e.run, 'adapt', () => runAdapt(e.run, e.config, e));
  printAdaptTable(e, r);
  e.run.log(`result: ${writeRunResult(e.run, r, e.config.optimization.selectBy)}`);
  finishReport(e);
  return 0;
}

export function printAdaptTable(e: Engine, r: AdaptResult, oracle?: EvalResult): string {
  const text = formatAdaptTable(r, e.config.optimization.selectBy, { oracle });
  e.run.log(text);
  return text;
}

export async function evaluate(argv: Record<string, unknown>): Promise<number> {
  const e = await engineFor('evaluate', argv);
  const exportCityscapes = typeof argv['exportCityscapes'] === 'string' ? (argv['exportCityscapes'] as string) : undefined;
  const split = (argv['split'] as string) ?? 'val';
  const dataset = split === 'val' ? e.data.targetVal : split === 'train' ? e.data.targetTrainLabelled() : undefined;
  if (!dataset) throw new Error(`--split: expected val or train, received '${split}'`);
  let result: EvalResult | undefined;
  let what: string;
  if (typeof argv['onnx'] === 'string') {
    what = argv['onnx'] as string;
    result = await e.evaluateOnnx('evaluate', what, { exportCityscapes, dataset, input: onnxInputSpec(argv) });
  } else {
    what = typeof argv['checkpoint'] === 'string' ? (argv['checkpoint'] as string) : bestSegmenter(e);
    if (e.shard.worldSize > 1) throw new Error('evaluate --shard needs --onnx (sharded inference runs in onnxruntime)');
    result = await e.evaluateCheckpointDir(what, { exportCityscapes });
  }
  if (result) {
    console.log(formatMiouTable(result, `evaluate ${what} on target ${split} (${result.images} images)`));
    const file = writeEvaluationRecord(e.run, evaluationRecord(result, { model: what, split }));
    console.log(`result: ${file}`);
    if (exportCityscapes) console.log(`predictions (labelIds) for the official Cityscapes scripts: ${exportCityscapes}`);
  }
  return 0;
}

/**
 * `import-weights <weights> --out DIR`: converted weights → a checkpoint
 * folder for `evaluate --checkpoint` / `export-onnx --checkpoint`.
 */
export async function importWeights(argv: Record<string, unknown>): Promise<number> {
  const ctx = await openRun('import-weights', argv as RunArgs);
  const { importSegmenterWeights } = await import('../engine/import-segmenter');
  const out = await importSegmenterWeights(ctx, argv['weights'] as string, argv['out'] as string);
  console.log(`checkpoint: ${out}  (semadapt evaluate --run-dir ${ctx.run.root} --checkpoint ${out})`);
  return 0;
}

/** `--onnx-layout/-size/-normalize/-output` as an input spec (choices are checked by yargs). */
function onnxInputSpec(argv: Record<string, unknown>): OnnxInputSpec {
  const spec: OnnxInputSpec = {};
  if (typeof argv['onnxLayout'] === 'string') spec.layout = argv['onnxLayout'] as OnnxInputSpec['layout'];
  if (typeof argv['onnxNormalize'] === 'string') spec.normalize = argv['onnxNormalize'] as OnnxInputSpec['normalize'];
  if (typeof argv['onnxOutput'] === 'string') spec.output = argv['onnxOutput'];
  if (argv['onnxSize'] !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(String(argv['onnxSize']));
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new ConfigError([`--onnx-size: expected WIDTHxHEIGHT, e.g. 1024x512, received '${argv['onnxSize']}'`]);
    spec.size = [Number(m[1]), Number(m[2])];
  }
  return spec;
}

/** The best segmenter of the run: adapt's choice, else the latest completed round. */
function bestSegmenter(e: Engine): string {
  const a = stageResult<AdaptResult>(e.run, 'adapt');
  if (a) return a.result.bestSegmenter;
  for (let k = e.config.optimization.maxRounds; k >= 1; k--) {
    const m = stageResult<TrainResult>(e.run, `round${k}/train-segmenter`);
    if (m) return selectedSegmenter(m.result, e.config.optimization.select);
  }
  const m0 = stageResult<TrainResult>(e.run, 'round0/train-source');
  if (m0) return selectedSegmenter(m0.result, e.config.optimization.select);
  throw new Error(`no trained segmenter in ${e.run.root}; give --checkpoint DIR or --onnx FILE`);
}

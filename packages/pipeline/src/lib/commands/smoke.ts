/**
 * `semadapt smoke --preset <name>` (issue 22 item 7): proves a paper preset
 * runs at the paper's scale on this machine before days of training are
 * committed to it. Generates a small tree at the datasets' real image sizes
 * (`smoke-tree.ts`), then runs every stage of one adaptation round at the
 * preset's real resolution and network widths for 2 steps each — source-only
 * segmenter, translator, ONNX export, translate, pseudo-label, adapted
 * segmenter, evaluate at full label resolution — and prints each stage's
 * time, the process's peak RSS after it, and the seconds per training step
 * with the preset's full-training time projected from them. Any failure
 * stops the run with a non-zero exit.
 *
 * Config: the preset (or `--config`), with the data roots, the step counts,
 * one round and per-step metrics set here; other dotted overrides apply as
 * for every command (which is how the spec runs it small).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FROM_SCRATCH_OVERRIDE, segmenterInitOf } from '../config/init-weights';
import { deepMerge, RunConfig } from '../config/run-config';
import { handOff } from '../engine/adapt-loop';
import { openDatasets } from '../engine/datasets';
import { Engine } from '../engine/stages';
import { REAL_SIZES, writeSmokeTree } from '../engine/smoke-tree';
import * as seg from '../engine/segmenter-stage';
import * as trans from '../engine/translator-stage';
import { TrainResult } from '@semadapt/runner';
import { configFromArgs, openRun, RunArgs } from './context';

/** Training steps per training stage. */
export const SMOKE_STEPS = 2;
/** The stages of one round, in the order smoke runs them. */
export const SMOKE_STAGES = ['source', 'translator', 'export', 'translate', 'pseudo-label', 'segmenter', 'evaluate'] as const;
const COUNTS = { source: 2, targetTrain: 2, targetVal: 2 };

/** One stage's measurement. */
export interface SmokeStage {
  stage: string;
  seconds: number;
  cpuSeconds: number;
  /** Process peak RSS after the stage (the maximum so far), MiB. */
  peakRssMb: number;
  /** Training stages: wall seconds of the second step (the first builds caches and JIT-compiles primitives). */
  secondsPerStep?: number;
  /** Training stages: the preset's step count for the full run. */
  fullSteps?: number;
  ok: boolean;
  error?: string;
}

/**
 * Overrides for a smoke run without the preset's init weights. Random
 * weights change neither time nor memory, but DeepLabV2's frozen BatchNorm
 * (SPEC §3) does not normalize: with torchvision's init (kaiming, fan_out)
 * every residual block roughly doubles the residual stream's variance, the
 * logits of ResNet-101's 33 blocks reach ~1e6 (measured: cross-entropy
 * 5.7e6 at step 1) and step 2 is NaN. Small backbone weights (N(0, 0.01²),
 * the init BDL gives its classifier) keep the residual branches small.
 */
export function smokeRandomInitOverrides(config: RunConfig): Record<string, unknown> {
  const seg = config.model.segmenter as { arch?: string; network?: { batchNorm?: string } };
  const frozenDeepLab = seg.arch === 'deeplabv2' && (seg.network?.batchNorm ?? 'frozen') === 'frozen';
  return deepMerge(FROM_SCRATCH_OVERRIDE, frozenDeepLab ? { model: { segmenter: { network: { backboneInit: { kind: 'normal', std: 0.01 } } } } } : {}) as Record<string, unknown>;
}

/** The smoke run's arguments: the preset over the generated tree, 2 steps per stage, one round, a metric every step. */
export function smokeRunArgs(argv: Record<string, unknown>, runDir: string, roots: { source: string; target: string }): RunArgs {
  const steps = { sourceSteps: SMOKE_STEPS, translatorSteps: SMOKE_STEPS, segmenterSteps: SMOKE_STEPS, checkpointEvery: SMOKE_STEPS, evalEvery: 0, maxRounds: 1, minRounds: 1 };
  return {
    ...argv,
    runDir,
    data: deepMerge(argv['data'] ?? {}, { source: { root: roots.source }, target: { root: roots.target }, limit: 0 }),
    optimization: deepMerge(argv['optimization'] ?? {}, steps),
    logging: deepMerge(argv['logging'] ?? {}, { metricsEvery: 1 }),
  };
}

/** Seconds between the metric records of step 1 and step 2 of a training stage (its steady-state step time). */
function secondStepSeconds(runRoot: string, stage: string): number | undefined {
  const file = path.join(runRoot, 'metrics.jsonl');
  if (!fs.existsSync(file)) return undefined;
  const times = new Map<number, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { stage?: string; kind?: string; step?: number; time?: string };
    if (r.stage === stage && r.kind === 'train' && typeof r.step === 'number' && r.time) times.set(r.step, Date.parse(r.time));
  }
  const t1 = times.get(1);
  const t2 = times.get(2);
  return t1 !== undefined && t2 !== undefined ? (t2 - t1) / 1000 : undefined;
}

function hours(s: number): string {
  return s >= 86400 ? `${(s / 86400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`;
}

/** The stage table and the projection, as printed. */
export function formatSmokeTable(preset: string, stages: readonly SmokeStage[], cores: number): string {
  const lines = [
    `smoke ${preset}: ${stages.filter((s) => s.ok).length}/${SMOKE_STAGES.length} stages passed`,
    'stage                 seconds   cpu s   peak RSS MiB   s/step   full steps   projected (this machine)',
  ];
  let total = 0;
  let cpuTotal = 0;
  for (const s of stages) {
    const proj = s.secondsPerStep !== undefined && s.fullSteps ? s.secondsPerStep * s.fullSteps : undefined;
    if (proj !== undefined) {
      total += proj;
      cpuTotal += proj * (s.cpuSeconds / Math.max(s.seconds, 1e-9));
    }
    lines.push(
      `${s.stage.padEnd(20)}  ${s.seconds.toFixed(1).padStart(7)}  ${s.cpuSeconds.toFixed(1).padStart(6)}  ${String(Math.round(s.peakRssMb)).padStart(13)}  ` +
        `${s.secondsPerStep !== undefined ? s.secondsPerStep.toFixed(2).padStart(7) : '       '}  ${s.fullSteps ? String(s.fullSteps).padStart(11) : '           '}  ` +
        `${proj !== undefined ? hours(proj) : ''}${s.ok ? '' : `  FAILED: ${s.error}`}`,
    );
  }
  // After a failure the later stages did not run: list them, so the table always shows the whole round.
  for (const name of SMOKE_STAGES.slice(stages.length)) lines.push(`${name.padEnd(20)}  not run`);
  if (total > 0) {
    lines.push(`projected training (one round's training stages at the preset's step counts): ${hours(total)} on this machine (${cores} cores);` +
      ` ${hours(cpuTotal)} of CPU, i.e. ≥ ${hours(cpuTotal / 16)} on 16 cores, ≥ ${hours(cpuTotal / 64)} on 64 at perfect scaling`);
  }
  return lines.join('\n');
}

export async function smoke(argv: Record<string, unknown>): Promise<number> {
  if (typeof argv['preset'] !== 'string' && typeof argv['config'] !== 'string') throw new Error('smoke: give --preset <name> (or --config)');
  const runDir = typeof argv['runDir'] === 'string' ? (argv['runDir'] as string) : fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-smoke-run-'));
  const dataDir = typeof argv['dataDir'] === 'string' ? (argv['dataDir'] as string) : path.join(os.tmpdir(), 'semadapt-smoke-data');
  // Validate first (with placeholder roots): a bad preset or flag fails before any file is written.
  const probe: RunConfig = configFromArgs(smokeRunArgs(argv, runDir, { source: dataDir, target: dataDir }));
  const init = segmenterInitOf(probe);
  if (init.kind === 'file' && !fs.existsSync(init.file)) {
    // Timing and memory do not depend on the weights' values: without the paper's init file, start from random ones.
    const overrides = smokeRandomInitOverrides(probe);
    const small = (overrides['model'] as { segmenter: { network?: unknown } }).segmenter.network !== undefined;
    console.log(`smoke: ${init.file} (model.segmenter.init) not found; the segmenters start from random weights${small ? ' (backbone N(0, 0.01²): frozen BatchNorm does not tame a random ResNet)' : ''}`);
    argv = deepMerge(argv, overrides) as Record<string, unknown>;
  }
  const sourceKind = probe.data.source.dataset as 'gta5' | 'synthia';
  const t0 = Date.now();
  const roots = writeSmokeTree(dataDir, sourceKind, COUNTS);
  const [sw, sh] = REAL_SIZES[sourceKind];
  console.log(`smoke: tree ${dataDir} (${sourceKind} ${sw}×${sh}, cityscapes ${REAL_SIZES.cityscapes.join('×')}; ${COUNTS.source}/${COUNTS.targetTrain}/${COUNTS.targetVal} images) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const ctx = await openRun('smoke', smokeRunArgs(argv, runDir, roots));
  const preset = ctx.config.preset ?? 'config';
  // The preset's own step counts, for the projection (the smoke config has 2).
  const full = configFromArgs({ preset: typeof argv['preset'] === 'string' ? (argv['preset'] as string) : undefined, config: argv['config'] as string | undefined });
  const e = new Engine(ctx, openDatasets(ctx.config, (m) => ctx.run.log(m)));
  const stages: SmokeStage[] = [];
  const timed = async <T>(stage: string, work: () => Promise<T>, training?: { metricsStage: string; fullSteps: number }): Promise<T> => {
    const w0 = Date.now();
    const c0 = process.cpuUsage();
    const record = (ok: boolean, error?: string): SmokeStage => {
      const c = process.cpuUsage(c0);
      const s: SmokeStage = { stage, seconds: (Date.now() - w0) / 1000, cpuSeconds: (c.user + c.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024, ok, error };
      if (training && ok) {
        s.secondsPerStep = secondStepSeconds(ctx.run.root, training.metricsStage);
        s.fullSteps = training.fullSteps;
      }
      stages.push(s);
      ctx.run.log(`[smoke] ${stage}: ${s.seconds.toFixed(1)} s, cpu ${s.cpuSeconds.toFixed(1)} s, peak RSS ${Math.round(s.peakRssMb)} MiB${s.secondsPerStep !== undefined ? `, ${s.secondsPerStep.toFixed(2)} s/step` : ''}${ok ? '' : `: FAILED ${error}`}`);
      return s;
    };
    try {
      const r = await work();
      record(true);
      return r;
    } catch (err) {
      record(false, (err as Error).message.split('\n')[0]);
      throw err;
    }
  };
  const o = full.optimization;
  try {
    const s0 = await timed('source', () => seg.trainSegmenterStage(ctx, e.data, { stage: 'round0/train-source', mode: 'source' }), {
      metricsStage: 'round0/train-source', fullSteps: o.sourceSteps,
    });
    const S0 = handOff(s0 as TrainResult);
    const tr = await timed('translator', () => trans.trainTranslatorStage(ctx, e.data, { stage: 'round1/train-translator', round: 1, guidance: S0 }), {
      metricsStage: 'round1/train-translator', fullSteps: o.translatorSteps,
    });
    const onnx = await timed('export', () => e.exportOnnx('round1/export-onnx', 1, S0, handOff(tr)));
    await timed('translate', () => e.translate('round1/translate', 1, onnx.translator, onnx.segmenter));
    await timed('pseudo-label', () => e.pseudoLabel('round1/pseudo-label', 1, onnx.segmenter));
    const s1 = await timed(
      'segmenter',
      () => seg.trainSegmenterStage(ctx, e.data, { stage: 'round1/train-segmenter', mode: 'adapt', init: S0, translatedDir: e.translatedDir(1), pseudoDir: e.pseudoDir(1) }),
      { metricsStage: 'round1/train-segmenter', fullSteps: o.segmenterSteps },
    );
    await timed('evaluate', () => e.evaluateCheckpointDir(handOff(s1), { stage: 'round1/evaluate' }));
  } catch {
    // Recorded in the table; the exit code says it.
  }
  console.log(formatSmokeTable(preset, stages, os.cpus().length));
  console.log(`smoke: run directory ${ctx.run.root}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (argv['json'] === true) console.log(JSON.stringify({ preset, stages }));
  return stages.every((s) => s.ok) && stages.length === SMOKE_STAGES.length ? 0 : 1;
}

/**
 * `semadapt demo` (issue 9 §4): on a fresh machine, generates data-core's
 * procedural mini-benchmark into datasets/demo/ if it is absent (source in
 * GTA5 layout, target in Cityscapes layout), then runs the whole method at
 * small width and resolution on the CPU — oracle, source-only (round 0) and
 * `adapt` rounds — and prints the mIoU table and the report's path. Rerunning
 * resumes (every stage is resumable); `--fresh` starts over.
 */
import * as path from 'path';
import { runStage, TrainResult, checkRunDirClaimable, clearRunDir } from '@semadapt/runner';
import { EvalResult, writeReport } from '../report/build-report';
import { AdaptResult, runAdapt, handOff } from '../engine/adapt-loop';
import { openDatasets } from '../engine/datasets';
import { Engine } from '../engine/stages';
import { ensureDemoBenchmark } from '../engine/demo-data';
import { configFromArgs, openRun, RunArgs, validatePackageSections } from './context';
import { overridesFromArgv, resolveConfig } from '../config/load-config';
import { deepMerge } from '../config/run-config';
import { printAdaptTable } from './stage-commands';

/**
 * The demo's run arguments: the `demo` preset on the generated data, with the
 * user's config file, seed, backend and dotted overrides (`--optimization.x`)
 * applied as for every other command; the data roots stay the generated ones.
 */
export function demoRunArgs(argv: Record<string, unknown>, runDir: string, roots: { source: string; target: string }): RunArgs {
  const data: unknown = argv['data'] ?? {};
  // The rest of argv is read as for every command (`overridesFromArgv`: seed, backend, dotted sections).
  return { ...argv, preset: 'demo', runDir, data: deepMerge(data, { source: { root: roots.source }, target: { root: roots.target } }) };
}

export async function demo(argv: Record<string, unknown>): Promise<number> {
  const t0 = Date.now();
  const runDir = argv['runDir'] as string;
  const dataDir = argv['dataDir'] as string;
  // Validate first (the data roots do not change validity): a command that fails must not have deleted anything.
  const early = demoRunArgs(argv, runDir, { source: dataDir, target: dataDir });
  if (argv['fresh'] === true) {
    // The run's stored config is about to go: validate the given config on its own.
    validatePackageSections(resolveConfig({ preset: early.preset, configFile: early.config, overrides: overridesFromArgv(early) }));
    // --fresh removes only what semadapt wrote, and only in a folder it created (ownership.ts).
    clearRunDir(runDir);
  } else {
    configFromArgs(early);
    checkRunDirClaimable(runDir);
  }
  const roots = await ensureDemoBenchmark(dataDir, (m) => console.log(m));
  const ctx = await openRun('demo', demoRunArgs(argv, runDir, roots));
  const e = new Engine(ctx, openDatasets(ctx.config, (m) => ctx.run.log(m)));
  const oracleTrain = await runStage<TrainResult>(e.run, 'oracle/train', () => e.trainOracle('oracle/train'));
  const oracle = await runStage<EvalResult>(e.run, 'oracle/evaluate', () => e.evaluate('oracle/evaluate', handOff(oracleTrain)));
  const result = await runStage<AdaptResult>(e.run, 'adapt', () => runAdapt(e.run, e.config, e));
  printAdaptTable(e, result, oracle);
  const base = result.rounds[0].selected;
  const best = Math.max(...result.rounds.slice(1).map((r) => r.selected));
  const minutes = (Date.now() - t0) / 60000;
  const report = writeReport(e.run, 'semadapt demo: procedural GTA5-layout → Cityscapes-layout mini-benchmark');
  e.run.log(`adapted − source-only: ${(100 * (best - base)).toFixed(1)} mIoU points; this invocation took ${minutes.toFixed(1)} min`);
  e.run.log(`report: ${path.resolve(report)}`);
  return 0;
}

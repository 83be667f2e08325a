/**
 * What every command that works in a run directory starts with: resolve and
 * validate the config (before any work; from the run's own config.json when
 * it has one), check the data roots, start the tfjs backend, and only then
 * open the run directory (config, a manifest record, log) and install the
 * Ctrl-C handler.
 */
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '@semadapt/compute';
import { resolveSegmenterConfig, SegmenterConfigError, type SegmenterConfig } from '@semadapt/segmenter';
import { describeConfigProblem } from '@semadapt/core-layers';
import { resolveTranslatorConfig, type TranslatorConfig, type TranslatorConfigInput } from '@semadapt/translator';
import { ConfigError, RunConfig } from '../config/run-config';
import { overridesFromArgv, readConfigFile } from '../config/load-config';
import { resolveRunDirConfig, RunDirConfig } from '../config/run-dir-config';
import { validateModelValues } from '../config/validate-models';
import type { ModelConfigs, RunContext } from '../engine/run-context';
import { buildManifest, datasetFingerprint, relevantEnv, checkRunDirClaimable, RunDir, installInterruptHandler } from '@semadapt/runner';

/** Options shared by run commands (yargs argv). */
export interface RunArgs {
  config?: string;
  preset?: string;
  runDir?: string;
  forceConfig?: boolean;
  [key: string]: unknown;
}

/**
 * Resolves the config only (no side effects besides printing deprecation
 * notices on stderr): for `config` and for validation-first commands.
 */
export function configFromArgs(args: RunArgs): RunConfig {
  const r = resolveArgs(args);
  for (const m of r.notices) process.stderr.write(`[semadapt] ${m}\n`);
  return r.config;
}

/**
 * The run directory of a command: `--run-dir`, else `runs/<preset>` (the
 * preset of `--preset` or of the `--config` file), else `runs/run`.
 */
export function runDirOf(args: RunArgs): string {
  if (args.runDir) return args.runDir;
  const preset = args.preset ?? (args.config ? readConfigFile(args.config)['preset'] : undefined);
  return path.join('runs', (typeof preset === 'string' ? preset : 'run').replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/**
 * The command's config against its run directory's stored one (see
 * run-dir-config.ts), validated whole, with its model sections typed by their
 * packages; `notices`: deprecated keys read under their current names.
 */
export function resolveArgs(args: RunArgs): RunDirConfig & { runDir: string; models: ModelConfigs; notices: string[] } {
  const runDir = runDirOf(args);
  // A user's folder is refused before its config.json could be read as a run's.
  checkRunDirClaimable(runDir);
  const notices: string[] = [];
  const onDeprecated = (m: string): void => {
    if (!notices.includes(m)) notices.push(m);
  };
  const r = resolveRunDirConfig(runDir, { preset: args.preset, configFile: args.config, overrides: overridesFromArgv(args) }, { forceConfig: args.forceConfig === true, onDeprecated });
  const models = validatePackageSections(r.config);
  return { ...r, runDir, models, notices };
}

/** Data roots must exist before a run directory is created for them (exit 2 otherwise). */
export function checkDataRoots(config: RunConfig): void {
  const problems: string[] = [];
  for (const [key, root] of [['data.source.root', config.data.source.root], ['data.target.root', config.data.target.root]] as const) {
    if (!fs.existsSync(root)) problems.push(`${key}: no such directory: ${path.resolve(root)}`);
    else if (!fs.statSync(root).isDirectory()) problems.push(`${key}: not a directory: ${path.resolve(root)}`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/**
 * The model sections belong to their packages: each resolves its own
 * (@semadapt/segmenter `resolveSegmenterConfig`, @semadapt/translator
 * `resolveTranslatorConfig`), once, before any work; every problem of both is
 * reported together. The translator is seeded by the run's seed unless its
 * section gives one, and is guided by the segmenter's classes.
 */
export function validatePackageSections(config: RunConfig): ModelConfigs {
  const problems: string[] = [];
  let segmenter: SegmenterConfig | undefined;
  try {
    segmenter = resolveSegmenterConfig(config.model.segmenter);
  } catch (e) {
    if (!(e instanceof SegmenterConfigError)) throw e;
    // `model.segmenter.<section>: <field> <what is wrong>, received <value>`.
    problems.push(...e.problems.map((p) => {
      const [section, ...field] = p.path.split('.');
      return field.length ? `model.segmenter.${section}: ${describeConfigProblem({ ...p, path: field.join('.') }, ', ')}` : `model.segmenter: ${describeConfigProblem(p, ', ')}`;
    }));
  }
  let translator: TranslatorConfig | undefined;
  try {
    const section = config.model.translator as TranslatorConfigInput;
    translator = resolveTranslatorConfig({ seed: config.optimization.seed, ...section, guidanceClasses: segmenter?.network.numClasses });
  } catch (e) {
    problems.push(`model.translator: ${(e as Error).message.replace(/^TranslatorConfig: /, '')}`);
  }
  if (problems.length || !segmenter || !translator) throw new ConfigError(problems);
  return { segmenter, translator };
}

/** The default run directory: `runs/<preset or 'run'>`. */
export function defaultRunDir(config: RunConfig): string {
  return path.join('runs', (config.preset ?? 'run').replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/**
 * Validates the config and checks the data roots (`beforeOpen` may check
 * more, e.g. open the data sets), starts the backend, then opens the run
 * directory: nothing is written there until all of that succeeded.
 * `needsTf` false skips the tfjs backend (inference through onnxruntime only).
 */
export async function openRun(
  command: string,
  args: RunArgs,
  opts: { needsTf?: boolean; beforeOpen?: (config: RunConfig, log: (m: string) => void) => void } = {},
): Promise<RunContext> {
  const resolved = resolveArgs(args);
  const { config, models } = resolved;
  checkDataRoots(config);
  const early: string[] = resolved.notices.map((m) => `[semadapt] ${m}`);
  opts.beforeOpen?.(config, (m) => early.push(m));
  let backend = 'onnxruntime-node';
  // What the backend start-up reports: the backend and which kernels run (native oneDNN with its ISA and threads, or why not).
  let kernels = 'none: inference in onnxruntime-node only';
  if (opts.needsTf !== false) {
    const choice = await initBackend({
      backend: config.backend === 'auto' ? undefined : config.backend,
      log: (m) => {
        early.push(m);
        kernels = m.replace(/^\[semadapt\] /, '');
      },
    });
    backend = `${choice.kind} (tfjs '${choice.tfBackend}')`;
    validateModelValues(models.segmenter);
  }
  const manifest = buildManifest({
    command,
    argv: process.argv.slice(2),
    config,
    configChanges: resolved.changes,
    compute: { backend, kernels, threads: { onnx: config.onnxThreads, env: relevantEnv() } },
    datasets: { source: datasetFingerprint(config.data.source.root), target: datasetFingerprint(config.data.target.root) },
  });
  const run = new RunDir(resolved.runDir);
  // resolveArgs compared the validated configs already (a raw config.json written by an older version lacks newer defaults).
  run.open(resolved.stored, { manifest, allowConfigChange: true });
  for (const m of early) run.log(m);
  installInterruptHandler((m) => run.log(m));
  const changed = resolved.changes.length ? `; for this command: ${resolved.changes.map((d) => `${d.path} ${JSON.stringify(d.given)}`).join(', ')}` : '';
  run.log(`[semadapt] ${command}: run directory ${run.root} (config ${manifest.configHash.slice(0, 12)}${changed})`);
  return { config, models, run, manifest, backend };
}

export { ConfigError };

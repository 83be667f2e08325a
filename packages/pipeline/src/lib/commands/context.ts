/**
 * What every command that works in a run directory starts with: resolve and
 * validate the config (before any work), open the run directory (config,
 * manifest, log), start the tfjs backend, install the Ctrl-C handler.
 */
import * as path from 'path';
import { initBackend } from '@semadapt/compute';
import { resolveTranslatorConfig } from '@semadapt/translator';
import { ConfigError, RunConfig } from '../config/run-config';
import { overridesFromArgv, resolveConfig } from '../config/load-config';
import { fileListHash, listFiles, Manifest } from '../run/manifest';
import { RunDir } from '../run/run-dir';
import { installInterruptHandler } from '../train/interrupt';

/** Options shared by run commands (yargs argv). */
export interface RunArgs {
  config?: string;
  preset?: string;
  runDir?: string;
  forceConfig?: boolean;
  [key: string]: unknown;
}

export interface RunContext {
  config: RunConfig;
  run: RunDir;
  manifest: Manifest;
  backend: string;
}

/** Resolves the config only (no side effects): for `config` and for validation-first commands. */
export function configFromArgs(args: RunArgs): RunConfig {
  const config = resolveConfig({ preset: args.preset, configFile: args.config, overrides: overridesFromArgv(args) });
  validatePackageSections(config);
  return config;
}

const DEEPLAB_KEYS = ['depth', 'width', 'asppDilations', 'outputStride', 'batchNorm', 'classifierLrMultiplier', 'backboneInit', 'classifierInit'];
const FCN8S_KEYS = ['width', 'dropout', 'backboneInit'];
const TRAINER_KEYS = ['lambdaAdv', 'segmenterOptimizer', 'discriminatorOptimizer', 'discriminator'];

/**
 * The model sections belong to their packages: the translator's is checked
 * by `resolveTranslatorConfig`, the segmenter's network and trainer keys
 * against the packages' option names — all before any work starts.
 */
export function validatePackageSections(config: RunConfig): void {
  const problems: string[] = [];
  try {
    resolveTranslatorConfig(config.model.translator as never);
  } catch (e) {
    problems.push(`model.translator: ${(e as Error).message}`);
  }
  const seg = config.model.segmenter;
  const netKeys = seg.arch === 'deeplabv2' ? DEEPLAB_KEYS : FCN8S_KEYS;
  for (const k of Object.keys(seg.network)) {
    if (!netKeys.includes(k)) problems.push(`model.segmenter.network: unknown key '${k}' for ${seg.arch} (expected ${netKeys.join(', ')})`);
  }
  for (const k of Object.keys(seg.trainer)) {
    if (!TRAINER_KEYS.includes(k)) problems.push(`model.segmenter.trainer: unknown key '${k}' (expected ${TRAINER_KEYS.join(', ')})`);
  }
  if (problems.length) throw new ConfigError(problems);
}

/** The default run directory: `runs/<preset or 'run'>`. */
export function defaultRunDir(config: RunConfig): string {
  return path.join('runs', (config.preset ?? 'run').replace(/[^A-Za-z0-9._-]+/g, '-'));
}

/**
 * Validates the config, then opens the run directory and starts the
 * backend. `needsTf` false skips the tfjs backend (inference through
 * onnxruntime only).
 */
export async function openRun(command: string, args: RunArgs, opts: { needsTf?: boolean } = {}): Promise<RunContext> {
  const config = configFromArgs(args);
  const run = new RunDir(args.runDir ?? defaultRunDir(config));
  let backend = 'onnxruntime-node';
  if (opts.needsTf !== false) {
    const choice = await initBackend({ backend: config.backend === 'auto' ? undefined : config.backend, log: (m) => run.log(m) });
    backend = `${choice.kind} (tfjs '${choice.tfBackend}')`;
  }
  const datasets: Manifest['datasets'] = {};
  for (const [name, root] of [['source', config.data.source.root], ['target', config.data.target.root]] as const) {
    const files = listFiles(root);
    datasets[`${name}:${root}`] = { files: files.length, fileListHash: fileListHash(files) };
  }
  const manifest = run.open(config, {
    datasets,
    command,
    argv: process.argv.slice(2),
    seed: config.optimization.seed,
    backend,
    allowConfigChange: args.forceConfig === true,
  });
  installInterruptHandler((m) => run.log(m));
  run.log(`[semadapt] ${command}: run directory ${run.root} (config ${manifest.configHash.slice(0, 12)})`);
  return { config, run, manifest, backend };
}

export { ConfigError };

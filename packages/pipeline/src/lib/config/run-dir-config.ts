/**
 * A run directory remembers its resolved config (`<run>/config.json`), and
 * every later command on it starts from that config: `evaluate --run-dir X`
 * needs nothing else. A later command may still change a setting with a
 * dotted flag (or a whole `--preset`/`--config`), but only one that leaves
 * what the run trained unchanged (RUNTIME_KEYS: where the data lives, how
 * many threads, how it logs); any other difference is refused, naming each
 * key with the run's value and the one given, unless `--force-config`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, deepMerge, isPlainObject, RunConfig, upgradeDeprecatedKeys, validateRunConfig } from './run-config';
import { ConfigSources, resolveConfig } from './load-config';

/**
 * Config paths (a section or one key) a later command may change without
 * changing the run's trained state. Everything else is part of what the run
 * trained and must match its config.json.
 */
export const RUNTIME_KEYS: readonly string[] = [
  'preset',
  'backend',
  'onnxThreads',
  'logging',
  'metrics',
  'data.workers',
  'data.prefetch',
  'data.source.root',
  'data.target.root',
  'optimization.checkpointEvery',
];

/** One key whose value differs between the run's config and the one given. */
export interface ConfigDifference {
  path: string;
  stored: unknown;
  given: unknown;
}

/** Leaf-by-leaf differences of two configs (arrays compare whole). */
export function configDifferences(stored: unknown, given: unknown, prefix = ''): ConfigDifference[] {
  if (isPlainObject(stored) && isPlainObject(given)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(given)])].sort();
    return keys.flatMap((k) => configDifferences(stored[k], given[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(stored) === JSON.stringify(given) ? [] : [{ path: prefix || '(root)', stored, given }];
}

/** True when `key` is, or lies inside, one of RUNTIME_KEYS. */
export function isRuntimeKey(key: string): boolean {
  return RUNTIME_KEYS.some((r) => key === r || key.startsWith(`${r}.`));
}

export interface RunDirConfig {
  /** The config this command runs with. */
  config: RunConfig;
  /** What `<run>/config.json` holds after this command (the run's trained config). */
  stored: RunConfig;
  /** Differences from the stored config that this command applies (runtime keys, or forced). */
  changes: ConfigDifference[];
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

/**
 * Reads and validates `<run>/config.json`; undefined when the run is new.
 * Deprecated keys in it are read under their current names (reported to
 * `onDeprecated`; the run's config.json is rewritten with them when a
 * command opens the run).
 */
export function readStoredConfig(runDir: string, onDeprecated?: (message: string) => void): RunConfig | undefined {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`${file}: not valid JSON (${(e as Error).message}); fix it or use a new --run-dir`]);
  }
  try {
    return validateRunConfig(raw, onDeprecated, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => `${file}: ${p}`));
    throw e;
  }
}

/**
 * The config of a command on `runDir`: the stored one with the command's
 * overrides (or the config its --preset/--config give), checked against the
 * stored one; a new run resolves from the sources alone.
 */
export function resolveRunDirConfig(
  runDir: string | undefined,
  sources: ConfigSources,
  opts: { forceConfig?: boolean; onDeprecated?: (message: string) => void } = {},
): RunDirConfig {
  const stored = runDir ? readStoredConfig(runDir, opts.onDeprecated) : undefined;
  if (!stored) {
    const config = resolveConfig(sources, opts.onDeprecated);
    return { config, stored: config, changes: [] };
  }
  const config =
    sources.preset !== undefined || sources.configFile !== undefined
      ? resolveConfig(sources, opts.onDeprecated)
      : validateRunConfig(deepMerge(stored as unknown as Record<string, unknown>, upgradeDeprecatedKeys(sources.overrides ?? {}, 'command line', opts.onDeprecated)));
  const changes = configDifferences(stored, config);
  const refused = changes.filter((d) => !isRuntimeKey(d.path));
  if (refused.length && !opts.forceConfig) {
    throw new ConfigError([
      `run directory ${path.resolve(runDir as string)} was trained with a different config; these keys would change what it trained ` +
        `(use a new --run-dir, or --force-config to replace its config.json; changeable on a later command: ${RUNTIME_KEYS.join(', ')}):`,
      ...refused.map((d) => `${d.path}: the run has ${show(d.stored)}, this command gives ${show(d.given)}`),
    ]);
  }
  return { config, stored: refused.length ? config : stored, changes };
}

/**
 * Builds a run's config from, in increasing priority: a preset, a config
 * file (`--config run.json`), and command-line overrides — dotted flags such
 * as `--optimization.sourceSteps 500` or `--data.resize '[64,32]'` (yargs
 * parses the dots into nested objects) and the shorthands `--seed`,
 * `--backend`. The merge is validated as a whole before any work starts.
 */
import * as fs from 'fs';
import { ConfigError, deepMerge, isPlainObject, RunConfig, upgradeDeprecatedKeys, validateRunConfig } from './run-config';
import { presetConfig } from './presets';
import { configPaths } from './cli-flags';


export interface ConfigSources {
  preset?: string;
  configFile?: string;
  /** Nested overrides (already parsed from flags). */
  overrides?: Record<string, unknown>;
}

/** Reads a JSON config file with a clear error for a missing file or bad JSON. */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new ConfigError([`--config: file not found: ${file}`]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`--config ${file}: not valid JSON (${(e as Error).message})`]);
  }
  if (!isPlainObject(parsed)) throw new ConfigError([`--config ${file}: the top level must be an object`]);
  return parsed;
}

/** Strings from the command line that hold JSON arrays/objects/booleans/null are parsed. */
function coerce(v: unknown): unknown {
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[[{]/.test(t) || t === 'true' || t === 'false' || t === 'null') {
      try {
        return JSON.parse(t);
      } catch {
        return v;
      }
    }
    return v;
  }
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, coerce(x)]));
  return v;
}

/**
 * Picks the config overrides out of a yargs argv: the section objects
 * produced by dotted flags (kebab-case duplicates dropped).
 */
export function overridesFromArgv(argv: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of configPaths().sections) {
    if (argv[key] === undefined) continue;
    if (!isPlainObject(argv[key])) throw new ConfigError([`--${key}: give a field, e.g. --${key}.<field> value (received ${JSON.stringify(argv[key])})`]);
    out[key] = coerce(stripKebab(argv[key] as Record<string, unknown>));
  }
  if (argv['seed'] !== undefined) out['optimization'] = deepMerge(out['optimization'] ?? {}, { seed: argv['seed'] });
  if (argv['backend'] !== undefined) out['backend'] = argv['backend'];
  return out;
}

function stripKebab(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.includes('-')) continue; // yargs adds camelCase twins of kebab-case keys
    out[k] = isPlainObject(v) ? stripKebab(v) : v;
  }
  return out;
}

/**
 * Merges preset ← file ← overrides and validates; throws `ConfigError`.
 * Each source's deprecated keys are renamed before the merge (a later
 * source's old name still overrides an earlier source's new one), each
 * reported to `onDeprecated`.
 */
export function resolveConfig(sources: ConfigSources, onDeprecated?: (message: string) => void): RunConfig {
  let raw: Record<string, unknown> = {};
  const file = sources.configFile ? upgradeDeprecatedKeys(readConfigFile(sources.configFile), `--config ${sources.configFile}`, onDeprecated) : undefined;
  const presetName = sources.preset ?? (typeof file?.['preset'] === 'string' ? (file['preset'] as string) : undefined);
  if (presetName) {
    try {
      raw = presetConfig(presetName);
    } catch (e) {
      throw new ConfigError([(e as Error).message]);
    }
  }
  if (file) raw = deepMerge(raw, file);
  if (sources.overrides) raw = deepMerge(raw, upgradeDeprecatedKeys(sources.overrides, 'command line', onDeprecated));
  if (presetName) raw['preset'] = raw['preset'] ?? presetName;
  return validateRunConfig(raw);
}

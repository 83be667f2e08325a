/**
 * Strict flags: every flag the CLI receives must be an option of the command
 * or, for commands that take a config, a path of the run config — derived
 * from the config schema itself (`RunConfigSchema`), so a key added there is
 * a valid `--section.key` flag with no other change. Records handed to a
 * package as they are (`model.translator`, `model.segmenter.network`,
 * `.trainer`) accept any key below them here; the packages' own validators
 * check those before any work. Each unknown flag is reported with the
 * nearest valid name.
 */
import { z } from 'zod';
import { isPlainObject, RunConfigSchema } from './run-config';

/** The paths a config may set: every object/leaf path, and the open records. */
export interface ConfigPaths {
  /** Every settable path (sections, nested objects and leaves), dotted. */
  paths: Set<string>;
  /** Paths below which any key is accepted (records checked by their package). */
  open: string[];
  /** Top-level keys that hold objects (`--<section>.<key>` flags). */
  sections: string[];
}

function unwrap(t: z.ZodTypeAny): z.ZodTypeAny {
  for (;;) {
    if (t instanceof z.ZodDefault) t = t._def.innerType;
    else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap();
    else if (t instanceof z.ZodEffects) t = t.innerType();
    else return t;
  }
}

function walk(t: z.ZodTypeAny, prefix: string, out: ConfigPaths): void {
  const u = unwrap(t);
  if (prefix) out.paths.add(prefix);
  const join = (k: string): string => (prefix ? `${prefix}.${k}` : k);
  if (u instanceof z.ZodObject) {
    for (const [k, v] of Object.entries(u.shape as Record<string, z.ZodTypeAny>)) walk(v, join(k), out);
  } else if (u instanceof z.ZodDiscriminatedUnion) {
    for (const option of u.options as z.ZodObject<z.ZodRawShape>[]) walk(option, prefix, out);
  } else if (u instanceof z.ZodRecord) {
    out.open.push(prefix);
  }
}

let cached: ConfigPaths | undefined;

/** The config paths of `RunConfigSchema` (computed once). */
export function configPaths(): ConfigPaths {
  if (cached) return cached;
  const out: ConfigPaths = { paths: new Set(), open: [], sections: [] };
  walk(RunConfigSchema, '', out);
  const top = unwrap(RunConfigSchema) as z.ZodObject<z.ZodRawShape>;
  out.sections = Object.entries(top.shape).filter(([, v]) => unwrap(v as z.ZodTypeAny) instanceof z.ZodObject).map(([k]) => k);
  cached = out;
  return out;
}

/** True when `path` may be set in a config. */
export function isConfigPath(path: string, cp = configPaths()): boolean {
  return cp.paths.has(path) || cp.open.some((o) => path.startsWith(`${o}.`));
}

/** Levenshtein distance (case-insensitive; '-' and '_' ignored, so `run_dir` is near `run-dir`). */
export function editDistance(a: string, b: string): number {
  const norm = (s: string): string => s.toLowerCase();
  const x = norm(a);
  const y = norm(b);
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...new Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const same = x[i - 1] === y[j - 1] || ('-_'.includes(x[i - 1]) && '-_'.includes(y[j - 1]));
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same ? 0 : 1));
    }
  }
  return d[x.length][y.length];
}

/** The candidate nearest to `name`, when near enough to be a likely typo. */
export function nearest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = editDistance(name, c);
    if (dd < bestD) [best, bestD] = [c, dd];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Leaf paths of a parsed flag object (yargs' camelCase twins of kebab keys skipped). */
function leaves(v: unknown, prefix: string): string[] {
  if (!isPlainObject(v) || Object.keys(v).length === 0) return [prefix];
  return Object.entries(v).filter(([k]) => !k.includes('-')).flatMap(([k, x]) => leaves(x, `${prefix}.${k}`));
}

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The unknown flags of a parsed command line, each as a message with the
 * nearest valid flag. `options` are the command's declared option names
 * (kebab-case, as declared) and their aliases; `takesConfig` whether config
 * paths are valid flags for it.
 */
export function unknownFlags(argv: Record<string, unknown>, options: readonly string[], takesConfig: boolean): string[] {
  const cp = configPaths();
  const known = new Set<string>(['_', '$0']);
  for (const o of options) [o, camel(o), kebab(o)].forEach((n) => known.add(n));
  const validConfigFlags = takesConfig ? [...cp.paths].filter((p) => p.includes('.')) : [];
  const candidates = [...options.filter((o) => o.length > 1), ...validConfigFlags];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(argv)) {
    if (known.has(key)) continue;
    if (key.includes('-') && known.has(camel(key))) continue;
    const isSection = takesConfig && cp.sections.includes(key);
    // yargs keeps both spellings of a kebab-case flag; report the one the user typed.
    if (!key.includes('-') && Object.keys(argv).includes(kebab(key)) && kebab(key) !== key) continue;
    for (const flag of isSection || isPlainObject(value) ? leaves(value, key) : [key]) {
      if (isSection && isConfigPath(flag, cp)) continue;
      const near = nearest(flag, candidates);
      problems.push(`unknown ${isSection ? 'config key' : 'flag'} --${flag}${near ? `; did you mean --${near}?` : ''}`);
    }
  }
  return problems;
}

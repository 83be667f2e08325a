/**
 * Which directories semadapt may treat as its own. A run directory carries a
 * marker file, `.semadapt-run.json`, written when semadapt creates it (or
 * finds it empty). A non-empty folder without the marker is a user's folder:
 * it is never taken over as a run directory, and `--fresh` removes only the
 * entries semadapt itself writes into a marked one — a user's own files in
 * it stay.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJsonIfExists, writeJsonAtomic } from './atomic';

export const RUN_MARKER = '.semadapt-run.json';

/** Every top-level entry semadapt writes into a run directory (what `--fresh` may remove). */
export const RUN_DIR_ENTRIES: readonly string[] = [
  RUN_MARKER,
  'config.json',
  'manifest.json',
  'manifests',
  'log.txt',
  'metrics.jsonl',
  'checkpoints',
  'stages',
  'outputs',
  'onnx',
  'samples',
  'report.html',
  'report.png',
  'report',
  'result.json',
];

export interface RunMarker {
  semadapt: 'run-directory';
  version: number;
  createdAt: string;
}

export class NotARunDirError extends Error {
  constructor(readonly dir: string, detail: string) {
    super(
      `${dir} is not a semadapt run directory (${detail}); semadapt does not take over or delete a folder it did not create — ` +
        'give a new or empty --run-dir',
    );
    this.name = 'NotARunDirError';
  }
}

function readMarker(dir: string): RunMarker | undefined {
  try {
    const m = readJsonIfExists<RunMarker>(path.join(dir, RUN_MARKER));
    return m !== undefined && m !== null && m.semadapt === 'run-directory' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A run directory made before the marker existed: semadapt's config.json and manifest.json (with its config hash). */
function isLegacyRunDir(dir: string): boolean {
  try {
    const manifest = readJsonIfExists<{ configHash?: unknown }>(path.join(dir, 'manifest.json'));
    return fs.existsSync(path.join(dir, 'config.json')) && typeof manifest?.configHash === 'string';
  } catch {
    return false;
  }
}

/** True when `dir` holds semadapt's run marker. */
export function isSemadaptRunDir(dir: string): boolean {
  return readMarker(dir) !== undefined;
}

/**
 * Makes `dir` a run directory or confirms it is one: creates it (with the
 * marker) when absent or empty, accepts it when marked (or a legacy run
 * directory, which gets the marker), and refuses any other existing path.
 */
export function claimRunDir(dir: string): void {
  if (checkRunDirClaimable(dir) === 'ours') return;
  fs.mkdirSync(dir, { recursive: true });
  writeJsonAtomic(path.join(dir, RUN_MARKER), { semadapt: 'run-directory', version: 1, createdAt: new Date().toISOString() } satisfies RunMarker);
}

/**
 * What `claimRunDir` would find, without writing anything: 'ours' (marked),
 * 'new' (absent, empty or a legacy run directory: it would be marked), or a
 * `NotARunDirError` for anything else. Commands call it before other work.
 */
export function checkRunDirClaimable(dir: string): 'ours' | 'new' {
  if (!fs.existsSync(dir)) return 'new';
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new NotARunDirError(dir, 'it exists and is not a directory');
  if (readMarker(dir)) return 'ours';
  const entries = fs.readdirSync(dir);
  if (entries.length > 0 && !isLegacyRunDir(dir)) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
    throw new NotARunDirError(dir, `it already holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${shown}) and no ${RUN_MARKER}`);
  }
  return 'new';
}

/**
 * `--fresh`: removes what semadapt wrote into the run directory `dir` (the
 * entries of `RUN_DIR_ENTRIES` and stray temp/staging files of its atomic
 * writes), leaving anything else; removes `dir` itself only when that leaves
 * it empty. Refuses a folder without the marker; an absent `dir` is a no-op.
 */
export function clearRunDir(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!readMarker(dir)) {
    if (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0) return;
    throw new NotARunDirError(dir, `no ${RUN_MARKER}; --fresh only clears folders semadapt created`);
  }
  for (const name of fs.readdirSync(dir)) {
    const temp = /^\.(.+)\.tmp-\d+-\d+$/.exec(name);
    const ours = RUN_DIR_ENTRIES.includes(name) || (temp !== null && RUN_DIR_ENTRIES.includes(temp[1]));
    // The marker goes last, so a kill half-way leaves a directory semadapt still recognises.
    if (ours && name !== RUN_MARKER) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  fs.rmSync(path.join(dir, RUN_MARKER), { force: true });
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

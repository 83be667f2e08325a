/**
 * Atomic file writes: every output of a run (configs, manifests, markers,
 * reports, checkpoints) is written to a temporary file in the same folder,
 * flushed, and renamed over the target, so a crash (SIGKILL, power loss)
 * leaves either the old file or the new one — never a half-written file
 * (issue 9, "no output file is ever half-written").
 */
import * as fs from 'fs';
import * as path from 'path';

let counter = 0;

/** A temporary name beside `target` that no other writer will choose. */
export function tempPathFor(target: string): string {
  counter += 1;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${counter}`);
}

function fsyncDir(dir: string): void {
  // Directory fsync makes the rename durable; not supported everywhere (ignore EISDIR/EPERM).
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

/** Writes `data` to `file` atomically (temp file + fsync + rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/** Writes `value` as pretty JSON, atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads JSON, or returns `undefined` when the file does not exist. */
export function readJsonIfExists<T>(file: string): T | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/**
 * Replaces directory `target` by `staging` (a fully written sibling folder)
 * so that at every instant one complete version exists on disk: a `target`
 * missing after an earlier crash is first restored from `target.old`; then
 * `target` is renamed to `target.old`, `staging` to `target`, and the old one
 * removed. `recoverDirAtomic` finds the surviving version after a crash in
 * between (including a complete `staging`).
 */
export function replaceDirAtomic(staging: string, target: string): void {
  const old = `${target}.old`;
  // `target.old` is the only complete copy while `target` is missing: never delete it then.
  if (!fs.existsSync(target) && fs.existsSync(old)) fs.renameSync(old, target);
  if (fs.existsSync(old)) removeDir(old);
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(staging, target);
  fsyncDir(path.dirname(target));
  if (fs.existsSync(old)) removeDir(old);
}

/** Staging folders of `target` (`<target>.staging-<pid>`) left by any process. */
export function stagingDirsOf(target: string): string[] {
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) return [];
  const prefix = `${path.basename(target)}.staging-`;
  return fs.readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => path.join(dir, n));
}

/**
 * After a crash, makes `target` the newest complete version among `target`,
 * `target.old` and `target.staging-*` and deletes the others (staging folders
 * of killed saves included). `version(dir)` returns a number ordering complete
 * versions (e.g. the step of a checkpoint), or undefined when `dir` is
 * incomplete. Every intermediate state of this function keeps the chosen
 * version intact, so a kill during it is recovered by the next call. Returns
 * `target`, or undefined when no complete version exists.
 */
export function recoverDirAtomic(target: string, version: (dir: string) => number | undefined): string | undefined {
  if (!fs.existsSync(path.dirname(target))) return undefined;
  const candidates = [target, `${target}.old`, ...stagingDirsOf(target)].filter((d) => fs.existsSync(d));
  let best: string | undefined;
  let bestVersion = -Infinity;
  for (const d of candidates) {
    const v = version(d);
    // Ties go to the earlier candidate: `target` first.
    if (v !== undefined && v > bestVersion) {
      best = d;
      bestVersion = v;
    }
  }
  if (best !== undefined && best !== target) {
    if (fs.existsSync(target)) removeDir(target);
    fs.renameSync(best, target);
    fsyncDir(path.dirname(target));
  }
  for (const d of candidates) if (d !== target && d !== best && fs.existsSync(d)) removeDir(d);
  const dir = path.dirname(target);
  const trash = `${path.basename(target)}.trash-`;
  for (const n of fs.readdirSync(dir)) if (n.startsWith(trash)) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  return best !== undefined ? target : undefined;
}

let trashCounter = 0;

/**
 * Deletes a folder by first renaming it out of the way (atomic), so a kill
 * half-way through the deletion never leaves a partly deleted folder under a
 * name that looks complete (a partial checkpoint that still has its loop.json).
 */
function removeDir(d: string): void {
  trashCounter += 1;
  const base = path.basename(d).replace(/\.(old|staging-\d+)$/, '');
  const trash = path.join(path.dirname(d), `${base}.trash-${process.pid}-${trashCounter}`);
  fs.renameSync(d, trash);
  fs.rmSync(trash, { recursive: true, force: true });
}

/** The complete version of a directory written by `replaceDirAtomic`, or undefined (read-only: no recovery). */
export function resolveDirAtomic(target: string): string | undefined {
  if (fs.existsSync(target)) return target;
  const old = `${target}.old`;
  if (fs.existsSync(old)) return old;
  return undefined;
}

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
 * so that at every instant one complete version exists: `target` is first
 * renamed to `target.old`, then `staging` to `target`, then the old one is
 * removed. `resolveDirAtomic` finds the surviving version after a crash in
 * between.
 */
export function replaceDirAtomic(staging: string, target: string): void {
  const old = `${target}.old`;
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(staging, target);
  fsyncDir(path.dirname(target));
  fs.rmSync(old, { recursive: true, force: true });
}

/** The complete version of a directory written by `replaceDirAtomic`, or undefined. */
export function resolveDirAtomic(target: string): string | undefined {
  if (fs.existsSync(target)) return target;
  const old = `${target}.old`;
  if (fs.existsSync(old)) return old;
  return undefined;
}

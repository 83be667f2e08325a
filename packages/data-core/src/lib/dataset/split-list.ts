/**
 * Split lists (SPEC §5): a text file, one path per line, relative to the
 * dataset root. Blank lines and lines starting with '#' are skipped.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../codec/png';

/** Reads a split list; throws naming the file and line for absolute or escaping paths. */
export function readSplitList(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read split list (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (path.isAbsolute(line) || path.normalize(line).split(/[\\/]/)[0] === '..') {
      throw new Error(`${file}:${i + 1}: split list entries are relative to the dataset root, got '${line}'`);
    }
    out.push(path.normalize(line).split(path.sep).join('/'));
  });
  return out;
}

/** Writes a split list atomically, one relative path per line. */
export function writeSplitList(file: string, entries: readonly string[]): void {
  writeFileAtomic(file, Buffer.from(entries.map((e) => e + '\n').join(''), 'utf8'));
}

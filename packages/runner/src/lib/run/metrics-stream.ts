/**
 * Reads metrics.jsonl record by record in fixed-size chunks, never as one
 * string: a paper-size run writes millions of records, more than V8's
 * largest string. A torn last line (a killed run) is skipped.
 */
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import type { MetricRecord } from './run-dir';

const CHUNK = 1 << 20;

/** Calls `fn` for every complete JSON line of `file` (absent file: no calls). */
export function forEachMetric(file: string, fn: (r: MetricRecord) => void): void {
  if (!fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    // The decoder keeps a UTF-8 character split between two chunks whole.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const text = rest + decoder.write(buf.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) parse(line, fn);
    }
    parse(rest + decoder.end(), fn);
  } finally {
    fs.closeSync(fd);
  }
}

function parse(line: string, fn: (r: MetricRecord) => void): void {
  if (!line.trim()) return;
  let r: MetricRecord;
  try {
    r = JSON.parse(line) as MetricRecord;
  } catch {
    return; // torn line from a killed run
  }
  fn(r);
}

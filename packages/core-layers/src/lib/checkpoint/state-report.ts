/**
 * Comparing a set of named tensors found (in a file, a state dict) with the
 * set a module or optimizer expects, so every loader reports mismatches the
 * same way: exactly which names are missing, unexpected, mis-shaped or of the
 * wrong dtype.
 */

/** Shape and dtype of one named tensor. */
export interface TensorSignature {
  shape: number[];
  dtype: string;
}

export interface ShapeMismatch {
  name: string;
  expected: number[];
  found: number[];
}

export interface DtypeMismatch {
  name: string;
  expected: string;
  found: string;
}

/** What a (non-strict) load did and did not do. */
export interface LoadReport {
  /** Names loaded (target names). */
  loaded: string[];
  /** Expected by the target, absent from the source. */
  missing: string[];
  /** Present in the source, unknown to the target. */
  unexpected: string[];
  /** Present in both with different shapes (not loaded). */
  misShaped: ShapeMismatch[];
  /** Present in both with different dtypes (not loaded). */
  wrongDtype: DtypeMismatch[];
}

/** True when nothing was missing, unexpected, mis-shaped or of the wrong dtype. */
export function isCleanReport(report: LoadReport): boolean {
  return report.missing.length + report.unexpected.length + report.misShaped.length + report.wrongDtype.length === 0;
}

/** Compare found against expected; `loaded` lists the names that match exactly. */
export function compareSignatures(
  expected: ReadonlyMap<string, TensorSignature>,
  found: ReadonlyMap<string, TensorSignature>,
): LoadReport {
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], misShaped: [], wrongDtype: [] };
  for (const [name, want] of expected) {
    const got = found.get(name);
    if (got === undefined) report.missing.push(name);
    else if (!sameShape(want.shape, got.shape)) report.misShaped.push({ name, expected: want.shape, found: got.shape });
    else if (want.dtype !== got.dtype) report.wrongDtype.push({ name, expected: want.dtype, found: got.dtype });
    else report.loaded.push(name);
  }
  for (const name of found.keys()) if (!expected.has(name)) report.unexpected.push(name);
  return report;
}

/** A multi-line description of every problem of a report ('' when clean). */
export function describeReport(report: LoadReport, limit = 50): string {
  const lines: string[] = [];
  const list = (title: string, items: string[]): void => {
    if (items.length === 0) return;
    const shown = items.slice(0, limit);
    const more = items.length > limit ? ` … and ${items.length - limit} more` : '';
    lines.push(`  ${title} (${items.length}): ${shown.join(', ')}${more}`);
  };
  list('missing', report.missing);
  list('unexpected', report.unexpected);
  list(
    'mis-shaped',
    report.misShaped.map((m) => `${m.name} expected [${m.expected.join(',')}] found [${m.found.join(',')}]`),
  );
  list(
    'wrong dtype',
    report.wrongDtype.map((m) => `${m.name} expected ${m.expected} found ${m.found}`),
  );
  return lines.join('\n');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

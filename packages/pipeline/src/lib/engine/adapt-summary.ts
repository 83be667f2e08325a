/**
 * What `adapt` reports: the console table and `<run>/result.json` — per
 * round the target-val means of the checkpoint handed on, of the stage's
 * last and best checkpoints (and which one the loop used), and the FID/IS
 * of the round's translated source set when an Inception model was given
 * (round 0: the untranslated source, the paper's baseline).
 */
import type { EvalResult } from '../report/build-report';
import { writeJsonAtomic, RunDir } from '@semadapt/runner';
import type { AdaptResult, CheckpointScore } from './adapt-loop';

/** Translation quality of one round (SPEC §6, paper Table 4). */
export interface TranslationQuality {
  /** FID of the translated source set against the target train statistics. */
  fid: number;
  /** Inception Score of the translated set, 10 splits. */
  is: { mean: number; std: number };
  images: number;
}

/** `<run>/result.json`: the adapt result (rounds carry `fid`/`is` when computed) and the mean rounds are compared by. */
export type RunResult = AdaptResult & { selectBy: string };

/** `<run>/result.json`, written atomically; returns its path. */
export function writeRunResult(run: RunDir, r: AdaptResult, selectBy: string): string {
  const file = run.path('result.json');
  writeJsonAtomic(file, { ...r, selectBy } satisfies RunResult);
  return file;
}

/** The adapt table: means of the checkpoint handed on, last and best by `selectBy`, FID/IS. */
export function formatAdaptTable(r: AdaptResult, selectBy: 'miou19' | 'miou16' | 'miou13', options: { oracle?: EvalResult } = {}): string {
  const pct = (v: number | undefined): string => (v !== undefined && Number.isFinite(v) ? (100 * v).toFixed(1) : '–');
  const score = (c: CheckpointScore | null): string => (c ? `${pct(c[selectBy])} @${c.step}` : '–');
  const withQuality = r.rounds.some((row) => row.fid !== undefined);
  const head = `${'model'.padEnd(24)}  mIoU19  mIoU16  mIoU13  used  ${`last ${selectBy}`.padEnd(16)}  ${`best ${selectBy}`.padEnd(16)}${withQuality ? '     FID     IS' : ''}`;
  const lines = ['', `target val; each stage hands on its ${r.select === 'last' ? 'last checkpoint' : 'best checkpoint on target val'} (optimization.select '${r.select}'); rounds compared by ${selectBy}`, head];
  for (const row of r.rounds) {
    const name = row.round === 0 ? 'source-only (round 0)' : `adapted, round ${row.round}`;
    const quality = withQuality ? `  ${(row.fid !== undefined ? row.fid.toFixed(1) : '–').padStart(6)}  ${(row.is ? row.is.mean.toFixed(2) : '–').padStart(5)}` : '';
    lines.push(
      `${name.padEnd(24)}  ${pct(row.miou19).padStart(6)}  ${pct(row.miou16).padStart(6)}  ${pct(row.miou13).padStart(6)}  ${row.used.padEnd(4)}  ${score(row.last).padEnd(16)}  ${score(row.best).padEnd(16)}${quality}${row.round === r.bestRound ? '   ← best round' : ''}`,
    );
  }
  const o = options.oracle;
  if (o) lines.push(`${'oracle (target labels)'.padEnd(24)}  ${pct(o.miou19).padStart(6)}  ${pct(o.miou16).padStart(6)}  ${pct(o.miou13).padStart(6)}`);
  lines.push(`stopped: ${r.stoppedBecause}`);
  return lines.join('\n');
}

/**
 * Assembles a run's report from its files only — metrics.jsonl (loss
 * curves), the evaluate stages' markers (mIoU rows), `samples/` (image grid
 * PNGs written by the stages) and config.json — so `semadapt report` can
 * rebuild it at any time, also for a run that is still going.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJsonIfExists, writeFileAtomic } from '../run/atomic';
import { RunDir } from '../run/run-dir';
import { markerFile, StageMarker } from '../run/stages';
import { ImageGrid, LossSeries, MiouRow, pngDataUrl, renderReport } from './html-report';

/** Columns of the image grid, in order; a sample file is `<sample>__<column>.png`. */
export const GRID_COLUMNS = ['source', 'translated', 'guidance', 'prediction', 'ground truth'] as const;
export type GridColumn = (typeof GRID_COLUMNS)[number];

/** File of one grid cell: `<run>/samples/<group>/<sample>__<column>.png`. */
export function samplePath(run: RunDir, group: string, sample: string, column: GridColumn): string {
  return run.path('samples', group, `${sample}__${column.replace(/ /g, '-')}.png`);
}

/** Evaluation result stored in an evaluate stage's marker. */
export interface EvalResult {
  perClass: number[];
  miou19: number;
  miou16: number;
  miou13: number;
  pixels: number;
  images: number;
  /** Confusion counts, `confusion[groundTruth][prediction]` over the 19 trainIds (absent in results older than this field). */
  confusion?: number[][];
}

/** A row-major `n × n` count array as rows (`rows[gt][pred]`). */
export function confusionRows(counts: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: n }, (_, g) => Array.from({ length: n }, (_, p) => counts[g * n + p]));
}

/** The stage names of evaluations and the row names they get, in table order. */
export function evaluationStages(run: RunDir): { stage: string; name: string }[] {
  const out: { stage: string; name: string }[] = [];
  const dir = run.path('stages');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const names = files.map((f) => f.replace(/\.json$/, '').replace(/__/g, '/')).filter((s) => s.endsWith('/evaluate'));
  const round = (s: string): number => Number(/^round(\d+)\//.exec(s)?.[1] ?? NaN);
  for (const s of names.filter((n) => n.startsWith('round')).sort((a, b) => round(a) - round(b))) {
    const k = round(s);
    out.push({ stage: s, name: k === 0 ? 'source-only (round 0)' : `adapted, round ${k}` });
  }
  if (names.includes('oracle/evaluate')) out.push({ stage: 'oracle/evaluate', name: 'oracle (target labels)' });
  return out;
}

export function miouRows(run: RunDir): MiouRow[] {
  const rows: MiouRow[] = [];
  for (const { stage, name } of evaluationStages(run)) {
    const m = readJsonIfExists<StageMarker<EvalResult>>(markerFile(run, stage));
    if (m) rows.push({ name, ...m.result });
  }
  return rows;
}

function lossSeries(run: RunDir): LossSeries[] {
  const series = new Map<string, LossSeries & { points: [number, number][] }>();
  for (const r of run.metrics()) {
    if (r.kind !== 'train') continue;
    for (const [name, v] of Object.entries(r.values)) {
      const key = `${r.stage}\u0000${name}`;
      if (!series.has(key)) series.set(key, { stage: r.stage, name, points: [] });
      (series.get(key) as { points: [number, number][] }).points.push([r.step, v]);
    }
  }
  // Learning rates and terms that are identically zero (e.g. adversarial terms in source-only mode) are not losses to plot.
  return [...series.values()].filter((x) => !/^lr/.test(x.name) && x.points.some(([, v]) => v !== 0));
}

function grids(run: RunDir): ImageGrid[] {
  const root = run.path('samples');
  if (!fs.existsSync(root)) return [];
  const out: ImageGrid[] = [];
  const groups = fs.readdirSync(root).filter((g) => fs.statSync(path.join(root, g)).isDirectory()).sort();
  for (const group of groups) {
    const files = fs.readdirSync(path.join(root, group)).filter((f) => f.endsWith('.png'));
    const samples = [...new Set(files.map((f) => f.split('__')[0]))].sort();
    const rows = samples.map((name) => ({
      name,
      cells: GRID_COLUMNS.map((c) => {
        const file = path.join(root, group, `${name}__${c.replace(/ /g, '-')}.png`);
        return fs.existsSync(file) ? pngDataUrl(fs.readFileSync(file)) : null;
      }),
    }));
    out.push({ title: group.replace(/__/g, '/'), columns: GRID_COLUMNS, rows });
  }
  return out;
}

/** Writes `<run>/report.html` and returns its path. */
export function writeReport(run: RunDir, title = `semadapt run ${path.basename(run.root)}`): string {
  const html = renderReport({
    title,
    subtitle: `run directory ${run.root}; generated ${new Date().toISOString()}`,
    miou: miouRows(run),
    losses: lossSeries(run),
    grids: grids(run),
    config: readJsonIfExists(run.configFile) ?? {},
    manifest: readJsonIfExists(run.path('manifest.json')),
    notes: [
      'Guidance = argmax of the frozen segmenter S_{k−1} logits that condition the translator (SPEC §2), drawn in the Cityscapes palette.',
    ],
  });
  writeFileAtomic(run.reportFile, html);
  return run.reportFile;
}

/**
 * Assembles a run's report from its files only — metrics.jsonl (loss
 * curves, streamed), the stage markers (mIoU rows, confusion matrix, stage
 * times), the pseudo-label reports, adapt's `result.json` (FID/IS per round
 * when computed), `samples/` (image grid PNGs written by the stages),
 * config.json and the manifests — so `semadapt report` can rebuild it at any
 * time, also for a run that is still going.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodePng, readLabelIds, readRgb, resize } from '@semadapt/data-core';
import { isStageId, readJsonIfExists, writeFileAtomic, readManifests, forEachMetric, RunDir, roundStage, StageId, stageFromFileName, stageRound, markerFile, StageMarker } from '@semadapt/runner';
import { ImageGrid, LossSeries, MiouRow, pngDataUrl, PseudoLabelRow, renderReport, RoundRow, StageTime } from './html-report';
import { colorizeTrainIds } from '@semadapt/labels';

/** Columns of the image grid, in order; a sample file is `<sample>__<column>.png`. */
export const GRID_COLUMNS = [
  'source', 'translated', 'guidance', 'prediction', 'ground truth',
  // Appendix C / Figure 5 (`semadapt fake-guidance`): guidance of a different image and both translations.
  'other image guidance', 'own-guided translation', 'other-guided translation',
] as const;
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
export function evaluationStages(run: RunDir): { stage: StageId; name: string }[] {
  const out: { stage: StageId; name: string }[] = [];
  const dir = run.path('stages');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const names = files.map((f) => stageFromFileName(f.replace(/\.json$/, ''))).filter((s): s is StageId => isStageId(s) && s.endsWith('/evaluate'));
  const round = (s: string): number => stageRound(s) ?? NaN;
  for (const s of names.filter((n) => n.startsWith('round')).sort((a, b) => round(a) - round(b))) {
    const k = round(s);
    out.push({ stage: s, name: k === 0 ? 'source-only (round 0)' : `adapted, round ${k}` });
  }
  if (names.includes('oracle/evaluate')) out.push({ stage: 'oracle/evaluate', name: 'oracle (target labels)' });
  return out;
}

export function miouRows(run: RunDir): (MiouRow & { stage: string; confusion?: number[][] })[] {
  const rows: (MiouRow & { stage: string; confusion?: number[][] })[] = [];
  for (const { stage, name } of evaluationStages(run)) {
    const m = readJsonIfExists<StageMarker<EvalResult>>(markerFile(run, stage));
    if (m) rows.push({ name, stage, ...m.result });
  }
  return rows;
}

/** Sums a round's pseudo-label reports (one per shard). */
export function pseudoLabelRows(run: RunDir): PseudoLabelRow[] {
  const out: PseudoLabelRow[] = [];
  const root = run.outputDir();
  if (!fs.existsSync(root)) return out;
  for (const dir of fs.readdirSync(root).filter((d) => /^round\d+$/.test(d)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
    const files = fs.readdirSync(path.join(root, dir)).filter((f) => /^pseudo-label-report-\d+-of-\d+\.json$/.test(f));
    if (!files.length) continue;
    const row: PseudoLabelRow = { round: Number(dir.slice(5)), images: 0, totalPixels: 0, ignoredPixels: 0, keptPerClass: new Array(19).fill(0), predictedPerClass: new Array(19).fill(0) };
    for (const f of files) {
      const r = readJsonIfExists<{ images: number; totalPixels: number; ignoredPixels: number; keptPerClass: number[]; predictedPerClass: number[] }>(path.join(root, dir, f));
      if (!r) continue;
      row.images += r.images;
      row.totalPixels += r.totalPixels;
      row.ignoredPixels += r.ignoredPixels;
      r.keptPerClass.forEach((v, i) => (row.keptPerClass[i] += v));
      r.predictedPerClass.forEach((v, i) => (row.predictedPerClass[i] += v));
    }
    out.push(row);
  }
  return out;
}

/** adapt's `<run>/result.json` (fidelity's RunResult), the parts the report shows. */
interface RunResultFile {
  bestRound?: number;
  selectBy?: string;
  rounds?: Array<{ round: number; fid?: number; is?: { mean: number; std: number } } & Pick<RoundRow, 'used' | 'last' | 'best'>>;
}

/** One row per round: the means, the pseudo-labels kept, FID/IS when computed, and the round's stage times. */
export function roundRows(run: RunDir, rows = miouRows(run), pseudo = pseudoLabelRows(run), stages = stageTimes(run)): RoundRow[] {
  const result = readJsonIfExists<RunResultFile>(run.path('result.json'));
  const out: RoundRow[] = [];
  for (const r of rows) {
    const k = stageRound(r.stage) ?? NaN;
    if (!Number.isFinite(k)) continue;
    const p = pseudo.find((x) => x.round === k);
    const q = result?.rounds?.find((x) => x.round === k);
    out.push({
      round: k,
      miou19: r.miou19,
      miou16: r.miou16,
      miou13: r.miou13,
      pseudoKept: p && p.totalPixels > 0 ? 1 - p.ignoredPixels / p.totalPixels : undefined,
      fid: q?.fid,
      is: q?.is,
      used: q?.used,
      last: q?.last,
      best: q?.best,
      seconds: stages.filter((s) => s.stage.startsWith(`round${k}/`)).reduce((a, s) => a + s.seconds, 0),
    });
  }
  return out;
}

/** Every finished stage with its duration, in the order they finished. */
export function stageTimes(run: RunDir): StageTime[] {
  const dir = run.path('stages');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readJsonIfExists<StageMarker<unknown>>(path.join(dir, f)))
    .filter((m): m is StageMarker<unknown> => m !== undefined && typeof m.seconds === 'number')
    .map((m) => ({ stage: m.stage, seconds: m.seconds, finishedAt: m.finishedAt }))
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/** Loss curves from metrics.jsonl, read line by line (a paper-size run's file is larger than one JS string may be). */
function lossSeries(run: RunDir): LossSeries[] {
  const series = new Map<string, LossSeries & { points: [number, number][] }>();
  forEachMetric(run.metricsFile, (r) => {
    if (r.kind !== 'train') return;
    for (const [name, v] of Object.entries(r.values)) {
      const key = `${r.stage}\u0000${name}`;
      if (!series.has(key)) series.set(key, { stage: r.stage, name, points: [] });
      (series.get(key) as { points: [number, number][] }).points.push([r.step, v]);
    }
  });
  // Learning rates and terms that are identically zero (e.g. adversarial terms in source-only mode) are not losses to plot.
  return [...series.values()].filter((x) => !/^lr/.test(x.name) && x.points.some(([, v]) => v !== 0));
}

/** Header of a grid column: evaluation grids (on target val) show the target image in the 'source' slot. */
function columnTitle(group: string, c: GridColumn): string {
  if (c === 'source') return /target-val$/.test(group) ? 'target image' : 'source image';
  return c;
}

function grids(run: RunDir): ImageGrid[] {
  const root = run.path('samples');
  if (!fs.existsSync(root)) return [];
  const out: ImageGrid[] = [];
  const groups = fs.readdirSync(root).filter((g) => fs.statSync(path.join(root, g)).isDirectory()).sort();
  for (const group of groups) {
    const files = fs.readdirSync(path.join(root, group)).filter((f) => f.endsWith('.png'));
    const samples = [...new Set(files.map((f) => f.split('__')[0]))].sort();
    // Only the columns this group has images for (an evaluation grid has no translation or guidance).
    const columns = GRID_COLUMNS.filter((c) => samples.some((name) => fs.existsSync(path.join(root, group, `${name}__${c.replace(/ /g, '-')}.png`))));
    const rows = samples.map((name) => ({
      name,
      cells: columns.map((c) => {
        const file = path.join(root, group, `${name}__${c.replace(/ /g, '-')}.png`);
        return fs.existsSync(file) ? pngDataUrl(fs.readFileSync(file)) : null;
      }),
    }));
    out.push({ title: stageFromFileName(group), columns: columns.map((c) => columnTitle(group, c)), rows });
  }
  return out;
}

/** Width of the pseudo-label grid's images (real target images are 2048 wide; the report stays small). */
const PSEUDO_GRID_WIDTH = 256;

/** Every file under `dir` (relative paths, sorted), at most `limit`. */
function firstFiles(dir: string, limit: number, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= limit) break;
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...firstFiles(dir, limit - out.length, r));
    else if (e.isFile() && e.name.endsWith('.png')) out.push(r);
  }
  return out;
}

/**
 * Per round with pseudo-labels: the first target-train images beside their
 * pseudo-labels (Cityscapes palette, ignored pixels black), both scaled to
 * PSEUDO_GRID_WIDTH. A pseudo-label mirrors its image's path under the
 * target root; images that cannot be read are left out.
 */
function pseudoLabelGrids(run: RunDir, targetRoot: string | undefined, count: number): ImageGrid[] {
  const root = run.outputDir();
  if (!targetRoot || count <= 0 || !fs.existsSync(root)) return [];
  const out: ImageGrid[] = [];
  for (const dir of fs.readdirSync(root).filter((d) => /^round\d+$/.test(d)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))) {
    const labels = path.join(root, dir, 'pseudo-labels');
    if (!fs.existsSync(labels)) continue;
    const rows: ImageGrid['rows'][number][] = [];
    for (const rel of firstFiles(labels, count)) {
      try {
        const ids = readLabelIds(path.join(labels, rel));
        const h = Math.max(1, Math.round((ids.height * PSEUDO_GRID_WIDTH) / ids.width));
        const size = { kind: 'size' as const, width: PSEUDO_GRID_WIDTH, height: h };
        const small = resize(ids, size, 'nearest');
        const label = encodePng({ width: small.width, height: small.height, channels: 3, data: colorizeTrainIds(small.data) });
        const imageFile = path.join(targetRoot, rel);
        const image = fs.existsSync(imageFile) ? encodePng(resize(readRgb(imageFile), size, 'bilinear')) : null;
        rows.push({ name: path.basename(rel, '.png'), cells: [image ? pngDataUrl(image) : null, pngDataUrl(label)] });
      } catch {
        /* a file being written or unreadable: not shown */
      }
    }
    if (rows.length) out.push({ title: `${dir}/pseudo-labels (target train)`, columns: ['target image', 'pseudo-label'], rows });
  }
  return out;
}

/** Writes `<run>/report.html` and returns its path. */
export function writeReport(run: RunDir, title = `semadapt run ${path.basename(run.root)}`): string {
  const config =
    readJsonIfExists<{ optimization?: { selectBy?: 'miou19' | 'miou16' | 'miou13' }; data?: { target?: { root?: string } }; logging?: { reportImages?: number } }>(run.configFile) ?? {};
  const miou = miouRows(run);
  const stages = stageTimes(run);
  const pseudo = pseudoLabelRows(run);
  const rounds = roundRows(run, miou, pseudo, stages);
  // The confusion matrix of the best adapted round (by the run's selection mean), else of the last evaluation that has one.
  const selectBy = config.optimization?.selectBy ?? 'miou19';
  const best = rounds.filter((r) => r.round > 0).sort((a, b) => b[selectBy] - a[selectBy])[0];
  const withMatrix = miou.filter((r) => r.confusion);
  const shown = withMatrix.find((r) => best && r.stage === roundStage(best.round, 'evaluate')) ?? withMatrix[withMatrix.length - 1];
  const manifests = readManifests(run.root);
  const html = renderReport({
    title,
    subtitle: `run directory ${run.root}; generated ${new Date().toISOString()}`,
    miou,
    rounds,
    selectBy,
    oracle: miou.find((r) => r.stage === 'oracle/evaluate'),
    confusion: shown?.confusion ? { title: shown.name, counts: shown.confusion } : undefined,
    pseudoLabels: pseudo,
    stageTimes: stages,
    losses: lossSeries(run),
    grids: [...grids(run), ...pseudoLabelGrids(run, config.data?.target?.root, config.logging?.reportImages ?? 4)],
    config,
    manifest: manifests.length ? manifests : undefined,
    notes: [
      'Guidance = argmax of the frozen segmenter S_{k−1} logits that condition the translator (SPEC §2), drawn in the Cityscapes palette.',
    ],
  });
  writeFileAtomic(run.reportFile, html);
  return run.reportFile;
}

/**
 * The per-run HTML report (issue 9 §5): one self-contained file — no
 * scripts, no external resources — with the loss curves as inline SVG, the
 * mIoU table with per-class IoU (paper column order), image grids as inline
 * PNG data URIs (source, translated, guidance, prediction, ground truth;
 * label maps in the Cityscapes palette), and the resolved config.
 */
import { CITYSCAPES_PALETTE } from './palette';

/** Class names in trainId order (the paper's table columns). */
const CLASS_HEADS = [
  'road', 'sidew', 'build', 'wall', 'fence', 'pole', 'light', 'sign', 'veg', 'terr',
  'sky', 'pers', 'rider', 'car', 'truck', 'bus', 'train', 'mbike', 'bike',
];

/** One row of the mIoU table. */
export interface MiouRow {
  name: string;
  perClass: readonly number[];
  miou19: number;
  miou16: number;
  miou13: number;
}

/** A loss series: (step, value) points of one named loss of one stage. */
export interface LossSeries {
  stage: string;
  name: string;
  points: readonly (readonly [number, number])[];
}

/** A grid of images: one row per sample, one column per kind. */
export interface ImageGrid {
  title: string;
  columns: readonly string[];
  rows: readonly { name: string; cells: readonly (string | null)[] }[];
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  miou: readonly MiouRow[];
  losses: readonly LossSeries[];
  grids: readonly ImageGrid[];
  config: unknown;
  manifest?: unknown;
  notes?: readonly string[];
}

/** `data:image/png;base64,...` for PNG bytes. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function pct(v: number): string {
  return Number.isFinite(v) ? (100 * v).toFixed(1) : '–';
}

function miouTable(rows: readonly MiouRow[]): string {
  if (rows.length === 0) return '<p>No evaluation yet.</p>';
  const colour = (i: number): string => `rgb(${CITYSCAPES_PALETTE[i].join(',')})`;
  const head =
    '<tr><th>model</th>' +
    CLASS_HEADS.map((h, i) => `<th><span class="sw" style="background:${colour(i)}"></span>${h}</th>`).join('') +
    '<th>mIoU19</th><th>mIoU16</th><th>mIoU13</th></tr>';
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.name)}</td>${r.perClass.map((v) => `<td>${pct(v)}</td>`).join('')}` +
        `<td class="m">${pct(r.miou19)}</td><td class="m">${pct(r.miou16)}</td><td class="m">${pct(r.miou13)}</td></tr>`,
    )
    .join('\n');
  return `<table id="miou-table" class="miou"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>
<p class="note">IoU % per Cityscapes trainId; IoU = TP/(TP+FP+FN) from one 19-class confusion matrix (255 ignored);
16/13-class means taken from the 19-class matrix as BDL does; '–' = class absent from prediction and ground truth.</p>`;
}

const LINE_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Keeps at most `n` points by averaging buckets (curves of 1M steps stay small). */
function downsample(points: readonly (readonly [number, number])[], n: number): [number, number][] {
  if (points.length <= n) return points.map(([x, y]) => [x, y]);
  const out: [number, number][] = [];
  const per = points.length / n;
  for (let b = 0; b < n; b++) {
    const lo = Math.floor(b * per);
    const hi = Math.max(lo + 1, Math.floor((b + 1) * per));
    let sx = 0;
    let sy = 0;
    for (let i = lo; i < hi; i++) {
      sx += points[i][0];
      sy += points[i][1];
    }
    out.push([sx / (hi - lo), sy / (hi - lo)]);
  }
  return out;
}

function niceNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : v.toPrecision(3).replace(/\.?0+$/, '');
}

/** One SVG chart per stage, one polyline per loss, with axes and a legend. */
export function lossChartSvg(stage: string, series: readonly LossSeries[]): string {
  const W = 560;
  const H = 260;
  const L = 60;
  const R = 150;
  const T = 24;
  const B = 36;
  const pts = series.map((s) => downsample(s.points.filter(([, y]) => Number.isFinite(y)), 400));
  const all = pts.flat();
  if (all.length === 0) return '';
  const x0 = Math.min(...all.map((p) => p[0]));
  const y0 = Math.min(0, ...all.map((p) => p[1]));
  const xMax = Math.max(...all.map((p) => p[0]));
  const yMax = Math.max(...all.map((p) => p[1]));
  const x1 = xMax === x0 ? x0 + 1 : xMax;
  const y1 = yMax === y0 ? y0 + 1 : yMax;
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const y = y0 + t * (y1 - y0);
      const x = x0 + t * (x1 - x0);
      return (
        `<line x1="${L}" x2="${W - R}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/>` +
        `<text x="${L - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${niceNumber(y)}</text>` +
        `<text x="${sx(x).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${Math.round(x)}</text>`
      );
    })
    .join('');
  const lines = pts
    .map((p, i) => {
      const c = LINE_COLOURS[i % LINE_COLOURS.length];
      const d = p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      return (
        `<polyline fill="none" stroke="${c}" stroke-width="1.4" points="${d}"><title>${escapeHtml(series[i].name)}</title></polyline>` +
        `<rect x="${W - R + 10}" y="${T + 14 * i - 8}" width="10" height="10" fill="${c}"/>` +
        `<text x="${W - R + 24}" y="${T + 14 * i + 1}">${escapeHtml(series[i].name)}</text>`
      );
    })
    .join('\n');
  return (
    `<svg class="loss-chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="10" font-family="sans-serif">` +
    `<text x="${L}" y="14" font-size="12" font-weight="bold">${escapeHtml(stage)}</text>` +
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>` +
    grid +
    lines +
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">step</text></svg>`
  );
}

function gridHtml(g: ImageGrid): string {
  const head = `<tr><th></th>${g.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = g.rows
    .map(
      (r) =>
        `<tr><th class="rn">${escapeHtml(r.name)}</th>` +
        r.cells.map((c, i) => (c ? `<td><img src="${c}" alt="${escapeHtml(`${r.name} ${g.columns[i]}`)}"/></td>` : '<td>–</td>')).join('') +
        '</tr>',
    )
    .join('\n');
  return `<h3>${escapeHtml(g.title)}</h3><table class="grid">${head}\n${rows}</table>`;
}

function legendHtml(): string {
  return (
    '<p class="legend">' +
    CLASS_HEADS.map((h, i) => `<span><span class="sw" style="background:rgb(${CITYSCAPES_PALETTE[i].join(',')})"></span>${h}</span>`).join(' ') +
    ' <span><span class="sw" style="background:#000"></span>ignore</span></p>'
  );
}

/** Renders the whole report as one HTML string. */
export function renderReport(input: ReportInput): string {
  const byStage = new Map<string, LossSeries[]>();
  for (const s of input.losses) byStage.set(s.stage, [...(byStage.get(s.stage) ?? []), s]);
  const charts = [...byStage.entries()].map(([stage, series]) => lossChartSvg(stage, series)).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:12px}
th,td{border:1px solid #ccc;padding:2px 5px;text-align:right}
td:first-child,th.rn{text-align:left}
td.m{font-weight:bold;background:#f4f4f4}
.sw{display:inline-block;width:9px;height:9px;margin-right:2px;border:1px solid #888}
.grid img{image-rendering:pixelated;width:192px}
.note,.legend{font-size:11px;color:#555}
pre{background:#f6f6f6;padding:8px;font-size:11px;overflow:auto}
svg.loss-chart{border:1px solid #eee;margin:4px}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
${input.subtitle ? `<p>${escapeHtml(input.subtitle)}</p>` : ''}
${(input.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<h2>Validation mIoU (target val)</h2>
${miouTable(input.miou)}
<h2>Loss curves</h2>
<div id="loss-curves">${charts || '<p>No training records.</p>'}</div>
<h2>Images</h2>
${legendHtml()}
${input.grids.map(gridHtml).join('\n')}
<h2>Config</h2>
<pre id="config">${escapeHtml(JSON.stringify(input.config, null, 2))}</pre>
${input.manifest ? `<h2>Manifest</h2><pre id="manifest">${escapeHtml(JSON.stringify(input.manifest, null, 2))}</pre>` : ''}
</body></html>
`;
}

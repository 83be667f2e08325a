/**
 * The per-run HTML report (issue 9 §5, issue 19 §6): one self-contained
 * file — no scripts, no external resources — opening with the summary (best
 * round, gain over source-only, share of the gap to the oracle), then mIoU
 * per round as an SVG chart and a table (pseudo-labels kept, FID/IS when
 * computed, time), the per-class IoU table (paper column order), the
 * confusion matrix of the best round, pseudo-label statistics per class,
 * stage times, the loss curves (smoothed, log scale), image grids as inline
 * PNG data URIs (label maps in the Cityscapes palette), config and manifests.
 */
import { CLASS_SHORT_NAMES as CLASS_HEADS, TRAIN_ID_COLORS } from '@semadapt/labels';

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

/** One adaptation round (0 = source-only) as the summary, chart and round table show it. */
export interface RoundRow {
  round: number;
  miou19: number;
  miou16: number;
  miou13: number;
  /** Share of target pixels the round's pseudo-labels kept (undefined: no pseudo-label stage). */
  pseudoKept?: number;
  fid?: number;
  is?: { mean: number; std: number };
  /** From adapt's result.json: which checkpoint was handed on, and the stage's last and best by target val. */
  used?: 'last' | 'best';
  last?: { step: number; miou19: number; miou16: number; miou13: number } | null;
  best?: { step: number; miou19: number; miou16: number; miou13: number } | null;
  /** Seconds of the round's stages. */
  seconds: number;
}

/** A round's pseudo-label statistics (summed over shards). */
export interface PseudoLabelRow {
  round: number;
  images: number;
  totalPixels: number;
  ignoredPixels: number;
  keptPerClass: number[];
  predictedPerClass: number[];
}

export interface StageTime {
  stage: string;
  seconds: number;
  finishedAt: string;
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  miou: readonly MiouRow[];
  rounds?: readonly RoundRow[];
  selectBy?: 'miou19' | 'miou16' | 'miou13';
  oracle?: MiouRow;
  /** Confusion counts [gt][pred] of one evaluation, and which. */
  confusion?: { title: string; counts: readonly (readonly number[])[] };
  pseudoLabels?: readonly PseudoLabelRow[];
  stageTimes?: readonly StageTime[];
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
  const colour = (i: number): string => `rgb(${TRAIN_ID_COLORS[i].join(',')})`;
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

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}

/** The best adapted round by `selectBy`, its gain over source-only and the share of the gap to the oracle. */
function summaryHtml(rounds: readonly RoundRow[], selectBy: 'miou19' | 'miou16' | 'miou13', oracle: MiouRow | undefined): string {
  const source = rounds.find((r) => r.round === 0);
  const adapted = rounds.filter((r) => r.round > 0);
  if (!adapted.length) return `<p id="summary">No adaptation round evaluated yet${source ? `; source-only ${selectBy} ${pct(source[selectBy])}` : ''}.</p>`;
  const best = adapted.reduce((a, b) => (b[selectBy] > a[selectBy] ? b : a));
  const parts = [`<b id="best-round">best round: ${best.round}</b> (${selectBy} ${pct(best[selectBy])})`];
  if (source) {
    const gain = 100 * (best[selectBy] - source[selectBy]);
    parts.push(`<b id="gain">gain over source-only: ${gain >= 0 ? '+' : ''}${gain.toFixed(1)}</b> points (source-only ${pct(source[selectBy])})`);
    if (oracle && oracle[selectBy] > source[selectBy]) {
      parts.push(`${((100 * (best[selectBy] - source[selectBy])) / (oracle[selectBy] - source[selectBy])).toFixed(0)} % of the gap to the oracle (${pct(oracle[selectBy])})`);
    }
  }
  return `<p id="summary" class="summary">${parts.join('; ')}.</p>`;
}

/** mIoU19/16/13 per round as lines (source-only = round 0), the oracle dashed. */
export function miouChartSvg(rounds: readonly RoundRow[], oracle?: MiouRow): string {
  if (!rounds.length) return '';
  const W = 560;
  const H = 240;
  const L = 50;
  const R = 110;
  const T = 20;
  const B = 36;
  const ks = rounds.map((r) => r.round);
  const k0 = Math.min(...ks);
  const k1 = Math.max(k0 + 1, ...ks);
  const means = ['miou19', 'miou16', 'miou13'] as const;
  const values = [...rounds.flatMap((r) => means.map((m) => r[m])), ...(oracle ? means.map((m) => oracle[m]) : [])].filter(Number.isFinite);
  const yMax = Math.max(0.01, ...values) * 1.1;
  const sx = (k: number): number => L + ((k - k0) / (k1 - k0)) * (W - L - R);
  const sy = (v: number): number => T + (1 - v / yMax) * (H - T - B);
  let svg = '';
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const v = t * yMax;
    svg += `<line x1="${L}" x2="${W - R}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#ddd"/><text x="${L - 4}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${(100 * v).toFixed(0)}</text>`;
  }
  for (const k of ks) svg += `<text x="${sx(k).toFixed(1)}" y="${H - B + 14}" text-anchor="middle">${k === 0 ? 'src' : k}</text>`;
  means.forEach((m, i) => {
    const c = LINE_COLOURS[i];
    const pts = rounds.filter((r) => Number.isFinite(r[m]));
    svg += `<polyline class="miou-line" fill="none" stroke="${c}" stroke-width="1.6" points="${pts.map((r) => `${sx(r.round).toFixed(1)},${sy(r[m]).toFixed(1)}`).join(' ')}"><title>${m}</title></polyline>`;
    svg += pts.map((r) => `<circle cx="${sx(r.round).toFixed(1)}" cy="${sy(r[m]).toFixed(1)}" r="2.5" fill="${c}"><title>${m} round ${r.round}: ${pct(r[m])}</title></circle>`).join('');
    svg += `<rect x="${W - R + 10}" y="${T + 14 * i - 8}" width="10" height="10" fill="${c}"/><text x="${W - R + 24}" y="${T + 14 * i + 1}">${m}</text>`;
    if (oracle && Number.isFinite(oracle[m])) svg += `<line x1="${L}" x2="${W - R}" y1="${sy(oracle[m]).toFixed(1)}" y2="${sy(oracle[m]).toFixed(1)}" stroke="${c}" stroke-dasharray="4 3"><title>oracle ${m}: ${pct(oracle[m])}</title></line>`;
  });
  if (oracle) svg += `<text x="${W - R + 10}" y="${T + 14 * 3 + 1}">- - oracle</text>`;
  return (
    `<svg id="miou-chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="10" font-family="sans-serif">` +
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>${svg}` +
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">round (src = source-only)</text><text x="12" y="${(T + H - B) / 2}" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">mIoU %</text></svg>`
  );
}

function roundsTable(rounds: readonly RoundRow[], selectBy: string, bestRound: number | undefined): string {
  if (!rounds.length) return '';
  const anyPseudo = rounds.some((r) => r.pseudoKept !== undefined);
  const anyQuality = rounds.some((r) => r.fid !== undefined || r.is !== undefined);
  const anySelection = rounds.some((r) => r.used !== undefined);
  const key = selectBy as 'miou19' | 'miou16' | 'miou13';
  const at = (c: { step: number; miou19: number; miou16: number; miou13: number } | null | undefined): string => (c ? `${pct(c[key])} @${c.step}` : '–');
  const head = `<tr><th>round</th><th>mIoU19</th><th>mIoU16</th><th>mIoU13</th>${anySelection ? `<th>used</th><th>last ${escapeHtml(selectBy)}</th><th>best ${escapeHtml(selectBy)}</th>` : ''}${anyPseudo ? '<th>pseudo-labels kept</th>' : ''}${anyQuality ? '<th>FID</th><th>IS</th>' : ''}<th>time</th></tr>`;
  const body = rounds
    .map((r) => {
      const cls = r.round === bestRound ? ' class="best"' : '';
      return `<tr${cls}><td>${r.round === 0 ? 'source-only (0)' : r.round}${r.round === bestRound ? ' ← best' : ''}</td><td>${pct(r.miou19)}</td><td>${pct(r.miou16)}</td><td>${pct(r.miou13)}</td>` +
        (anySelection ? `<td>${r.used ?? '–'}</td><td>${at(r.last)}</td><td>${at(r.best)}</td>` : '') +
        (anyPseudo ? `<td>${r.pseudoKept === undefined ? '–' : `${(100 * r.pseudoKept).toFixed(1)} %`}</td>` : '') +
        (anyQuality ? `<td>${r.fid === undefined ? '–' : r.fid.toFixed(1)}</td><td>${r.is === undefined ? '–' : `${r.is.mean.toFixed(2)} ± ${r.is.std.toFixed(2)}`}</td>` : '') +
        `<td>${duration(r.seconds)}</td></tr>`;
    })
    .join('\n');
  return `<table id="rounds-table"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>
<p class="note">Rounds compared by ${escapeHtml(selectBy)}. ${anySelection ? 'mIoU columns: the checkpoint each stage handed on (used: its last, or its best on target val — optimization.select); last/best: the stage\u2019s last and best checkpoints (@ step). ' : ''}${anyQuality ? 'FID/IS of the round\u2019s translated source set (SPEC §6). ' : 'FID/IS: not computed for this run (give an Inception ONNX model to adapt). '}Time: the round's stages.</p>`;
}

/** Row-normalised confusion matrix (% of each ground-truth class), shaded. */
function confusionHtml(c: { title: string; counts: readonly (readonly number[])[] }): string {
  const n = c.counts.length;
  const head = `<tr><th>gt \\ pred</th>${CLASS_HEADS.slice(0, n).map((h) => `<th>${h}</th>`).join('')}<th>pixels</th></tr>`;
  const body = c.counts
    .map((row, g) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row.map((v, p) => {
        const f = total > 0 ? v / total : 0;
        const shade = Math.round(255 - 200 * f);
        const bg = p === g ? `rgb(${shade},255,${shade})` : `rgb(255,${shade},${shade})`;
        return `<td style="background:${bg}" title="${CLASS_HEADS[g]} → ${CLASS_HEADS[p]}: ${v} px">${total > 0 ? (100 * f).toFixed(0) : ''}</td>`;
      });
      return `<tr><th class="rn">${CLASS_HEADS[g]}</th>${cells.join('')}<td>${total}</td></tr>`;
    })
    .join('\n');
  return `<table id="confusion-matrix" class="confusion"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>
<p class="note">${escapeHtml(c.title)}: % of each ground-truth class (row) predicted as each class (column); diagonal green = correct.</p>`;
}

function pseudoLabelsHtml(rows: readonly PseudoLabelRow[]): string {
  if (!rows.length) return '<p id="pseudo-labels">No pseudo-label stage in this run.</p>';
  const head = `<tr><th>round</th><th>images</th><th>kept</th>${CLASS_HEADS.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      const kept = r.totalPixels ? 1 - r.ignoredPixels / r.totalPixels : 0;
      const perClass = r.keptPerClass.map((k, i) => `<td title="${k} of ${r.predictedPerClass[i]} predicted px kept">${r.predictedPerClass[i] ? `${((100 * k) / r.predictedPerClass[i]).toFixed(0)}` : '–'}</td>`);
      return `<tr><td>${r.round}</td><td>${r.images}</td><td>${(100 * kept).toFixed(1)} %</td>${perClass.join('')}</tr>`;
    })
    .join('\n');
  return `<table id="pseudo-labels"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>
<p class="note">Kept: share of target-train pixels given a pseudo-label (the rest ignored, 255). Per class: % of the pixels predicted as that class that were kept.</p>`;
}

function stageTimesHtml(rows: readonly StageTime[]): string {
  if (!rows.length) return '';
  // 'adapt' spans the stages it ran; the total counts each stage once.
  const total = rows.filter((r) => r.stage !== 'adapt').reduce((a, r) => a + r.seconds, 0);
  return `<table id="stage-times"><thead><tr><th>stage</th><th>time</th><th>finished</th></tr></thead><tbody>
${rows.map((r) => `<tr><td>${escapeHtml(r.stage)}</td><td>${duration(r.seconds)}</td><td>${escapeHtml(r.finishedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</td></tr>`).join('\n')}
<tr><td><b>total</b></td><td><b>${duration(total)}</b></td><td></td></tr></tbody></table>`;
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

/**
 * Exponential moving average with a span of ~1/40 of the series (at least
 * 1 point): the curve a reader follows; the raw values stay drawn faintly.
 */
export function smooth(points: readonly (readonly [number, number])[]): [number, number][] {
  const span = Math.max(1, Math.round(points.length / 40));
  const a = 2 / (span + 1);
  let m = NaN;
  return points.map(([x, y]) => {
    m = Number.isNaN(m) ? y : a * y + (1 - a) * m;
    return [x, m];
  });
}

/**
 * One SVG chart per stage, one smoothed polyline per loss over its faint raw
 * values, with axes and a legend. The y axis is logarithmic when every value
 * is positive, so the first steps' spike does not flatten the rest.
 */
export function lossChartSvg(stage: string, series: readonly LossSeries[]): string {
  const W = 560;
  const H = 260;
  const L = 60;
  const R = 150;
  const T = 24;
  const B = 36;
  const finite = series.map((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const raw = finite.map((p) => downsample(p, 400));
  const smoothed = finite.map((p) => downsample(smooth(p), 400));
  const all = raw.flat();
  if (all.length === 0) return '';
  const log = all.every(([, y]) => y > 0);
  const f = (y: number): number => (log ? Math.log10(y) : y);
  const x0 = Math.min(...all.map((p) => p[0]));
  const xMax = Math.max(...all.map((p) => p[0]));
  const ys = all.map((p) => f(p[1]));
  const y0 = log ? Math.min(...ys) : Math.min(0, ...ys);
  const yMax = Math.max(...ys);
  const x1 = xMax === x0 ? x0 + 1 : xMax;
  const y1 = yMax === y0 ? y0 + 1 : yMax;
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => T + (1 - (f(y) - y0) / (y1 - y0)) * (H - T - B);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  // Step labels at whole steps, each once (a 2-step stage gets 1 and 2, not 1 1 2 2).
  const xTicks = [...new Set(ticks.map((t) => Math.round(x0 + t * (x1 - x0))))];
  const grid =
    ticks
      .map((t) => {
        const fy = y0 + t * (y1 - y0);
        const y = log ? 10 ** fy : fy;
        return (
          `<line x1="${L}" x2="${W - R}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/>` +
          `<text x="${L - 4}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${niceNumber(y)}</text>`
        );
      })
      .join('') + xTicks.map((x) => `<text x="${sx(x).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${x}</text>`).join('');
  const poly = (p: [number, number][]): string => p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const lines = raw
    .map((p, i) => {
      const c = LINE_COLOURS[i % LINE_COLOURS.length];
      return (
        `<polyline class="raw" fill="none" stroke="${c}" stroke-opacity="0.25" stroke-width="1" points="${poly(p)}"/>` +
        `<polyline class="smoothed" fill="none" stroke="${c}" stroke-width="1.6" points="${poly(smoothed[i])}"><title>${escapeHtml(series[i].name)} (smoothed)</title></polyline>` +
        `<rect x="${W - R + 10}" y="${T + 14 * i - 8}" width="10" height="10" fill="${c}"/>` +
        `<text x="${W - R + 24}" y="${T + 14 * i + 1}">${escapeHtml(series[i].name)}</text>`
      );
    })
    .join('\n');
  return (
    `<svg class="loss-chart" data-scale="${log ? 'log' : 'linear'}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="10" font-family="sans-serif">` +
    `<text x="${L}" y="14" font-size="12" font-weight="bold">${escapeHtml(stage)}${log ? ' (log scale)' : ''}</text>` +
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
    CLASS_HEADS.map((h, i) => `<span><span class="sw" style="background:rgb(${TRAIN_ID_COLORS[i].join(',')})"></span>${h}</span>`).join(' ') +
    ' <span><span class="sw" style="background:#000"></span>ignore</span></p>'
  );
}

/** Renders the whole report as one HTML string. */
export function renderReport(input: ReportInput): string {
  const byStage = new Map<string, LossSeries[]>();
  for (const s of input.losses) byStage.set(s.stage, [...(byStage.get(s.stage) ?? []), s]);
  const charts = [...byStage.entries()].map(([stage, series]) => lossChartSvg(stage, series)).join('\n');
  const rounds = input.rounds ?? [];
  const selectBy = input.selectBy ?? 'miou19';
  const adapted = rounds.filter((r) => r.round > 0);
  const bestRound = adapted.length ? adapted.reduce((a, b) => (b[selectBy] > a[selectBy] ? b : a)).round : undefined;
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
svg.loss-chart,#miou-chart{border:1px solid #eee;margin:4px}
.summary{font-size:15px;background:#eef6ee;padding:6px 10px;border-left:4px solid #2ca02c}
tr.best td{background:#eef6ee}
table.confusion td{min-width:22px;text-align:center;font-size:10px}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
${input.subtitle ? `<p>${escapeHtml(input.subtitle)}</p>` : ''}
${summaryHtml(rounds, selectBy, input.oracle)}
${(input.notes ?? []).map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<h2>mIoU per round (target val)</h2>
${rounds.length ? miouChartSvg(rounds, input.oracle) : '<p>No round evaluated yet.</p>'}
${roundsTable(rounds, selectBy, bestRound)}
<h2>Per-class IoU (target val)</h2>
${miouTable(input.miou)}
<h2>Confusion matrix</h2>
${input.confusion ? confusionHtml(input.confusion) : '<p>No evaluation with a confusion matrix yet.</p>'}
<h2>Pseudo-labels</h2>
${pseudoLabelsHtml(input.pseudoLabels ?? [])}
<h2>Stage times</h2>
${stageTimesHtml(input.stageTimes ?? []) || '<p>No stage finished yet.</p>'}
<h2>Loss curves</h2>
<p class="note">Smoothed (exponential moving average) over the faint raw values; logarithmic y axis where every value is positive.</p>
<div id="loss-curves">${charts || '<p>No training records.</p>'}</div>
<h2>Images</h2>
${legendHtml()}
${input.grids.map(gridHtml).join('\n')}
<h2>Config</h2>
<pre id="config">${escapeHtml(JSON.stringify(input.config, null, 2))}</pre>
${input.manifest ? `<h2>Manifests (one per command)</h2><pre id="manifest">${escapeHtml(JSON.stringify(input.manifest, null, 2))}</pre>` : ''}
</body></html>
`;
}

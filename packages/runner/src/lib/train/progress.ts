/**
 * Progress display (issue 9 §3, issue 19 §4): a cli-progress bar (step,
 * rate, ETA, losses) when stderr is a TTY, plain periodic log lines
 * otherwise (CI logs, `nohup`, cluster jobs). cli-progress is used rather
 * than hand-written ANSI handling: it is small, widely used and handles
 * redraw. On top of it: log lines printed while a bar is up go above it
 * (`echoLine`), never through it; the bar's loss list fits the terminal
 * width and leaves out learning rates and terms that have only been 0.
 */
import { SingleBar, Presets } from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'none';

export interface Progress {
  update(step: number, values: Record<string, number>): void;
  stop(): void;
}

function fmtValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${Math.abs(v) >= 100 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(4)}`)
    .join(' ');
}

/** 3 significant digits, exponent only when needed: what fits a bar. */
function fmtShort(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(1) : v.toPrecision(3);
}

/**
 * The bar's loss list: terms seen non-zero at least once (`seen` is updated),
 * learning rates left out, cut at `width` characters with '…' so the bar
 * line never wraps or is cut mid-number by the terminal.
 */
export function fitLosses(values: Record<string, number>, seen: Set<string>, width: number): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (/^lr/i.test(k)) continue;
    if (v !== 0) seen.add(k);
    if (seen.has(k)) parts.push(`${k} ${fmtShort(v)}`);
  }
  let out = '';
  for (const p of parts) {
    const next = out ? `${out}  ${p}` : p;
    // Room for ' …' is kept whenever something is left out.
    if (next.length > width - 2) return out ? `${out} …` : '';
    out = next;
  }
  return out;
}

/** Bars on screen, innermost last (an evaluation's bar inside a training's): log lines are printed above the innermost. */
const activeBars: { bar: SingleBar; stream: NodeJS.WriteStream }[] = [];

/**
 * Prints a log line; with a bar on screen, the bar's line is cleared first
 * and the bar redrawn below the new line, so log lines and the bar never
 * overwrite each other.
 */
export function echoLine(line: string, out: (l: string) => void = (l) => console.log(l)): void {
  const top = activeBars[activeBars.length - 1];
  if (!top) {
    out(line);
    return;
  }
  top.stream.write('\r\x1b[2K');
  out(line);
  top.bar.render();
}

function fmtEta(seconds: number): string {
  if (!isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Starts a progress display for `total` steps beginning at `start` (a
 * resumed run starts mid-way; rate and ETA count only this session's steps).
 */
export function startProgress(opts: {
  label: string;
  total: number;
  start: number;
  mode: ProgressMode;
  log: (line: string) => void;
  plainEverySeconds?: number;
  unit?: string;
  /** Where the bar draws (default stderr; tests pass a fake TTY). */
  stream?: NodeJS.WriteStream;
}): Progress {
  const unit = opts.unit ?? 'step';
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode === 'auto' ? (stream.isTTY ? 'bar' : 'plain') : opts.mode;
  const t0 = Date.now();
  const rate = (step: number): number => (step - opts.start) / Math.max(1e-3, (Date.now() - t0) / 1000);
  if (mode === 'none') return { update: () => undefined, stop: () => undefined };
  if (mode === 'bar') {
    const barSize = 20;
    const bar = new SingleBar(
      {
        format: `${opts.label} |{bar}| {value}/{total} ${unit}s | {rate} ${unit}/s | ETA {eta_h} | {losses}`,
        stream,
        hideCursor: true,
        etaBuffer: 50,
        barsize: barSize,
        linewrap: false,
      },
      Presets.shades_classic,
    );
    const seen = new Set<string>();
    // What the line holds besides the losses (numbers at their widest), so the losses get the rest of the width.
    const fixed = `${opts.label} |${' '.repeat(barSize)}| ${opts.total}/${opts.total} ${unit}s | 0000.00 ${unit}/s | ETA 000h00m | `.length;
    const room = (): number => Math.max(0, (stream.columns ?? 120) - fixed - 1);
    // An outer bar keeps its last state as a line of its own; this one draws below it.
    if (activeBars.length) stream.write('\n');
    bar.start(opts.total, opts.start, { losses: '', rate: '0.00', eta_h: '?' });
    activeBars.push({ bar, stream });
    return {
      update(step, values) {
        const r = rate(step);
        bar.update(step, { losses: fitLosses(values, seen, room()), rate: r.toFixed(2), eta_h: fmtEta((opts.total - step) / r) });
      },
      stop() {
        bar.stop();
        const i = activeBars.findIndex((a) => a.bar === bar);
        if (i >= 0) activeBars.splice(i, 1);
        activeBars[activeBars.length - 1]?.bar.render();
      },
    };
  }
  let last = 0;
  const every = (opts.plainEverySeconds ?? 10) * 1000;
  return {
    update(step, values) {
      const now = Date.now();
      if (now - last < every && step < opts.total) return;
      last = now;
      const r = rate(step);
      opts.log(`${opts.label} ${unit} ${step}/${opts.total} | ${r.toFixed(2)} ${unit}/s | ETA ${fmtEta((opts.total - step) / r)} | ${fmtValues(values)}`);
    },
    stop() {
      /* nothing to clear */
    },
  };
}

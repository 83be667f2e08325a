/**
 * Progress display (issue 9 §3): a cli-progress bar (step, losses, rate,
 * ETA) when stderr is a TTY, plain periodic log lines otherwise (CI logs,
 * `nohup`, cluster jobs). cli-progress is used rather than hand-written ANSI
 * handling: it is small, widely used and handles terminal width and redraw.
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
}): Progress {
  const unit = opts.unit ?? 'step';
  const mode = opts.mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'plain') : opts.mode;
  const t0 = Date.now();
  const rate = (step: number): number => (step - opts.start) / Math.max(1e-3, (Date.now() - t0) / 1000);
  if (mode === 'none') return { update: () => undefined, stop: () => undefined };
  if (mode === 'bar') {
    const bar = new SingleBar(
      {
        format: `${opts.label} |{bar}| {value}/{total} ${unit}s | {rate} ${unit}/s | ETA {eta_h} | {losses}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(opts.total, opts.start, { losses: '', rate: '0.00', eta_h: '?' });
    return {
      update(step, values) {
        const r = rate(step);
        bar.update(step, { losses: fmtValues(values), rate: r.toFixed(2), eta_h: fmtEta((opts.total - step) / r) });
      },
      stop() {
        bar.stop();
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

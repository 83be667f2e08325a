/**
 * A run directory (issue 9 §1):
 *
 * ```
 * <run>/config.json        the resolved, validated config
 * <run>/manifests/*.json   one record per command: config hash, versions, backend, kernels, ISA, commit, data fingerprints
 * <run>/log.txt            everything the run printed, with timestamps
 * <run>/metrics.jsonl      one JSON record per logged step / evaluation
 * <run>/checkpoints/<stage>/{latest,best}/
 * <run>/stages/<stage>.json completion markers (resume skips finished stages)
 * <run>/outputs/...        translated images, pseudo-labels, predictions
 * <run>/report.html        the self-contained report
 * ```
 *
 * Re-running a command on an existing run directory resumes it; a different
 * config for the same directory is refused (the hashes would not match).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readJsonIfExists, tempPathFor, writeJsonAtomic } from './atomic';
import { forEachMetric } from './metrics-stream';
import { appendManifest, configHash, Manifest } from './manifest';
import { claimRunDir } from './ownership';
import { echoLine } from '../train/progress';

/** One line of metrics.jsonl. */
export interface MetricRecord {
  stage: string;
  kind: 'train' | 'eval';
  step: number;
  time: string;
  values: Record<string, number>;
  /** Per-class IoU (eval records). */
  perClass?: number[];
}

export class RunDir {
  readonly root: string;
  private logStream: number | undefined;
  /** Where log lines also go (console by default; tests silence it). */
  echo: (line: string) => void = (l) => echoLine(l);

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  get configFile(): string {
    return this.path('config.json');
  }
  get metricsFile(): string {
    return this.path('metrics.jsonl');
  }
  get reportFile(): string {
    return this.path('report.html');
  }
  checkpointDir(stage: string, which: 'latest' | 'best'): string {
    return this.path('checkpoints', stage, which);
  }
  outputDir(...parts: string[]): string {
    return this.path('outputs', ...parts);
  }

  /**
   * Creates or reopens the run: writes config.json (or checks the existing
   * one has the same hash, unless `allowConfigChange`) and appends the
   * command's manifest record to `manifests/` (never rewriting earlier ones).
   */
  open(config: unknown, info: { manifest: Manifest; allowConfigChange?: boolean }): Manifest {
    claimRunDir(this.root);
    const hash = configHash(config);
    const existing = readJsonIfExists<unknown>(this.configFile);
    if (existing !== undefined && configHash(existing) !== hash && !info.allowConfigChange) {
      throw new Error(
        `run directory ${this.root} was created with a different config (hash ${configHash(existing).slice(0, 12)} ≠ ${hash.slice(0, 12)}); ` +
          'use a new --run-dir, or pass --force-config to overwrite it',
      );
    }
    writeJsonAtomic(this.configFile, config);
    appendManifest(this.root, info.manifest);
    return info.manifest;
  }

  /** Appends a timestamped line to log.txt and echoes it. */
  log(message: string): void {
    if (this.logStream === undefined) {
      fs.mkdirSync(this.root, { recursive: true });
      this.logStream = fs.openSync(this.path('log.txt'), 'a');
    }
    fs.writeSync(this.logStream, `${new Date().toISOString()} ${message}\n`);
    this.echo(message);
  }

  /** Appends one record to metrics.jsonl (a single write of one line). */
  metric(record: Omit<MetricRecord, 'time'>): void {
    const line = JSON.stringify({ ...record, time: new Date().toISOString() }) + '\n';
    fs.mkdirSync(this.root, { recursive: true });
    fs.appendFileSync(this.metricsFile, line);
  }

  /**
   * Every complete record of metrics.jsonl (a torn last line after a crash
   * is ignored). Read line by line: the file may be larger than one string.
   */
  metrics(): MetricRecord[] {
    const out: MetricRecord[] = [];
    forEachMetric(this.metricsFile, (r) => out.push(r));
    return out;
  }

  /**
   * Rewrites metrics.jsonl keeping the records `keep` accepts, streamed
   * record by record into a temporary sibling that then replaces the file
   * (a crash leaves the old file or the new one).
   */
  filterMetrics(keep: (r: MetricRecord) => boolean): void {
    if (!fs.existsSync(this.metricsFile)) return;
    const tmp = tempPathFor(this.metricsFile);
    const fd = fs.openSync(tmp, 'w');
    try {
      let buf = '';
      forEachMetric(this.metricsFile, (r) => {
        if (!keep(r)) return;
        buf += JSON.stringify(r) + '\n';
        if (buf.length >= 1 << 20) {
          fs.writeSync(fd, buf);
          buf = '';
        }
      });
      if (buf) fs.writeSync(fd, buf);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.metricsFile);
  }

  /**
   * On resume of `stage` from a checkpoint at `step`: drops that stage's
   * train records after `step` (they will be produced again), so the loss log
   * of a resumed run equals an uninterrupted one. Rewritten atomically.
   */
  truncateMetrics(stage: string, step: number): void {
    this.filterMetrics((r) => r.stage !== stage || r.step <= step);
  }

  close(): void {
    if (this.logStream !== undefined) fs.closeSync(this.logStream);
    this.logStream = undefined;
  }
}

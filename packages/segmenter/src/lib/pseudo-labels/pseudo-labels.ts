/**
 * Pseudo-labels for the target train set, SPEC §3 (BDL's `SSL.py`):
 * ŷ_t = argmax softmax(S(x_t)) where the max probability passes a threshold,
 * else 255.
 *
 * - `{ kind: 'threshold' }`: one global δ; kept iff conf ≥ δ.
 * - `{ kind: 'class-median' }` (BDL): per class c, the median confidence of the
 *   pixels predicted as c over the whole target train set, capped.
 *   BDL sorts all confidences in memory and takes element
 *   `round(n·0.5)` (numpy's round-half-even) of the sorted list; a class
 *   never predicted gets threshold 0. Here the set is streamed twice (pass 1
 *   fills a per-class histogram, pass 2 thresholds and writes) so memory is
 *   `19 × bins` counts however large the dataset. **Precision**: the
 *   threshold is the lower edge of the histogram bin that holds BDL's median
 *   element, so it is never above the exact value and at most `1/bins` below
 *   it (default bins 10,000: within 1e-4).
 *
 * The rule's defaults and ranges are `PseudoLabelRuleSchema`'s
 * (config/segmenter-config.ts: δ 0.9 (R), cap 0.9, 10,000 bins).
 *
 * Writing is a callback (`LabelWriter`) so this package stays free of image
 * I/O: the pipeline wires it to data-core's PNG writer, which writes 8-bit
 * PNGs atomically (temp file + rename). The writer receives row-major
 * trainIds with 255 for ignored pixels.
 */
import { IGNORE_LABEL, NUM_CLASSES } from '@semadapt/labels';
import { resolvePseudoLabelRule, type PseudoLabelMode } from '../config/segmenter-config';

/** One image's prediction: argmax class and its softmax probability per pixel. */
export interface PixelPrediction {
  /** Identifies the image to the writer (e.g. its relative path without extension). */
  name: string;
  /** Row-major argmax trainIds, `width × height`. */
  labels: Uint8Array;
  /** Row-major max softmax probability, same length. */
  confidence: Float32Array;
  width: number;
  height: number;
}

/** A re-iterable dataset of predictions: called once per pass (twice for class-median). */
export type PredictionSource = () => AsyncIterable<PixelPrediction>;

/**
 * Receives one finished pseudo-label map (trainIds, 255 = ignored). The
 * pipeline passes data-core's atomic 8-bit PNG writer.
 */
export type LabelWriter = (name: string, labels: Uint8Array, width: number, height: number) => Promise<void>;


/** What a pseudo-labelling run did. */
export interface PseudoLabelReport {
  images: number;
  /** The threshold applied to each class (all equal to δ in threshold mode). */
  thresholds: number[];
  /** Pixels kept per class. */
  keptPerClass: number[];
  /** Pixels predicted per class (kept or not). */
  predictedPerClass: number[];
  /** Pixels set to 255 over all images. */
  ignoredPixels: number;
  totalPixels: number;
}

function checkPrediction(p: PixelPrediction, numClasses: number): void {
  const n = p.width * p.height;
  if (p.labels.length !== n || p.confidence.length !== n) {
    throw new Error(
      `pseudo-labels(${p.name}): ${p.width}×${p.height} needs ${n} values, got labels ${p.labels.length}, confidence ${p.confidence.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (p.labels[i] >= numClasses) throw new Error(`pseudo-labels(${p.name}): label ${p.labels[i]} at pixel ${i} is not a class 0..${numClasses - 1}`);
  }
}

/** numpy's `np.round` for x.5: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Per-class histogram of confidences, the streaming form of BDL's median.
 * `add` one prediction at a time; `thresholds(cap)` at the end.
 */
export class ClassConfidenceHistogram {
  readonly counts: Float64Array;

  constructor(readonly bins = 10000, readonly numClasses = NUM_CLASSES) {
    if (!Number.isInteger(bins) || bins < 1) throw new Error(`ClassConfidenceHistogram: bins must be a positive integer, got ${bins}`);
    this.counts = new Float64Array(numClasses * bins);
  }

  add(p: PixelPrediction): void {
    checkPrediction(p, this.numClasses);
    const b = this.bins;
    for (let i = 0; i < p.labels.length; i++) {
      const c = p.confidence[i];
      const bin = c >= 1 ? b - 1 : c <= 0 ? 0 : Math.floor(c * b);
      this.counts[p.labels[i] * b + bin]++;
    }
  }

  /** Pixels predicted as class `c`. */
  total(c: number): number {
    let n = 0;
    for (let j = 0; j < this.bins; j++) n += this.counts[c * this.bins + j];
    return n;
  }

  /**
   * Per class: lower edge of the bin holding sorted element `round(n/2)`
   * (BDL), capped at `cap`; 0 for a class never predicted (BDL).
   */
  thresholds(cap = 0.9): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.numClasses; c++) {
      const n = this.total(c);
      if (n === 0) {
        out.push(0);
        continue;
      }
      const rank = Math.min(n - 1, roundHalfEven(n * 0.5)); // 0-based index into the sorted confidences
      let seen = 0;
      let bin = 0;
      for (; bin < this.bins; bin++) {
        seen += this.counts[c * this.bins + bin];
        if (seen > rank) break;
      }
      out.push(Math.min(cap, bin / this.bins));
    }
    return out;
  }
}

/** Applies per-class thresholds: kept iff confidence ≥ threshold of its class, else 255. */
export function applyThresholds(p: PixelPrediction, thresholds: readonly number[]): Uint8Array {
  checkPrediction(p, thresholds.length);
  const out = new Uint8Array(p.labels.length);
  for (let i = 0; i < out.length; i++) {
    const c = p.labels[i];
    out[i] = p.confidence[i] >= thresholds[c] ? c : IGNORE_LABEL;
  }
  return out;
}


/**
 * Pseudo-labels a whole dataset: one pass (threshold) or two (class-median:
 * statistics, then labels), never holding more than one image. Each label
 * map goes to `write`; returns the thresholds and counts.
 */
export async function generatePseudoLabels(
  source: PredictionSource,
  write: LabelWriter,
  mode: PseudoLabelMode = { kind: 'threshold' },
  numClasses = NUM_CLASSES,
): Promise<PseudoLabelReport> {
  const m = resolvePseudoLabelRule(mode);
  let thresholds: number[];
  if (m.kind === 'threshold') {
    thresholds = new Array(numClasses).fill(m.delta);
  } else {
    const hist = new ClassConfidenceHistogram(m.bins, numClasses);
    for await (const p of source()) hist.add(p);
    thresholds = hist.thresholds(m.cap);
  }
  const report: PseudoLabelReport = {
    images: 0,
    thresholds,
    keptPerClass: new Array(numClasses).fill(0),
    predictedPerClass: new Array(numClasses).fill(0),
    ignoredPixels: 0,
    totalPixels: 0,
  };
  for await (const p of source()) {
    const labels = applyThresholds(p, thresholds);
    for (let i = 0; i < labels.length; i++) {
      report.predictedPerClass[p.labels[i]]++;
      if (labels[i] === IGNORE_LABEL) report.ignoredPixels++;
      else report.keptPerClass[labels[i]]++;
    }
    report.totalPixels += labels.length;
    report.images++;
    await write(p.name, labels, p.width, p.height);
  }
  return report;
}

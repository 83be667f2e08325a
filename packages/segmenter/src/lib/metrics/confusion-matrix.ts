/**
 * Streaming confusion matrix and mIoU, SPEC §6 (the protocol of BDL /
 * AdaptSegNet's `compute_mIoU`): 19 Cityscapes trainIds, label 255 ignored,
 * IoU = TP / (TP + FP + FN), and the 16- and 13-class means taken from the
 * same 19-class matrix (not from a re-trained 16/13-class model, and not
 * rescaled — other papers do, and the numbers are not comparable).
 *
 * A class absent from both prediction and ground truth over the whole
 * evaluation has 0/0 IoU: it is NaN and left out of every mean (BDL's
 * `np.nanmean`). A class present in the ground truth but never predicted (or
 * predicted but never present) has IoU 0 and counts.
 */

import { CLASS_SHORT_NAMES, CLASSES_13, CLASSES_16, CLASSES_19, IGNORE_LABEL, NUM_CLASSES, type TrainIdMap } from '@semadapt/labels';

/** The summary of a confusion matrix. */
export interface MiouResult {
  /** Per-class IoU in [0, 1], NaN for classes absent from prediction and ground truth. */
  perClass: number[];
  /** Mean of the non-NaN IoUs over all 19 classes. */
  miou19: number;
  /** Mean of the non-NaN IoUs over `CLASSES_16`. */
  miou16: number;
  /** Mean of the non-NaN IoUs over `CLASSES_13`. */
  miou13: number;
  /** Number of labelled (non-ignored) pixels counted. */
  pixels: number;
}

/**
 * Accumulates a `NUM_CLASSES × NUM_CLASSES` matrix `m[gt][pred]` over any
 * number of images (float64 counts: exact to 2^53 pixels, far more than the
 * 1e9 of Cityscapes val at full resolution).
 */
export class ConfusionMatrix {
  /** Row-major counts, `counts[gt * numClasses + pred]`. */
  readonly counts: Float64Array;

  constructor(readonly numClasses = NUM_CLASSES) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 255) {
      throw new Error(`ConfusionMatrix: numClasses must be an integer in 1..255, got ${numClasses}`);
    }
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one image. Prediction and ground truth must have the same size
   * (SPEC §6 evaluates at full label resolution: upsample logits first);
   * a mismatch is an error, never a silent skip. Ground-truth 255 pixels are
   * ignored; any other out-of-range value in either map is an error.
   */
  update(prediction: TrainIdMap, groundTruth: TrainIdMap, name = 'image'): void {
    if (prediction.width !== groundTruth.width || prediction.height !== groundTruth.height) {
      throw new Error(
        `ConfusionMatrix.update(${name}): prediction is ${prediction.width}×${prediction.height} but ground truth is ` +
          `${groundTruth.width}×${groundTruth.height} (width×height); upsample the prediction to the label size`,
      );
    }
    const n = prediction.width * prediction.height;
    if (prediction.data.length !== n || groundTruth.data.length !== n) {
      throw new Error(
        `ConfusionMatrix.update(${name}): expected ${n} values for ${prediction.width}×${prediction.height}, ` +
          `got prediction ${prediction.data.length}, ground truth ${groundTruth.data.length}`,
      );
    }
    const k = this.numClasses;
    const p = prediction.data;
    const g = groundTruth.data;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      if (gi === IGNORE_LABEL) continue;
      const pi = p[i];
      if (!(gi >= 0 && gi < k && Number.isInteger(gi))) {
        throw new Error(`ConfusionMatrix.update(${name}): ground truth ${gi} at pixel ${i} is neither a class 0..${k - 1} nor ${IGNORE_LABEL}`);
      }
      if (!(pi >= 0 && pi < k && Number.isInteger(pi))) {
        throw new Error(`ConfusionMatrix.update(${name}): prediction ${pi} at pixel ${i} is not a class 0..${k - 1}`);
      }
      this.counts[gi * k + pi]++;
    }
  }

  /** Adds another matrix's counts (e.g. from a worker). */
  merge(other: ConfusionMatrix): void {
    if (other.numClasses !== this.numClasses) {
      throw new Error(`ConfusionMatrix.merge: ${other.numClasses} classes vs ${this.numClasses}`);
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
  }

  /** `m[gt][pred]`. */
  at(gt: number, pred: number): number {
    return this.counts[gt * this.numClasses + pred];
  }

  /** Per-class IoU = TP / (TP + FP + FN); NaN when the denominator is 0. */
  perClassIou(): number[] {
    const k = this.numClasses;
    const out: number[] = [];
    for (let c = 0; c < k; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < k; j++) {
        row += this.counts[c * k + j];
        col += this.counts[j * k + c];
      }
      const tp = this.counts[c * k + c];
      const denom = row + col - tp;
      out.push(denom === 0 ? NaN : tp / denom);
    }
    return out;
  }

  /** Per-class IoU and the three SPEC §6 means (19-class matrix only). */
  summary(): MiouResult {
    if (this.numClasses !== NUM_CLASSES) {
      throw new Error(`ConfusionMatrix.summary: the 19/16/13 means need ${NUM_CLASSES} classes, this matrix has ${this.numClasses}`);
    }
    const perClass = this.perClassIou();
    let pixels = 0;
    for (const v of this.counts) pixels += v;
    return {
      perClass,
      miou19: nanMean(perClass, CLASSES_19),
      miou16: nanMean(perClass, CLASSES_16),
      miou13: nanMean(perClass, CLASSES_13),
      pixels,
    };
  }

  reset(): void {
    this.counts.fill(0);
  }
}

/** Mean of `values[i]` over `indices`, skipping NaN (BDL's `np.nanmean`); NaN if all are NaN. */
export function nanMean(values: readonly number[], indices: readonly number[]): number {
  let sum = 0;
  let n = 0;
  for (const i of indices) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

function pct(v: number): string {
  return Number.isNaN(v) ? '-' : (100 * v).toFixed(1);
}

/**
 * The paper's table row: per-class IoU (%) in the paper's column order (road …
 * bike), then mIoU19, mIoU16, mIoU13 — each labelled, with the protocol
 * named so nobody compares it with a rescaled 16/13-class number. Classes with
 * NaN IoU (absent from prediction and ground truth) print as '-'.
 */
export function formatMiouTable(result: MiouResult, title = 'mIoU'): string {
  const heads = [...CLASS_SHORT_NAMES, 'mIoU19', 'mIoU16', 'mIoU13'];
  const cells = [...result.perClass.map(pct), pct(result.miou19), pct(result.miou16), pct(result.miou13)];
  const widths = heads.map((h, i) => Math.max(h.length, cells[i].length));
  const line = (xs: string[]): string => xs.map((x, i) => x.padStart(widths[i])).join(' ');
  return [
    `${title} (IoU %, ${result.pixels} labelled pixels; ${NUM_CLASSES} Cityscapes trainIds, 255 ignored)`,
    line(heads),
    line(cells),
    'Protocol: IoU = TP/(TP+FP+FN) from one 19-class confusion matrix; 16/13-class means are taken from the ' +
      '19-class matrix, as BDL does (not rescaled); classes absent from both prediction and ground truth ' +
      "('-') are left out of the means.",
  ].join('\n');
}

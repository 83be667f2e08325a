/**
 * The demo benchmark's design check: is there a domain gap, and is it the
 * kind a translator can close? A small per-pixel classifier stands in for
 * the segmenter — a Gaussian class-conditional model (QDA) over 3×3 mean
 * colour, 3×3 luminance contrast (texture) and row position — trained on
 * source or on target-train and scored by mIoU (19 trainIds, 255 ignored,
 * mean over classes present in the ground truth) on target-val. Two colour
 * transfers of the source images stand in for translation:
 *   - global: per-channel mean/std of all source pixels matched to target-train's;
 *   - per-class (oracle, uses labels on both sides, like a semantically
 *     guided translator would): per class and channel mean/std matched.
 */
import { CITYSCAPES_LABEL_TO_TRAIN_ID, IGNORE_LABEL, NUM_CLASSES } from '@semadapt/labels';
import { DemoScene, renderDemoScene } from './demo-scene';

/** Bound once: inside Jest's vm sandbox every global lookup (`Math.floor` in a hot loop) costs ~1 µs, 40× the work. */
const M = Math;

/** Options of {@link measureDemoAppearanceGap}. */
export interface AppearanceGapOptions {
  /** Generator seed. Default 0. */
  seed?: number;
  /** Images per set. Default source 60, target train 60, target val 30. */
  counts?: { source?: number; targetTrain?: number; targetVal?: number };
  /** Image size. Default 128×64 (the demo's). */
  width?: number;
  height?: number;
  /** Target palette distance from the source's, in [0, 1]. Default 1 (as generateDemoBenchmark). */
  gapStrength?: number;
}

/** mIoU (in %, 0..100) on target-val of the classifier trained on each set. */
export interface AppearanceGapReport {
  sourceOnly: number;
  targetOnly: number;
  globalColourTransfer: number;
  perClassColourTransfer: number;
  /** Per trainId IoU (%) of each model, NaN for classes absent from target-val. */
  perClass: { sourceOnly: number[]; targetOnly: number[]; perClassColourTransfer: number[] };
}

const FEATURES = 5;

function labelIdToTrainId(id: number): number {
  return CITYSCAPES_LABEL_TO_TRAIN_ID[id] ?? IGNORE_LABEL;
}

/** Generates the sets in memory (same scenes as the files would hold) and measures the gap. */
export function measureDemoAppearanceGap(options: AppearanceGapOptions = {}): AppearanceGapReport {
  const seed = options.seed ?? 0;
  const width = options.width ?? 128;
  const height = options.height ?? 64;
  const nSource = options.counts?.source ?? 60;
  const nTrain = options.counts?.targetTrain ?? 60;
  const nVal = options.counts?.targetVal ?? 30;
  const make = (domain: 'source' | 'target', stream: string, n: number) =>
    Array.from({ length: n }, (_, i) => renderDemoScene(seed, domain, stream, i, width, height, options.gapStrength ?? 1));
  const source = make('source', 'train', nSource);
  const train = make('target', 'train', nTrain);
  const val = make('target', 'val', nVal);

  const valSet = val.map(toPixels);
  const score = (scenes: DemoScene[]) => evaluate(fitQda(scenes.map(toPixels)), valSet);
  const sourceOnly = score(source);
  const targetOnly = score(train);
  const globalColourTransfer = score(colourTransfer(source, train, false));
  const perClass = score(colourTransfer(source, train, true));
  return {
    sourceOnly: sourceOnly.miou,
    targetOnly: targetOnly.miou,
    globalColourTransfer: globalColourTransfer.miou,
    perClassColourTransfer: perClass.miou,
    perClass: { sourceOnly: sourceOnly.iou, targetOnly: targetOnly.iou, perClassColourTransfer: perClass.iou },
  };
}

interface Pixels {
  features: Float64Array;
  trainIds: Uint8Array;
}

/** Per-pixel features: 3×3 mean R, G, B (0..1), 3×3 luminance std, row / height. */
function toPixels(scene: DemoScene): Pixels {
  const { width, height, rgb, labelIds } = scene;
  const n = width * height;
  const features = new Float64Array(n * FEATURES);
  const trainIds = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0, l = 0, l2 = 0, count = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = M.min(width - 1, M.max(0, x + dx));
          const yy = M.min(height - 1, M.max(0, y + dy));
          const o = 3 * (yy * width + xx);
          const lum = (0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2]) / 255;
          r += rgb[o]; g += rgb[o + 1]; b += rgb[o + 2];
          l += lum; l2 += lum * lum; count++;
        }
      }
      const i = y * width + x;
      const f = i * FEATURES;
      features[f] = r / count / 255;
      features[f + 1] = g / count / 255;
      features[f + 2] = b / count / 255;
      features[f + 3] = M.sqrt(M.max(0, l2 / count - (l / count) ** 2));
      features[f + 4] = y / height;
      trainIds[i] = labelIdToTrainId(labelIds[i]);
    }
  }
  return { features, trainIds };
}

interface Qda {
  present: boolean[];
  mean: Float64Array[];
  /** Lower-triangular Cholesky factor of each class covariance (ridge-regularized). */
  chol: Float64Array[];
  logNorm: number[];
}

/** Fits one Gaussian per trainId (ridge 1e-4 on the covariance diagonal) with log-prior. */
function fitQda(sets: Pixels[]): Qda {
  const d = FEATURES;
  const count = new Float64Array(NUM_CLASSES);
  const sum = Array.from({ length: NUM_CLASSES }, () => new Float64Array(d));
  const outer = Array.from({ length: NUM_CLASSES }, () => new Float64Array(d * d));
  for (const { features, trainIds } of sets) {
    for (let i = 0; i < trainIds.length; i++) {
      const c = trainIds[i];
      if (c === 255) continue;
      count[c]++;
      for (let a = 0; a < d; a++) {
        const fa = features[i * d + a];
        sum[c][a] += fa;
        for (let b = 0; b <= a; b++) outer[c][a * d + b] += fa * features[i * d + b];
      }
    }
  }
  const total = count.reduce((s, v) => s + v, 0);
  const qda: Qda = { present: [], mean: [], chol: [], logNorm: [] };
  for (let c = 0; c < NUM_CLASSES; c++) {
    const present = count[c] >= 10;
    qda.present.push(present);
    const mean = new Float64Array(d);
    const cov = new Float64Array(d * d);
    if (present) {
      for (let a = 0; a < d; a++) mean[a] = sum[c][a] / count[c];
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = outer[c][a * d + b] / count[c] - mean[a] * mean[b];
          cov[a * d + b] = v;
          cov[b * d + a] = v;
        }
        cov[a * d + a] += 1e-4;
      }
    }
    const chol = present ? cholesky(cov, d) : new Float64Array(d * d);
    let logDet = 0;
    for (let a = 0; a < d; a++) logDet += 2 * M.log(chol[a * d + a] || 1);
    qda.mean.push(mean);
    qda.chol.push(chol);
    qda.logNorm.push(M.log(M.max(count[c], 1) / total) - 0.5 * logDet);
  }
  return qda;
}

function cholesky(m: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = i === j ? M.sqrt(M.max(s, 1e-12)) : s / l[j * d + j];
    }
  }
  return l;
}

function predict(qda: Qda, f: Float64Array, offset: number): number {
  const d = FEATURES;
  const z = new Float64Array(d);
  let best = -Infinity;
  let arg = 0;
  for (let c = 0; c < NUM_CLASSES; c++) {
    if (!qda.present[c]) continue;
    const l = qda.chol[c];
    const mean = qda.mean[c];
    let maha = 0;
    // Forward substitution L z = (f − μ); Mahalanobis distance = |z|².
    for (let a = 0; a < d; a++) {
      let s = f[offset + a] - mean[a];
      for (let k = 0; k < a; k++) s -= l[a * d + k] * z[k];
      z[a] = s / l[a * d + a];
      maha += z[a] * z[a];
    }
    const score = qda.logNorm[c] - 0.5 * maha;
    if (score > best) {
      best = score;
      arg = c;
    }
  }
  return arg;
}

function evaluate(qda: Qda, sets: Pixels[]): { miou: number; iou: number[] } {
  const confusion = new Float64Array(NUM_CLASSES * NUM_CLASSES);
  for (const { features, trainIds } of sets) {
    for (let i = 0; i < trainIds.length; i++) {
      if (trainIds[i] === 255) continue;
      confusion[trainIds[i] * NUM_CLASSES + predict(qda, features, i * FEATURES)]++;
    }
  }
  const iou: number[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    let gt = 0, pred = 0;
    for (let k = 0; k < NUM_CLASSES; k++) {
      gt += confusion[c * NUM_CLASSES + k];
      pred += confusion[k * NUM_CLASSES + c];
    }
    const tp = confusion[c * NUM_CLASSES + c];
    iou.push(gt > 0 ? (100 * tp) / (gt + pred - tp) : NaN);
  }
  const valid = iou.filter((v) => !Number.isNaN(v));
  return { miou: valid.reduce((s, v) => s + v, 0) / valid.length, iou };
}

/** Per-channel mean/std statistics of pixels, grouped by trainId (255 is a group too) or globally. */
function channelStats(scenes: DemoScene[], perClass: boolean): Map<number, { mean: number[]; std: number[] }> {
  const acc = new Map<number, { n: number; s: number[]; s2: number[] }>();
  for (const sc of scenes) {
    for (let i = 0; i < sc.labelIds.length; i++) {
      const key = perClass ? labelIdToTrainId(sc.labelIds[i]) : 0;
      let a = acc.get(key);
      if (!a) acc.set(key, (a = { n: 0, s: [0, 0, 0], s2: [0, 0, 0] }));
      a.n++;
      for (let ch = 0; ch < 3; ch++) {
        const v = sc.rgb[3 * i + ch];
        a.s[ch] += v;
        a.s2[ch] += v * v;
      }
    }
  }
  const stats = new Map<number, { mean: number[]; std: number[] }>();
  for (const [key, a] of acc) {
    const mean = a.s.map((s) => s / a.n);
    const std = a.s2.map((s2, ch) => M.sqrt(M.max(s2 / a.n - mean[ch] ** 2, 1)));
    stats.set(key, { mean, std });
  }
  return stats;
}

/** Source images with colours moved to the target's statistics, globally or per class. */
function colourTransfer(source: DemoScene[], target: DemoScene[], perClass: boolean): DemoScene[] {
  const from = channelStats(source, perClass);
  const to = channelStats(target, perClass);
  return source.map((sc) => {
    const rgb = new Uint8Array(sc.rgb.length);
    for (let i = 0; i < sc.labelIds.length; i++) {
      const key = perClass ? labelIdToTrainId(sc.labelIds[i]) : 0;
      const a = from.get(key);
      const b = to.get(key) ?? to.get(255) ?? a;
      for (let ch = 0; ch < 3; ch++) {
        const v = a && b ? ((sc.rgb[3 * i + ch] - a.mean[ch]) / a.std[ch]) * b.std[ch] + b.mean[ch] : sc.rgb[3 * i + ch];
        rgb[3 * i + ch] = v <= 0 ? 0 : v >= 255 ? 255 : M.round(v);
      }
    }
    return { ...sc, rgb };
  });
}

/**
 * Loader throughput (issue 7 item 4): images per second for the SPEC §2
 * training input — decode a GTA5-size (1914×1052) RGB PNG and its palette
 * label, resize to 1024×512 (bicubic / nearest), random 512×512 crop and
 * flip — through data-core's DataLoader worker threads. The loaders hand on
 * 8-bit RGB; the models normalise (on the training backend).
 * Used by `cases/data-load.ts`; callable on its own.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  cityscapesLut,
  DataLoader,
  encodePng,
  PairedFileDataset,
  syntheticStreetLabel,
  syntheticStreetRgb,
  writeFileAtomic,
  type SamplePipeline,
  type SampleSpec,
} from '@semadapt/data-core';
import { labelIdPalette } from '@semadapt/labels';

/** The SPEC §2 training pipeline measured. */
export const TRAINING_PIPELINE: SamplePipeline = {
  resize: { kind: 'size', width: 1024, height: 512 },
  imageFilter: 'bicubic',
  crop: { width: 512, height: 512 },
  flipProbability: 0.5,
};

/** Writes `count` GTA5-size image/label pairs (GTA5 layout) under `dir`; returns their specs. */
export function writeThroughputSet(dir: string, count: number, width = 1914, height = 1052): SampleSpec[] {
  const specs: SampleSpec[] = [];
  for (let k = 0; k < count; k++) {
    const n = String(k + 1).padStart(5, '0');
    const image = path.join(dir, 'images', `${n}.png`);
    const label = path.join(dir, 'labels', `${n}.png`);
    if (!fs.existsSync(image)) writeFileAtomic(image, encodePng({ width, height, channels: 3, data: syntheticStreetRgb(width, height, k) }, { level: 6 }));
    if (!fs.existsSync(label)) {
      writeFileAtomic(label, encodePng({ width, height, channels: 1, data: syntheticStreetLabel(width, height, k), palette: labelIdPalette() }));
    }
    specs.push({ name: `images/${n}.png`, image, label });
  }
  return specs;
}

/** Options of {@link measureLoaderThroughput}. */
export interface ThroughputOptions {
  /** Decode workers. */
  readonly workers: number;
  /** Distinct files (default 8) and samples timed (default 16, cycling over the files). */
  readonly files?: number;
  readonly samples?: number;
  /** Where the files go (default a folder in the OS temp dir, reused between calls). */
  readonly dir?: string;
  /** Include the palette labels (default true). */
  readonly labels?: boolean;
}

/** Result of {@link measureLoaderThroughput}. */
export interface ThroughputResult {
  readonly workers: number;
  readonly samples: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** Process CPU time (all threads) per sample, seconds: on a loaded machine, CPU cost rather than wall time. */
  readonly cpuSecondsPerImage: number;
  /** Mean PNG size of the images, bytes. */
  readonly imageBytes: number;
}

/** Times the DataLoader over GTA5-size pairs with the SPEC §2 pipeline (worker start-up excluded). */
export async function measureLoaderThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const files = options.files ?? 8;
  const samples = options.samples ?? 16;
  const dir = options.dir ?? path.join(os.tmpdir(), 'semadapt-loader-throughput');
  const specs = writeThroughputSet(dir, files).map((s) => (options.labels === false ? { name: s.name, image: s.image } : s));
  const all = Array.from({ length: samples }, (_, i) => specs[i % specs.length]);
  const dataset = new PairedFileDataset('throughput', all, { ...TRAINING_PIPELINE, labelLut: cityscapesLut() });
  const loader = new DataLoader(dataset, { workers: options.workers, seed: 1 });
  try {
    // Start the workers and warm them up on a couple of samples first.
    const warm = loader.epoch(1);
    for (let i = 0; i < Math.min(2 * Math.max(1, options.workers), samples); i++) await warm.next();
    await warm.return(undefined);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let n = 0;
    for await (const item of loader.epoch(0)) {
      if (item.sample.image.width !== 512) throw new Error('unexpected sample size');
      n++;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    const imageBytes = specs.reduce((a, s) => a + fs.statSync(s.image).size, 0) / specs.length;
    return { workers: options.workers, samples: n, seconds, imagesPerSecond: n / seconds, cpuSecondsPerImage: (cpu.user + cpu.system) / 1e6 / n, imageBytes };
  } finally {
    await loader.close();
  }
}

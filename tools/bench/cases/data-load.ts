/**
 * data-load: the DataLoader's throughput on the SPEC §2 training input —
 * decode a GTA5-size (1914×1052) RGB PNG and its palette label, resize to
 * 1024×512 (bicubic / nearest), random 512×512 crop, flip (8-bit RGB out) —
 * with `--size` worker threads (1 or 2). One run() loads 8 samples, so
 * images/s = 8000 / median_ms. Target (issue 7): ≥ 10 images/s on 2 cores.
 * No tfjs work: the loader never touches tensors.
 */
import * as os from 'os';
import * as path from 'path';
import { cityscapesLut, DataLoader, PairedFileDataset } from '@semadapt/data-core';
import type { BenchCase } from '../case';
import { TRAINING_PIPELINE, writeThroughputSet } from '../loader-throughput';

const SAMPLES_PER_RUN = 8;

const dataLoad: BenchCase = {
  name: 'data-load',
  description: `DataLoader: ${SAMPLES_PER_RUN} GTA5-size PNG pairs decoded + resized to 1024x512 + cropped 512x512 (+flip; 8-bit RGB out); --size = worker threads`,
  shape: () => [1, 512, 512, 3],
  async setup(size) {
    if (!Number.isInteger(size) || size < 1 || size > 16) throw new Error(`data-load: --size is the number of workers (1..16), got ${size}`);
    const specs = writeThroughputSet(path.join(os.tmpdir(), 'semadapt-loader-throughput'), SAMPLES_PER_RUN);
    const dataset = new PairedFileDataset('data-load', specs, { ...TRAINING_PIPELINE, labelLut: cityscapesLut() });
    const loader = new DataLoader(dataset, { workers: size, seed: 1 });
    let epoch = 0;
    return {
      async run() {
        // A fresh epoch each run: new order and crops, the same files (cached by the OS after the first run).
        for await (const item of loader.epoch(epoch)) {
          if (item.sample.image.width !== 512 || item.sample.image.height !== 512) throw new Error('data-load: unexpected sample size');
        }
        epoch++;
      },
      dispose() {
        void loader.close();
      },
    };
  },
};

export default dataLoad;

/**
 * Test helper: the run config of a tiny `adapt` through the CLI — wasm,
 * networks at width 1/16 (DeepLabV2 with one block per stage, one translator
 * residual block and discriminator scale), on a 64×32 procedural
 * GTA5 → Cityscapes benchmark generated under `dir`. Each spec gives its own
 * step counts and rounds (`optimization`) and how often plain progress lines
 * are logged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';

/** Writes the config to `dir/run.json` (the benchmark to `dir/data`) and returns the file. */
export function writeTinyAdaptConfig(dir: string, optimization: Record<string, unknown>, logging: { plainEverySeconds: number }): string {
  const data = generateDemoBenchmark({ root: path.join(dir, 'data'), width: 64, height: 32, counts: { source: 4, targetTrain: 4, targetVal: 2 }, imagesPerCity: 2 });
  const cfg = {
    backend: 'wasm',
    onnxThreads: 1,
    optimization,
    model: {
      segmenter: { arch: 'deeplabv2', network: { width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2], batchNorm: 'batch' }, pseudoLabel: { kind: 'class-median' } },
      translator: { widthMultiplier: 0.0625, residualBlocks: 1, discriminatorScales: 1 },
    },
    data: {
      source: { dataset: 'gta5', root: path.join(data.root, 'gta5') },
      target: { dataset: 'cityscapes', root: path.join(data.root, 'cityscapes') },
      resize: [64, 32], translatorCrop: null, segmenterCrop: null, workers: 0,
    },
    logging: { progress: 'plain', plainEverySeconds: logging.plainEverySeconds, reportImages: 1 },
  };
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  return file;
}

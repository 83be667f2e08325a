/**
 * The demo's data: data-core's procedural mini-benchmark (GTA5-layout
 * source, Cityscapes-layout target with train and val), generated into
 * `datasets/demo/` when absent or generated with other settings. The
 * generator's settings for the demo live here (see README "Demo").
 */
import * as path from 'path';
import { generateDemoBenchmark } from '@semadapt/data-core';

/** Generator settings of the demo (image size, set sizes, seed). */
export const DEMO_DATA = {
  seed: 0,
  width: 128,
  height: 64,
  counts: { source: 200, targetTrain: 200, targetVal: 50 },
  /**
   * How far the target palette is from the source's (data-core: 0 = same
   * palette, texture/light/noise still differ; 1 = the full gap). At 1 the
   * CPU-budget translator cannot learn the class-dependent palette map in
   * the demo's time; 0.5 keeps a large gap (data-core's per-pixel probe:
   * source-only 9.1 vs target-only 38.3 mIoU) that the demo's budget can close.
   */
  gapStrength: 0.5,
} as const;

export async function ensureDemoBenchmark(root: string, log: (m: string) => void): Promise<{ source: string; target: string }> {
  const r = generateDemoBenchmark({ root, seed: DEMO_DATA.seed, width: DEMO_DATA.width, height: DEMO_DATA.height, counts: { ...DEMO_DATA.counts }, gapStrength: DEMO_DATA.gapStrength });
  log(
    r.generated
      ? `demo data: generated ${r.manifest.counts.source} source + ${r.manifest.counts.targetTrain}/${r.manifest.counts.targetVal} target images in ${r.seconds.toFixed(1)} s → ${r.root}`
      : `demo data: using ${r.root} (already generated)`,
  );
  return { source: path.join(r.root, r.manifest.source.path), target: path.join(r.root, r.manifest.target.path) };
}

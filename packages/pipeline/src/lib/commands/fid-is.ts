/**
 * `semadapt fid` and `semadapt is`: thin CLI over @semadapt/metrics-fid-is
 * (SPEC §6), with a progress display and JSON output.
 */
import { writeJsonAtomic, startProgress, ProgressMode } from '@semadapt/runner';

function progressFor(label: string, json: boolean): { onProgress: (done: number, total: number) => void; stop: () => void } {
  let bar: ReturnType<typeof startProgress> | undefined;
  const mode: ProgressMode = json ? 'none' : 'auto';
  return {
    onProgress(done, total) {
      bar ??= startProgress({ label, total, start: 0, mode, log: (l) => console.error(l), unit: 'image' });
      bar.update(done, {});
    },
    stop() {
      bar?.stop();
    },
  };
}

/** `fid <images> <reference> --inception model.onnx`. */
export async function fid(argv: Record<string, unknown>): Promise<number> {
  const m = await import('@semadapt/metrics-fid-is');
  const json = argv['json'] === true;
  const p = progressFor('fid', json);
  const options = {
    mode: argv['mode'] as 'legacy' | 'clean',
    normalization: argv['normalization'] as 'minusOneOne' | 'imagenet' | undefined,
    onProgress: p.onProgress,
    warn: (w: string) => console.error(`warning: ${w}`),
  };
  try {
    if (typeof argv['saveStats'] === 'string') {
      await m.saveReferenceStatistics(argv['inception'] as string, argv['reference'] as string, argv['saveStats'] as string, argv['reference'] as string, options);
      console.error(`reference statistics saved to ${argv['saveStats']}`);
    }
    const r = await m.computeFid(argv['inception'] as string, argv['images'] as string, argv['reference'] as string, options);
    p.stop();
    if (json) console.log(JSON.stringify(r, null, 2));
    else console.log(`FID ${r.fid.toFixed(3)} (${r.counts.a} vs ${r.counts.b} images; mode ${r.mode}; reference ${r.reference})`);
    if (typeof argv['out'] === 'string') writeJsonAtomic(argv['out'] as string, r);
  } finally {
    p.stop();
  }
  return 0;
}

/** `is <images> --inception model.onnx`. */
export async function inceptionScore(argv: Record<string, unknown>): Promise<number> {
  const m = await import('@semadapt/metrics-fid-is');
  const json = argv['json'] === true;
  const p = progressFor('is', json);
  try {
    const r = await m.computeInceptionScore(argv['inception'] as string, argv['images'] as string, {
      mode: argv['mode'] as 'legacy' | 'clean',
      normalization: argv['normalization'] as 'minusOneOne' | 'imagenet' | undefined,
      splits: argv['splits'] as number,
      onProgress: p.onProgress,
    });
    p.stop();
    if (json) console.log(JSON.stringify(r, null, 2));
    else console.log(`IS ${r.mean.toFixed(3)} ± ${r.std.toFixed(3)} (${r.count} images, ${r.splits} splits; mode ${r.mode}, normalization ${r.normalization})`);
  } finally {
    p.stop();
  }
  return 0;
}

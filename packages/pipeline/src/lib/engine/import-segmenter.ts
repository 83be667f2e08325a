/**
 * `semadapt import-weights`: converted weights (tools/convert_pth_to_safetensors.py
 * output, our names and layouts) → a segmenter checkpoint folder, the form
 * `evaluate --checkpoint` and `export-onnx --checkpoint` take:
 * `<out>/segmenter.safetensors` + `<out>/segmenter-config.json` (the
 * network description of the run's `model.segmenter`). Every tensor of the
 * network must be in the file (strict load), so a checkpoint is never half
 * random.
 */
import * as fs from 'fs';
import * as path from 'path';
import { saveCheckpoint } from '@semadapt/core-layers';
import { loadSegmenterSafetensors } from '@semadapt/segmenter';
import type { RunContext } from './run-context';
import { writeJsonAtomic } from '@semadapt/runner';
import { buildNet, segmenterMeta } from './segmenter-stage';

/** Writes the checkpoint folder `outDir` from `weightsFile`; returns it. */
export async function importSegmenterWeights(ctx: RunContext, weightsFile: string, outDir: string): Promise<string> {
  if (!fs.existsSync(weightsFile)) throw new Error(`import-weights: no such file: ${weightsFile}`);
  const meta = segmenterMeta(ctx);
  const net = buildNet(meta, 0);
  try {
    const r = await loadSegmenterSafetensors(weightsFile, net, { strict: true });
    ctx.run.log(`import-weights: ${weightsFile}: ${r.report.loaded.length} tensors loaded into ${meta.arch} ${JSON.stringify(meta.network)}`);
    fs.mkdirSync(outDir, { recursive: true });
    await saveCheckpoint(path.join(outDir, 'segmenter.safetensors'), { modules: { net } }, { step: 0 });
    writeJsonAtomic(path.join(outDir, 'segmenter-config.json'), meta);
    return outDir;
  } finally {
    net.dispose();
  }
}

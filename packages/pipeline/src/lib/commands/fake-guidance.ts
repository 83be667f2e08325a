/**
 * `semadapt fake-guidance --round k` — Appendix C (Figure 5): round k's
 * translator fed the segmentation of a different image (see
 * engine/fake-guidance.ts). Needs round k's translator and S_{k−1}; writes
 * the grid into `<run>/samples/round<k>__fake-guidance/`, the per-pair
 * differences into `<run>/outputs/round<k>/fake-guidance.json`, and the report.
 */
import type { ImageU8 } from '@semadapt/data-core';
import { handOff, selectedSegmenter } from '../engine/adapt-loop';
import { Datasets, openDatasets } from '../engine/datasets';
import { fakeGuidanceGrid, NamedImage } from '../engine/fake-guidance';
import { resizeRgb } from '../engine/inference';
import { loadSegmenter } from '../engine/segmenter-stage';
import { loadTranslator } from '../engine/translator-stage';
import { writeReport } from '../report/build-report';
import { roundStage, StageId, writeJsonAtomic, stageResult, TrainResult } from '@semadapt/runner';
import { openRun, RunArgs } from './context';

function completed(run: Parameters<typeof stageResult>[0], stage: StageId, hint: string): TrainResult {
  const m = stageResult<TrainResult>(run, stage);
  if (!m) throw new Error(`fake-guidance: ${stage} has not completed in ${run.root}; ${hint}`);
  return m.result;
}

export async function fakeGuidance(argv: Record<string, unknown>): Promise<number> {
  const k = Number(argv['round'] ?? 1);
  if (!Number.isInteger(k) || k < 1) throw new Error(`--round must be an integer ≥ 1, received ${argv['round']}`);
  let data: Datasets | undefined;
  const ctx = await openRun('fake-guidance', argv as RunArgs, { beforeOpen: (config, log) => (data = openDatasets(config, log)) });
  const { run, config } = ctx;
  const ds = (data as Datasets).sourceTrain;
  const translatorDir = handOff(completed(run, `round${k}/train-translator`, `run 'semadapt train-translator --round ${k}' first`));
  const guidanceStage = k === 1 ? roundStage(0, 'train-source') : roundStage(k - 1, 'train-segmenter');
  const segmenterDir = selectedSegmenter(completed(run, guidanceStage, 'the translator of this round was guided by it'), config.optimization.select);
  const count = Math.min(ds.length, Number(argv['count'] ?? Math.max(2, config.logging.reportImages)));
  const size = (config.data.inferSize ?? config.data.resize) as [number, number];
  const images: NamedImage[] = [];
  for (let i = 0; i < count; i++) {
    const s = await ds.get(i);
    images.push({ name: s.name, image: resizeRgb(s.image as ImageU8, size) });
  }
  const translator = await loadTranslator(translatorDir);
  const segmenter = await loadSegmenter(ctx, segmenterDir);
  try {
    if (!translator.config.spade) throw new Error(`fake-guidance: round ${k}'s translator has spade off (no guidance input); the experiment needs SPADE`);
    const pairs = await fakeGuidanceGrid(run, `round${k}__fake-guidance`, translator, segmenter, images);
    const file = run.outputDir(`round${k}`, 'fake-guidance.json');
    writeJsonAtomic(file, { round: k, translator: translatorDir, guidance: segmenterDir, size, pairs });
    for (const p of pairs) run.log(`[fake-guidance] ${p.source} guided by ${p.guidanceFrom}: mean |own − other| ${p.meanAbsDifference.toFixed(2)} / 255`);
    run.log(`fake-guidance: ${file}; report: ${writeReport(run)}`);
  } finally {
    translator.dispose();
    segmenter.dispose();
  }
  return 0;
}

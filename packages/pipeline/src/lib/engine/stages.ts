/**
 * The stages of SPEC §4 over one run directory: paths of every output,
 * the inference stages through onnxruntime (translate, pseudo-label,
 * evaluate), and the training stages through the trainers of
 * @semadapt/segmenter and @semadapt/translator (see `segmenter-stage.ts`,
 * `translator-stage.ts`). `AdaptStages` is what the loop composes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileDataset, ImageU8, makeShard, Shard, shardFromEnv, writePngAtomic } from '@semadapt/data-core';
import { formatMiouTable } from '@semadapt/segmenter';
import { confusionRows, EvalResult } from '../report/build-report';
import { StageId, writeJsonAtomic, stageFileName, startProgress } from '@semadapt/runner';
import { openOnnx } from './open-onnx';
import type { RunContext } from './run-context';
import { AdaptStages } from './adapt-loop';
import { Datasets } from './datasets';
import { evaluateSet, mergeEvalShards, parseShard, pngName, pseudoLabelSet, segmenterLogits, translateSet, writeEvalShard } from './inference';
import { cityscapesPredictionName, trainIdsToLabelIds } from './cityscapes-export';
import { OnnxInputSpec, openOnnxEvaluator } from './onnx-evaluator';
import { requireRgbSegmenterOnnx } from './onnx-header';
import * as seg from './segmenter-stage';
import * as trans from './translator-stage';
import { writeEvaluationSamples, writeTranslationSamples } from './samples';
import { measureTranslation, resizedImages } from './translation-quality';
import { exportEmbeddedTranslatorOnnx } from './embedded-translator-onnx';
import type { TranslationQuality } from './adapt-summary';

/** The shard of this process: `--shard i/n`, else the scheduler's variables, else 0/1. */
export function resolveShard(flag: unknown): Shard {
  if (typeof flag === 'string' && flag) {
    const s = parseShard(flag);
    return makeShard(s.rank, s.worldSize, '--shard');
  }
  return shardFromEnv();
}

export class Engine implements AdaptStages {
  constructor(readonly ctx: RunContext, readonly data: Datasets, readonly shard: Shard = makeShard(0, 1, 'single')) {}

  get run() {
    return this.ctx.run;
  }
  get config() {
    return this.ctx.config;
  }
  translatedDir(round: number): string {
    return this.run.outputDir(`round${round}`, 'translated');
  }
  pseudoDir(round: number): string {
    return this.run.outputDir(`round${round}`, 'pseudo-labels');
  }
  onnxDir(round: number): string {
    return this.run.path('onnx', `round${round}`);
  }

  private progress(label: string, unit = 'image') {
    let bar: ReturnType<typeof startProgress> | undefined;
    return {
      tick: (done: number, total: number) => {
        bar ??= startProgress({ label, total, start: 0, mode: this.config.logging.progress, log: (l) => this.run.log(l), unit, plainEverySeconds: this.config.logging.plainEverySeconds });
        bar.update(done, {});
      },
      stop: () => bar?.stop(),
    };
  }

  /** Refuses to mark a sharded stage complete: the `merge` step does that. */
  private shardNote(stage: StageId): void {
    if (this.shard.worldSize > 1) {
      this.run.log(`[${stage}] shard ${this.shard.rank}/${this.shard.worldSize} (${this.shard.source}); run 'semadapt merge' after all shards`);
    }
  }

  // ---- training ----------------------------------------------------------

  trainSource(stage: StageId) {
    return seg.trainSegmenterStage(this.ctx, this.data, { stage, mode: 'source', evaluate: (net) => this.evaluateNet(net) });
  }

  trainOracle(stage: StageId) {
    return seg.trainSegmenterStage(this.ctx, this.data, { stage, mode: 'oracle', evaluate: (net) => this.evaluateNet(net) });
  }

  trainSegmenter(stage: StageId, round: number, init: string, pseudoLabels: boolean) {
    return seg.trainSegmenterStage(this.ctx, this.data, {
      stage, mode: 'adapt', init,
      translatedDir: this.translatedDir(round),
      pseudoDir: pseudoLabels ? this.pseudoDir(round) : undefined,
      evaluate: (net) => this.evaluateNet(net),
    });
  }

  trainTranslator(stage: StageId, round: number, guidance: string, init?: string) {
    return trans.trainTranslatorStage(this.ctx, this.data, { stage, round, guidance, init });
  }

  async exportOnnx(_stage: StageId, round: number, segmenter: string, translator: string): Promise<{ segmenter: string; translator: string }> {
    const dir = this.onnxDir(round);
    fs.mkdirSync(dir, { recursive: true });
    const segFile = await seg.exportSegmenterOnnx(this.ctx, segmenter, path.join(dir, 'segmenter.onnx'));
    const tr = await trans.exportTranslatorOnnx(this.ctx, translator, dir);
    // SPEC §7's single-file variant (image → image, the segmenter inside); the translate stage runs the pair.
    const embedded = await exportEmbeddedTranslatorOnnx(this.ctx, translator, segmenter, path.join(dir, 'translator-s2t-with-segmenter.onnx'));
    this.run.log(`[export-onnx] ${segFile}, ${tr.s2t}, ${tr.t2s}, ${embedded}`);
    return { segmenter: segFile, translator: tr.s2t };
  }

  // ---- inference (onnxruntime) ---------------------------------------------

  async translate(stage: StageId, round: number, translatorOnnx: string, segmenterOnnx: string): Promise<{ images: number; dir: string }> {
    this.shardNote(stage);
    if (fs.existsSync(segmenterOnnx)) requireRgbSegmenterOnnx(segmenterOnnx);
    const translator = await openOnnx(translatorOnnx, this.config.onnxThreads);
    const segmenter = translator.inputNames.length === 2 ? await openOnnx(segmenterOnnx, this.config.onnxThreads) : undefined;
    const p = this.progress(stage);
    try {
      const dir = this.translatedDir(round);
      const r = await translateSet(this.data.sourceTrain, translator, segmenter, dir, {
        shard: this.shard, workers: this.config.data.workers, size: this.inferSize(), onImage: p.tick,
      });
      this.run.log(`[${stage}] ${r.images} images (${r.skipped} already done) → ${dir}`);
      if (segmenter || this.config.logging.reportImages > 0) {
        const guide = segmenter ?? (await openOnnx(segmenterOnnx, this.config.onnxThreads));
        try {
          await writeTranslationSamples(this.run, `round${round}__source-to-target`, this.data.sourceTrain, this.config.logging.reportImages, this.inferSize(), dir, (img) => segmenterLogits(guide, img));
        } finally {
          if (!segmenter) await guide.release();
        }
      }
      return { images: r.images, dir };
    } finally {
      p.stop();
      await translator.release();
      await segmenter?.release();
    }
  }

  /** FID/IS (SPEC §6) of round k's translated source set, or of the untranslated source for k = 0, against target train. */
  async translationQuality(stage: StageId, round: number): Promise<TranslationQuality> {
    const size = this.inferSize();
    const p = this.progress(stage);
    try {
      const q = await measureTranslation(this.config.metrics, {
        images: round === 0 ? resizedImages(this.data.sourceTrain, size) : this.translatedDir(round),
        target: resizedImages(this.data.targetTrain, size),
        cacheFile: this.run.outputDir('fid', 'target-train.safetensors'),
        onProgress: p.tick,
        warn: (m) => this.run.log(`[${stage}] warning: ${m}`),
        log: (m) => this.run.log(`[${stage}] ${m}`),
      });
      this.run.log(`[${stage}] ${round === 0 ? 'untranslated source' : 'translated source'} vs target train: FID ${q.fid.toFixed(2)}, IS ${q.is.mean.toFixed(2)} ± ${q.is.std.toFixed(2)} (${q.images} images)`);
      return q;
    } finally {
      p.stop();
    }
  }

  async pseudoLabel(stage: StageId, round: number, segmenterOnnx: string): Promise<{ images: number; dir: string; keptFraction: number }> {
    this.shardNote(stage);
    requireRgbSegmenterOnnx(segmenterOnnx);
    const model = await openOnnx(segmenterOnnx, this.config.onnxThreads);
    const p = this.progress(stage);
    try {
      const dir = this.pseudoDir(round);
      const report = await pseudoLabelSet(this.data.targetTrain, model, this.config.model.segmenter.pseudoLabel, dir, {
        shard: this.shard, workers: this.config.data.workers, size: this.inferSize(), onImage: p.tick,
      });
      const keptFraction = report.totalPixels ? 1 - report.ignoredPixels / report.totalPixels : 0;
      writeJsonAtomic(path.join(dir, '..', `pseudo-label-report-${this.shard.rank}-of-${this.shard.worldSize}.json`), report);
      this.run.log(`[${stage}] ${report.images} images, ${(100 * keptFraction).toFixed(1)}% of pixels kept → ${dir}`);
      return { images: report.images, dir, keptFraction };
    } finally {
      p.stop();
      await model.release();
    }
  }

  /** The size the whole-set inference stages run at. */
  inferSize(): [number, number] {
    return (this.config.data.inferSize ?? this.config.data.resize) as [number, number];
  }

  /**
   * Evaluates an ONNX segmenter on target val (one shard); writes shard
   * counts; merges when unsharded. The model's outputs are checked and its
   * input prepared as `input` says (see onnx-evaluator.ts).
   */
  async evaluateOnnx(stage: StageId, onnxFile: string, opts: { exportCityscapes?: string; dataset?: FileDataset; input?: OnnxInputSpec } = {}): Promise<EvalResult | undefined> {
    const size = (this.config.data.evalSize ?? this.config.data.resize) as [number, number];
    const model = await openOnnxEvaluator(onnxFile, this.config.onnxThreads, opts.input ?? {}, size);
    this.run.log(`[${stage}] ${model.describe}`);
    try {
      // The evaluator resizes each image to what the model takes.
      return await this.evaluateWith(stage, (img, name) => model.logitsOf(img, name ?? ''), { ...opts, size: null });
    } finally {
      await model.release();
    }
  }

  /** Evaluates a segmenter checkpoint in the training framework (tfjs). */
  async evaluateCheckpointDir(checkpoint: string, opts: { exportCityscapes?: string; stage?: StageId } = {}): Promise<EvalResult> {
    const net = await seg.loadSegmenter(this.ctx, checkpoint);
    try {
      return await this.evaluateNet(net, opts);
    } finally {
      net.dispose();
    }
  }

  /** Evaluates an in-memory segmenter (eval mode) on target val. */
  async evaluateNet(net: seg.SegmenterNet, opts: { exportCityscapes?: string; stage?: StageId } = {}): Promise<EvalResult> {
    {
      const logitsOf = async (img: ImageU8) => seg.logitsAtInputSize(net, img);
      // Scored from the network's own logits, upsampled once to the label size (as BDL does), not via the input size.
      const networkLogitsOf = async (img: ImageU8) => seg.networkLogits(net, img);
      const r = await this.evaluateWith(opts.stage ?? 'evaluate', networkLogitsOf, { ...opts, quiet: opts.stage === undefined });
      if (!r) throw new Error('evaluation of a checkpoint cannot be sharded');
      if (opts.stage && this.config.logging.reportImages > 0) {
        const size = this.config.data.evalSize ?? this.config.data.resize;
        await writeEvaluationSamples(this.run, `${stageFileName(opts.stage)}__target-val`, this.data.targetVal, this.config.logging.reportImages, size, logitsOf);
      }
      return r;
    }
  }

  private async evaluateWith(
    stage: StageId,
    logitsOf: Parameters<typeof evaluateSet>[1],
    opts: { exportCityscapes?: string; dataset?: FileDataset; quiet?: boolean; size?: readonly [number, number] | null },
  ): Promise<EvalResult | undefined> {
    const p = opts.quiet ? { tick: () => undefined, stop: () => undefined } : this.progress(stage);
    const writePrediction = opts.exportCityscapes
      ? (name: string, ids: Uint8Array, width: number, height: number) =>
          writePngAtomic(path.join(opts.exportCityscapes as string, cityscapesPredictionName(name)), { width, height, channels: 1, data: trainIdsToLabelIds(ids) })
      : undefined;
    try {
      const { matrix, images } = await evaluateSet(opts.dataset ?? this.data.targetVal, logitsOf, {
        shard: this.shard, workers: this.config.data.workers, size: opts.size !== undefined ? opts.size : this.config.data.evalSize ?? this.config.data.resize, onImage: p.tick, writePrediction,
      });
      p.stop();
      const shardDir = this.run.outputDir(stageFileName(stage));
      if (this.shard.worldSize > 1) {
        writeEvalShard(path.join(shardDir, `shard-${this.shard.rank}-of-${this.shard.worldSize}.json`), matrix, images);
        this.run.log(`[${stage}] shard ${this.shard.rank}/${this.shard.worldSize}: ${images} images; run 'semadapt merge evaluate' after all shards`);
        return undefined;
      }
      const s = matrix.summary();
      if (!opts.quiet) this.run.log(formatMiouTable(s, `${stage}: target val`));
      return { ...s, images, confusion: confusionRows(matrix.counts, matrix.numClasses) };
    } finally {
      p.stop();
    }
  }

  /** Merges the evaluation shards of `stage`. */
  mergeEvaluation(stage: StageId, worldSize: number): EvalResult {
    const { summary, images, counts } = mergeEvalShards(this.run.outputDir(stageFileName(stage)), worldSize);
    this.run.log(formatMiouTable(summary, `${stage}: target val (merged ${worldSize} shards)`));
    return { ...summary, images, confusion: confusionRows(counts, summary.perClass.length) };
  }

  /** The adapt loop's evaluate: in-framework, on the checkpoint handed on. */
  async evaluate(stage: StageId, segmenter: string): Promise<EvalResult> {
    const r = await this.evaluateCheckpointDir(segmenter, { stage });
    this.run.metric({ stage, kind: 'eval', step: 0, values: { miou19: r.miou19, miou16: r.miou16, miou13: r.miou13 }, perClass: r.perClass });
    return r;
  }
}

export { pngName };

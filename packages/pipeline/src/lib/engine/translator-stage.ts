/**
 * Translator training of round k (SPEC §2, §4 step 1) and its ONNX export.
 * The segmenter S_{k−1} is loaded frozen and given to the trainer as a
 * callback (its logits guide every translation, and the SCE term needs
 * gradients through it). Everything about the networks, losses and
 * optimizers is @semadapt/translator's; this file feeds it batches and
 * checkpoints it through the resumable loop.
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, saveCheckpoint } from '@semadapt/core-layers';
import { Translator, TranslatorTrainer, resolveTranslatorConfig, TranslatorConfigInput, translatorOnnxBytes } from '@semadapt/translator';
import { segmenterGuidance } from '@semadapt/segmenter';
import type { RunContext } from './run-context';
import { runTraining, StageId, TrainResult, TrainTask, writeFileAtomic, writeJsonAtomic, readJsonIfExists } from '@semadapt/runner';
import { BatchStream, disposeBatch } from './batches';
import { Datasets } from './datasets';
import { loadSegmenter } from './segmenter-stage';

const CKPT = 'translator.safetensors';

/** The translator config of a run: the `model.translator` section, guidance classes from the segmenter. */
export function translatorConfig(ctx: RunContext, guidanceClasses: number): TranslatorConfigInput {
  const section = ctx.config.model.translator as TranslatorConfigInput;
  return { seed: ctx.config.optimization.seed, ...section, guidanceClasses };
}

export async function trainTranslatorStage(
  ctx: RunContext, data: Datasets, opts: { stage: StageId; round: number; guidance: string; init?: string },
): Promise<TrainResult> {
  const { config, run } = ctx;
  const seg = await loadSegmenter(ctx, opts.guidance);
  seg.eval().freeze();
  const tcfg = resolveTranslatorConfig(translatorConfig(ctx, seg.numClasses));
  const translator = new Translator(tcfg);
  const trainer = new TranslatorTrainer(translator);
  if (opts.init) {
    // Warm start: weights (and spectral-norm vectors) of an earlier round; a resumed checkpoint of this stage overrides them.
    // Every weight must match; the earlier round's optimizer moments in the file are left out (fresh optimizers).
    const { report } = await loadCheckpoint(path.join(opts.init, CKPT), { modules: { '': translator } }, { strict: false });
    const wrong = [...report.missing, ...report.misShaped.map((m) => m.name), ...report.wrongDtype.map((m) => m.name)];
    if (wrong.length > 0) {
      throw new Error(`${opts.init}: cannot warm-start ${opts.stage} from it (model.translator changed?): ${wrong.length} weights missing or mis-shaped, e.g. ${wrong.slice(0, 3).join(', ')}`);
    }
    run.log(`[${opts.stage}] translator starts from ${opts.init} (${report.loaded.length} tensors)`);
  }
  const seed = config.optimization.seed + 1000 * opts.round;
  const loaderOpts = { seed, workers: config.data.workers, prefetch: config.data.prefetch };
  const source = new BatchStream(data.forTranslator(data.sourceTrain), config.optimization.batchSize, loaderOpts);
  const target = new BatchStream(data.forTranslator(data.targetTrain), config.optimization.batchSize, { ...loaderOpts, seed: seed + 1 });
  const segment = (x: tf.Tensor4D): tf.Tensor4D => segmenterGuidance(seg, x);
  writeJsonAtomic(path.join(run.path('checkpoints', opts.stage), 'translator-config.json'), { config: tcfg, guidance: opts.guidance, init: opts.init ?? null });

  const task: TrainTask<{ source: ReturnType<BatchStream['position']>; target: ReturnType<BatchStream['position']> }> = {
    totalSteps: config.optimization.translatorSteps,
    async step() {
      const bs = await source.next();
      const bt = await target.next();
      try {
        const losses = trainer.step({ source: bs.images, target: bt.images, guidance: { kind: 'segmenter', segment } });
        return { ...losses };
      } finally {
        disposeBatch(bs);
        disposeBatch(bt);
      }
    },
    async save(dir) {
      await saveCheckpoint(path.join(dir, CKPT), { modules: { '': translator }, optimizers: { G: trainer.optimizerG, D: trainer.optimizerD } }, {
        step: trainer.stepCount,
        metadata: { guidanceClasses: seg.numClasses, config: tcfg },
      });
    },
    async load(dir) {
      await loadCheckpoint(path.join(dir, CKPT), { modules: { '': translator }, optimizers: { G: trainer.optimizerG, D: trainer.optimizerD } });
    },
    loopState: () => ({ source: source.position(), target: target.position() }),
    restoreLoopState(s) {
      source.seek(s.source);
      target.seek(s.target);
    },
  };
  try {
    return await runTraining(run, task, {
      stage: opts.stage,
      data: { ...ctx.manifest.datasets },
      checkpointEvery: config.optimization.checkpointEvery,
      metricsEvery: config.logging.metricsEvery,
      progress: config.logging.progress,
      plainEverySeconds: config.logging.plainEverySeconds,
    });
  } finally {
    await source.close();
    await target.close();
    trainer.dispose();
    translator.dispose();
    seg.dispose();
  }
}

/** Loads a translator checkpoint folder written by `trainTranslatorStage`. */
export async function loadTranslator(checkpointDir: string): Promise<Translator> {
  const meta = readJsonIfExists<{ config: unknown }>(path.join(checkpointDir, '..', 'translator-config.json'));
  if (!meta) throw new Error(`${checkpointDir}: no translator-config.json beside it; is this a translator checkpoint?`);
  const translator = new Translator(meta.config as TranslatorConfigInput);
  await loadCheckpoint(path.join(checkpointDir, CKPT), { modules: { '': translator } }, { strict: false });
  translator.eval();
  return translator;
}

/** Exports s→t and t→s (image [−1, 1] + guidance logits → image, NCHW) into `dir`. */
export async function exportTranslatorOnnx(_ctx: RunContext, checkpointDir: string, dir: string): Promise<{ s2t: string; t2s: string }> {
  const translator = await loadTranslator(checkpointDir);
  try {
    const s2t = path.join(dir, 'translator-s2t.onnx');
    const t2s = path.join(dir, 'translator-t2s.onnx');
    writeFileAtomic(s2t, translatorOnnxBytes(translator, 's2t'));
    writeFileAtomic(t2s, translatorOnnxBytes(translator, 't2s'));
    return { s2t, t2s };
  } finally {
    translator.dispose();
  }
}

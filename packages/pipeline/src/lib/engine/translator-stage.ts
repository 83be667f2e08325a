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
import { loadCheckpoint } from '@semadapt/core-layers';
import {
  Translator, TranslatorConfig, TranslatorConfigInput, TranslatorTrainer, resolveTranslatorConfig, translatorConfigInput, translatorOnnxBytes, rgbToTranslatorImage,
} from '@semadapt/translator';
import type { RunContext } from './run-context';
import { runTraining, StageId, TrainResult, TrainTask, writeFileAtomic, writeJsonAtomic, readJsonIfExists } from '@semadapt/runner';
import { BatchStream, disposeBatch } from './batches';
import { Datasets } from './datasets';
import { segmenterGuidance } from './guidance';
import { loadSegmenter } from './segmenter-stage';

const CKPT = 'translator.safetensors';

/** The translator of a run (`ctx.models.translator`, resolved once by @semadapt/translator) guided by `guidanceClasses` logits. */
export function translatorConfig(ctx: RunContext, guidanceClasses: number): TranslatorConfig {
  const { network, trainer } = ctx.models.translator;
  return { network: { ...network, guidanceClasses }, trainer };
}

export async function trainTranslatorStage(
  ctx: RunContext, data: Datasets, opts: { stage: StageId; round: number; guidance: string; init?: string },
): Promise<TrainResult> {
  const { config, run } = ctx;
  const seg = await loadSegmenter(ctx, opts.guidance);
  seg.eval().freeze();
  const tcfg = translatorConfig(ctx, seg.numClasses);
  const translator = new Translator(tcfg.network);
  const trainer = new TranslatorTrainer(translator, tcfg.trainer);
  if (opts.init) {
    // Warm start: weights (and spectral-norm vectors) of an earlier round; a resumed checkpoint of this stage overrides them.
    // Every weight must match; the earlier round's optimizer moments in the file are left out (fresh optimizers).
    const { report } = await loadCheckpoint(path.join(opts.init, CKPT), { modules: trainer.checkpointTargets().modules }, { strict: false });
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
  // `config`: the run config's flat `model.translator` form, fully resolved (what loadTranslator reads back).
  writeJsonAtomic(path.join(run.path('checkpoints', opts.stage), 'translator-config.json'), { config: translatorConfigInput(tcfg), guidance: opts.guidance, init: opts.init ?? null });

  const task: TrainTask<{ source: ReturnType<BatchStream['position']>; target: ReturnType<BatchStream['position']> }> = {
    totalSteps: config.optimization.translatorSteps,
    async step() {
      const bs = await source.next();
      const bt = await target.next();
      // Batches hold RGB [0, 255]; the translator works in [−1, 1] (SPEC §2).
      const [xs, xt] = [rgbToTranslatorImage(bs.images), rgbToTranslatorImage(bt.images)];
      try {
        const losses = trainer.step({ source: xs, target: xt, guidance: { kind: 'segmenter', segment } });
        return { ...losses };
      } finally {
        tf.dispose([xs, xt]);
        disposeBatch(bs);
        disposeBatch(bt);
      }
    },
    // The trainer owns what its checkpoint holds (translator, both Adam states, the step).
    async save(dir) {
      await trainer.save(path.join(dir, CKPT), { guidanceClasses: seg.numClasses, config: translatorConfigInput(tcfg) });
    },
    async load(dir) {
      await trainer.load(path.join(dir, CKPT));
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
  // `config` is a run config's flat `model.translator` (both sections' fields), as every version wrote it.
  const translator = new Translator(resolveTranslatorConfig(meta.config as TranslatorConfigInput).network);
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

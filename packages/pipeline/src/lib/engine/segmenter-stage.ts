/**
 * Segmenter training (SPEC §3, §4): round 0 on source only (the lower
 * bound), the oracle on target labels (the upper bound), and round k on
 * translated source + pseudo-labelled target + the output-space adversarial
 * loss; plus loading, in-framework inference and ONNX export of segmenter
 * checkpoints. Networks, losses, optimizers and schedules are
 * @semadapt/segmenter's; this file feeds batches and checkpoints through the
 * resumable loop.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint, Rng } from '@semadapt/core-layers';
import type { ImageU8 } from '@semadapt/data-core';
import {
  buildSegmenter, exportSegmenterOnnx as segmenterOnnxBytes, logitsAtSize, Segmenter, SegmenterArch, SegmenterNetworkConfig,
  SegmenterTrainer, SegmenterTrainerConfigInput, SegmenterTrainerOptions, loadSegmenterSafetensors,
} from '@semadapt/segmenter';
import type { RunContext } from './run-context';
import { EvalResult } from '../report/build-report';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic, StageId, stageRound, runTraining, TrainResult, TrainTask } from '@semadapt/runner';
import { BatchStream, disposeBatch } from './batches';
import { Datasets } from './datasets';
import { rgbToTensor } from './tensors';

const CKPT = 'segmenter.safetensors';
const META = 'segmenter-config.json';

export type SegmenterNet = Segmenter;

/** How a segmenter training stage gets its data (SPEC §3, §4). */
export type SegmenterMode = 'source' | 'oracle' | 'adapt';

/**
 * What `segmenter-config.json` beside every segmenter checkpoint folder holds:
 * the architecture, its network options (without the classes) and the
 * classes. Folders written before the options were resolved hold the run
 * config's section as given (e.g. the former `width`); they build the same.
 */
export interface SegmenterMeta {
  arch: SegmenterArch;
  network: Record<string, unknown>;
  numClasses: number;
}

/** The network description of this run's segmenter (`model.segmenter`, resolved by @semadapt/segmenter). */
export function segmenterMeta(ctx: RunContext): SegmenterMeta {
  const { arch, network } = ctx.models.segmenter;
  const { numClasses, ...options } = network;
  return { arch, network: options, numClasses };
}

/** Builds the network a meta describes (@semadapt/segmenter's factory; its constructor checks the options). */
export function buildNet(meta: SegmenterMeta, seed: number): Segmenter {
  return buildSegmenter({ arch: meta.arch, network: { ...meta.network, numClasses: meta.numClasses } } as SegmenterNetworkConfig, new Rng(seed));
}

/** Loads a segmenter checkpoint folder (`.../latest` or `.../best`) in eval mode. */
export async function loadSegmenter(_ctx: RunContext, checkpointDir: string): Promise<Segmenter> {
  const meta = readJsonIfExists<SegmenterMeta>(path.join(checkpointDir, META));
  if (!meta) throw new Error(`${checkpointDir}: no ${META}; not a segmenter checkpoint folder`);
  const net = buildNet(meta, 0);
  const r = await loadCheckpoint(path.join(checkpointDir, CKPT), { modules: { net } }, { strict: false });
  if (r.report.missing.length || r.report.misShaped.length) {
    net.dispose();
    throw new Error(`${checkpointDir}: segmenter weights missing or mis-shaped: ${[...r.report.missing, ...r.report.misShaped.map((m) => m.name)].slice(0, 10).join(', ')}`);
  }
  net.eval();
  return net;
}

/**
 * Logits `[1, H, W, C]` of one RGB image in the training framework,
 * upsampled to the input size as the exported ONNX `logits` output is (report
 * samples). The image goes in as it is decoded: RGB [0, 255], HWC = NHWC.
 */
export function logitsAtInputSize(net: Segmenter, img: ImageU8): tf.Tensor4D {
  return tf.tidy(() => logitsAtSize(net, rgbToTensor(img), img.height, img.width));
}

/**
 * Logits `[1, h, w, C]` of one RGB image at the network's own resolution
 * (1/8 of the input for DeepLabV2): what evaluation upsamples once, straight
 * to the label size, as BDL's evaluation does.
 */
export function networkLogits(net: Segmenter, img: ImageU8): tf.Tensor4D {
  return tf.tidy(() => net.forward(rgbToTensor(img)));
}

/** Exports a segmenter checkpoint to ONNX (image → logits, NCHW, dynamic H/W). */
export async function exportSegmenterOnnx(ctx: RunContext, checkpointDir: string, file: string): Promise<string> {
  const net = await loadSegmenter(ctx, checkpointDir);
  try {
    writeFileAtomic(file, segmenterOnnxBytes(net));
    return file;
  } finally {
    net.dispose();
  }
}

export interface SegmenterStageOptions {
  stage: StageId;
  mode: SegmenterMode;
  /** Initial weights: a segmenter checkpoint folder (round k starts from S_{k−1}). */
  init?: string;
  translatedDir?: string;
  /** Pseudo-labels of the target train set; without, adapt mode sees the target images unlabelled (adversarial term only). */
  pseudoDir?: string;
  /** Validation of the in-memory network (best checkpoint by val mIoU). */
  evaluate?: (net: Segmenter) => Promise<EvalResult>;
}

/**
 * The trainer options of a segmenter stage: the config's, the stage's mode,
 * and the output-space discriminator seeded from the stage's seed — the
 * process-wide default stream would make its initial weights depend on what
 * the process built before (a stage run alone vs inside `adapt`).
 */
export function segmenterTrainerOptions(configured: SegmenterTrainerConfigInput, mode: SegmenterMode, stageSeed: number): SegmenterTrainerOptions {
  return {
    ...configured,
    discriminator: { ...configured.discriminator, rng: new Rng(stageSeed + 1) },
    mode: { kind: mode === 'adapt' ? 'adapt' : 'sourceOnly' },
  };
}

export async function trainSegmenterStage(ctx: RunContext, data: Datasets, opts: SegmenterStageOptions): Promise<TrainResult> {
  const { config, run } = ctx;
  const o = config.optimization;
  const meta = segmenterMeta(ctx);
  const stageDir = run.path('checkpoints', opts.stage);
  fs.mkdirSync(stageDir, { recursive: true });
  const seedOffset = opts.mode === 'oracle' ? 500 : opts.mode === 'source' ? 0 : 1000 * (stageRound(opts.stage) ?? 0);
  const net = opts.init ? await loadSegmenter(ctx, opts.init) : buildNet(meta, o.seed + seedOffset);
  if (!opts.init && config.model.segmenter.init) {
    const r = await loadSegmenterSafetensors(config.model.segmenter.init, net);
    run.log(`[${opts.stage}] initial weights ${config.model.segmenter.init}: ${JSON.stringify(r).slice(0, 300)}`);
  }
  net.train();
  const steps = opts.mode === 'oracle' ? (o.oracleSteps ?? o.sourceSteps) : opts.mode === 'source' ? o.sourceSteps : o.segmenterSteps;
  const trainer = new SegmenterTrainer(net, segmenterTrainerOptions(ctx.models.segmenter.trainer, opts.mode, o.seed + seedOffset));
  const loaderOpts = { workers: config.data.workers, prefetch: config.data.prefetch, seed: o.seed + seedOffset, onWarning: (m: string) => run.log(m) };
  const labelled =
    opts.mode === 'source' ? data.sourceTrain
    : opts.mode === 'oracle' ? data.targetTrainLabelled()
    : data.translatedSource(opts.translatedDir as string);
  const main = new BatchStream(data.forSegmenter(labelled), o.batchSize, loaderOpts);
  const targetSet = opts.pseudoDir ? data.pseudoLabelledTarget(opts.pseudoDir) : data.targetTrain;
  const target = opts.mode === 'adapt' ? new BatchStream(data.forSegmenter(targetSet), o.batchSize, { ...loaderOpts, seed: loaderOpts.seed + 1 }) : undefined;
  writeJsonAtomic(path.join(stageDir, 'segmenter-config.json'), meta);

  type LoopState = { main: ReturnType<BatchStream['position']>; target?: ReturnType<BatchStream['position']> };
  const task: TrainTask<LoopState> = {
    totalSteps: steps,
    async step() {
      const b = await main.next();
      const t = target ? await target.next() : undefined;
      try {
        const losses = t
          ? trainer.step({ source: b.images, sourceLabels: b.labels as tf.Tensor3D, target: t.images, targetLabels: t.labels as tf.Tensor3D })
          : trainer.step({ source: b.images, sourceLabels: b.labels as tf.Tensor3D });
        return { ...losses };
      } finally {
        disposeBatch(b);
        disposeBatch(t);
      }
    },
    // The trainer owns what its checkpoint holds (segmenter, discriminator, both optimizers, dropout streams).
    async save(dir) {
      await trainer.save(path.join(dir, CKPT));
      writeJsonAtomic(path.join(dir, META), meta);
    },
    async load(dir) {
      const { missingStreams: missing } = await trainer.load(path.join(dir, CKPT));
      if (missing.length) run.log(`[${opts.stage}] ${dir} has no state for ${missing.join(', ')} (an older checkpoint): the resumed run draws other dropout masks than an uninterrupted one`);
    },
    loopState: () => ({ main: main.position(), target: target?.position() }),
    restoreLoopState(s) {
      main.seek(s.main);
      if (target && s.target) target.seek(s.target);
    },
  };
  try {
    return await runTraining(run, task, {
      stage: opts.stage,
      data: { ...ctx.manifest.datasets },
      checkpointEvery: o.checkpointEvery,
      evalEvery: o.evalEvery,
      metricsEvery: config.logging.metricsEvery,
      progress: config.logging.progress,
      plainEverySeconds: config.logging.plainEverySeconds,
      evaluate: opts.evaluate
        ? async (step) => {
            net.eval();
            try {
              const r = await (opts.evaluate as (n: Segmenter) => Promise<EvalResult>)(net);
              return { score: r[o.selectBy], values: { miou19: r.miou19, miou16: r.miou16, miou13: r.miou13 }, perClass: r.perClass };
            } finally {
              net.train();
              void step;
            }
          }
        : undefined,
    });
  } finally {
    await main.close();
    await target?.close();
    trainer.dispose();
    net.dispose();
  }
}


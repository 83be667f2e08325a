/**
 * The run configuration (STYLE §6: config is data). One JSON file per
 * experiment, grouped in sections; the pipeline validates it into typed
 * objects before any work starts and hands each package only its own section:
 *
 * - `optimization`     — the loop of SPEC §4: steps per stage, rounds, patience,
 *                        checkpoint and evaluation cadence (the pipeline's own)
 * - `model.translator` — @semadapt/translator's config (SPEC §2), checked and
 *                        typed by its `resolveTranslatorConfig`
 * - `model.segmenter`  — @semadapt/segmenter's `{ arch, network, trainer }`
 *                        (SPEC §3), checked and typed by its
 *                        `resolveSegmenterConfig`; its pseudo-label rule
 *                        (the package's `PseudoLabelRuleSchema`); init weights
 * - `data`             — dataset kinds, roots, sizes (SPEC §5)
 * - `logging`          — progress display, report content
 *
 * Unknown keys are errors everywhere (`.strict()`); impossible values are
 * errors that quote the received value and its path.
 */
import { z } from 'zod';
import { PseudoLabelRuleSchema, SEGMENTER_ARCHS, upgradeSegmenterNetworkKeys } from '@semadapt/segmenter';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const size = z.tuple([positiveInt, positiveInt]).describe('[width, height] in pixels');

/** Source dataset kinds (SPEC §5). */
export const SOURCE_DATASETS = ['gta5', 'synthia'] as const;
/** Target dataset kinds (SPEC §5). */
export const TARGET_DATASETS = ['cityscapes'] as const;
export { SEGMENTER_ARCHS };

export const OptimizationSchema = z
  .object({
    /** Seed of every random choice of the run (init, crops, shuffles). Default 1234. */
    seed: nonNegativeInt.default(1234),
    /** Round 0: segmenter steps on source only (the lower bound); 120k like the rounds (BDL's `num_steps_stop`). */
    sourceSteps: positiveInt.default(120_000),
    /** Oracle: segmenter steps on target labels (the upper bound). Default = sourceSteps. */
    oracleSteps: positiveInt.optional(),
    /** Translator steps per round. SPEC §2: poly schedule over 1,000,000 (R). */
    translatorSteps: positiveInt.default(1_000_000),
    /**
     * Round k ≥ 2 starts its translator from round k−1's weights instead of
     * from scratch (SPEC §4 leaves it open; the paper retrains the translator
     * whenever the segmenter stops improving). Optimizer moments and the
     * schedule restart. Default false.
     */
    translatorWarmStart: z.boolean().default(false),
    /**
     * First round whose segmenter trains on pseudo-labelled target images
     * (SPEC §4 step 3: every round, i.e. 1). Earlier rounds train on
     * translated source + the output-space adversarial loss on unlabelled
     * target images, as BDL's first iteration does: pseudo-labels of a weak
     * source-only S₀ are confidently wrong and teach its errors (the demo's:
     * 65 % of kept pixels correct, its 'car' pixels 5 %). Default 1.
     */
    pseudoLabelsFromRound: positiveInt.default(1),
    /**
     * Segmenter steps per adaptation round: 120k, where BDL stops
     * (`num_steps_stop`) a schedule that spans 250k (SPEC §3 (R)).
     */
    segmenterSteps: positiveInt.default(120_000),
    /** Images per step (SPEC §2, §3: 1). */
    batchSize: positiveInt.default(1),
    /** Steps between checkpoints (resume granularity). */
    checkpointEvery: positiveInt.default(1000),
    /** Steps between validation mIoU evaluations during segmenter training (best checkpoint). 0 = only at the end. */
    evalEvery: nonNegativeInt.default(5000),
    /** Upper bound on adaptation rounds (SPEC §4: until mIoU stops improving). */
    maxRounds: positiveInt.default(4),
    /** Rounds always run, even without improvement (the demo asks for 2). */
    minRounds: positiveInt.default(1),
    /** The mean that selects the best checkpoint and stops `adapt` (SPEC §6: 19 for GTA5, 16/13 for SYNTHIA). */
    selectBy: z.enum(['miou19', 'miou16', 'miou13']).default('miou19'),
    /**
     * The checkpoint each segmenter stage hands on: 'last' (BDL and the paper:
     * the final snapshot; target val only decides when the loop stops) or
     * 'best-on-target-val' (its best evaluation on Cityscapes val — model
     * selection on the reported set). Both are reported. Default 'last'.
     */
    select: z.enum(['last', 'best-on-target-val']).default('last'),
    /** Rounds without val mIoU improvement tolerated before `adapt` stops. */
    patience: nonNegativeInt.default(0),
  })
  .strict();

export const DataSchema = z
  .object({
    source: z
      .object({
        dataset: z.enum(SOURCE_DATASETS),
        root: z.string().min(1),
        /** Optional split list (one relative path per line). */
        split: z.string().min(1).optional(),
        /** GTA5 has a few image/label size mismatches: skip them (listed) instead of failing. */
        skipSizeMismatch: z.boolean().default(true),
        /**
         * SYNTHIA's training label set: 19 (SPEC §5, BDL's synthia_dataset.py) or
         * 16 (terrain, truck, train → ignored). Evaluation is always the
         * 19-class Cityscapes matrix (mIoU16/13 are means over its rows).
         */
        classes: z.union([z.literal(19), z.literal(16)]).default(19),
      })
      .strict(),
    target: z
      .object({
        dataset: z.enum(TARGET_DATASETS),
        root: z.string().min(1),
        trainSplit: z.string().min(1).default('train'),
        valSplit: z.string().min(1).default('val'),
      })
      .strict(),
    /** Training resize (SPEC §2–3: 1024×512). */
    resize: size.default([1024, 512]),
    /** Random crop for translator training (SPEC §2: 512×512); null = no crop. */
    translatorCrop: size.nullable().default([512, 512]),
    /** Random crop for segmenter training (SPEC §3: whole 1024×512 image); null = no crop. */
    segmenterCrop: size.nullable().default(null),
    /** Random horizontal flips during training. */
    flip: z.boolean().default(false),
    /**
     * Size [w, h] target-val images are resized to before the segmenter
     * (the network's input); null = `resize`. Scoring is always at the
     * label's native size: logits are upsampled to it (SPEC §6; BDL: 1024×512
     * input, scored at 2048×1024).
     */
    evalSize: size.nullable().default(null),
    /** Size at which the translator and pseudo-labeller run on whole sets; null = `resize`. */
    inferSize: size.nullable().default(null),
    /** Decoder worker threads of the data loader. */
    workers: nonNegativeInt.default(1),
    /** Prefetch queue length of the data loader. */
    prefetch: positiveInt.default(4),
    /** Limit on images per set (0 = all); for smoke runs. */
    limit: nonNegativeInt.default(0),
    /**
     * Label ids outside the data set's id map (e.g. > 33 in Cityscapes/GTA5):
     * false = read as ignore (255) with one warning per file in the log;
     * true = refuse the file (error naming it).
     */
    strictLabelIds: z.boolean().default(false),
  })
  .strict();

/** The pseudo-label rule of SPEC §3: @semadapt/segmenter's schema (its defaults and ranges). */
export const PseudoLabelSchema = PseudoLabelRuleSchema;

export const SegmenterSectionSchema = z
  .object({
    /** SPEC §3: DeepLabV2-ResNet101 or FCN8s-VGG16. */
    arch: z.enum(SEGMENTER_ARCHS).default('deeplabv2'),
    /** The network's options (depth, widthMultiplier, ...): @semadapt/segmenter's, checked by its `resolveSegmenterConfig`. */
    network: z.record(z.unknown()).default({}),
    /** The trainer's options (optimizers, λ_adv, ...): @semadapt/segmenter's, checked by its `resolveSegmenterConfig`. */
    trainer: z.record(z.unknown()).default({}),
    /** Pseudo-label rule (SPEC §3); `{ delta }` alone means the threshold rule. */
    pseudoLabel: z
      .preprocess((v) => (isPlainObject(v) && !('kind' in v) ? { kind: 'threshold', ...v } : v), PseudoLabelSchema)
      .default({ kind: 'threshold' }),
    /**
     * Initial weights (safetensors from tools/convert_pth_to_safetensors.py)
     * for round 0 and the oracle. The paper presets name BDL's (see
     * `PAPER_INIT_WEIGHTS`); null = from scratch on purpose (`--from-scratch`).
     */
    init: z.string().min(1).nullable().optional(),
  })
  .strict();

/**
 * `model.translator` is @semadapt/translator's `TranslatorConfigInput`, handed
 * over as it is; its keys and values are checked by that package's
 * `resolveTranslatorConfig` before any work (see `validatePackageSections`).
 */
export const TranslatorSectionSchema = z.record(z.unknown());

export const LoggingSchema = z
  .object({
    /** Progress display: a bar on a TTY, plain lines otherwise ('auto'). */
    progress: z.enum(['auto', 'bar', 'plain', 'none']).default('auto'),
    /** Seconds between plain progress lines. */
    plainEverySeconds: z.number().positive().default(10),
    /** Rows of the report's image grid. */
    reportImages: nonNegativeInt.default(4),
    /**
     * Steps between loss records in metrics.jsonl (the last step is always
     * recorded). 50: a paper-size run (~1.6M steps over its stages) writes
     * ~30k records instead of millions; the report smooths what it plots.
     */
    metricsEvery: positiveInt.default(50),
  })
  .strict();

/**
 * Translation quality in `adapt` (SPEC §6, paper Table 4): FID and IS of each
 * round's translated source set (round 0: the untranslated source) against
 * the target train set, on an InceptionV3 ONNX file the user supplies.
 */
export const MetricsSchema = z
  .object({
    /** InceptionV3 ONNX (see @semadapt/metrics-fid-is and tools/export_fid_inception_onnx.py); null = no FID/IS. CLI: `adapt --inception FILE`. */
    inception: z.string().min(1).nullable().default(null),
    /** Preprocessing protocol: 'legacy' (pytorch-fid, the paper's) or 'clean' (clean-fid). */
    mode: z.enum(['legacy', 'clean']).default('legacy'),
    /** Input scaling the model expects: [−1, 1] (pytorch-fid's FID Inception) or ImageNet mean/std (torchvision). */
    normalization: z.enum(['minusOneOne', 'imagenet']).default('minusOneOne'),
    /**
     * Target train statistics (safetensors); null = `<run>/outputs/fid/target-train.safetensors`.
     * Computed when missing; used only if made by this model and settings (else the run's cache is recomputed, this file is an error).
     */
    referenceStats: z.string().regex(/\.safetensors$/, 'must name a .safetensors statistics file').nullable().default(null),
    /** IS splits (SPEC §6: 10). */
    isSplits: positiveInt.default(10),
    /** Output names of the pool3 features and the class logits; null = found by shape (2048; 1000/1008). */
    featuresOutput: z.string().min(1).nullable().default(null),
    logitsOutput: z.string().min(1).nullable().default(null),
  })
  .strict();

export const RunConfigSchema = z
  .object({
    /** Name of the preset this config started from (informational). */
    preset: z.string().optional(),
    /** tfjs backend ('auto' = best available, see @semadapt/compute initBackend). */
    backend: z.enum(['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu']).default('auto'),
    /** onnxruntime intra-op threads for the inference stages (0 = all cores). */
    onnxThreads: nonNegativeInt.default(0),
    optimization: OptimizationSchema.default({}),
    model: z
      .object({
        translator: TranslatorSectionSchema.default({}),
        segmenter: SegmenterSectionSchema.default({}),
      })
      .strict()
      .default({}),
    data: DataSchema,
    logging: LoggingSchema.default({}),
    metrics: MetricsSchema.default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of ['translatorCrop', 'segmenterCrop'] as const) {
      const crop = c.data[key];
      if (crop && (crop[0] > c.data.resize[0] || crop[1] > c.data.resize[1])) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['data', key],
          message: `crop ${JSON.stringify(crop)} is larger than resize ${JSON.stringify(c.data.resize)}`,
        });
      }
    }
    if (c.data.source.classes !== 19 && c.data.source.dataset !== 'synthia') {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['data', 'source', 'classes'],
        message: `the 16-class label set is SYNTHIA's; ${c.data.source.dataset} trains on 19`,
      });
    }
    if (c.optimization.minRounds > c.optimization.maxRounds) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['optimization', 'minRounds'],
        message: `minRounds ${c.optimization.minRounds} exceeds maxRounds ${c.optimization.maxRounds}`,
      });
    }
  });

/** The validated, defaults-filled configuration of a run. */
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type OptimizationConfig = RunConfig['optimization'];
export type DataConfig = RunConfig['data'];
export type SegmenterSection = RunConfig['model']['segmenter'];
export type TranslatorSection = RunConfig['model']['translator'];
export type LoggingConfig = RunConfig['logging'];
export type PseudoLabelRule = SegmenterSection['pseudoLabel'];

/** A configuration error: every problem, each with its path and the received value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/**
 * A config source (preset, file, flags, a run's config.json) with the model
 * packages' deprecated keys under their current names (e.g. the segmenter's
 * `width` → `widthMultiplier`, same meaning), so that sources merge and
 * compare by one name. Each rename is reported to `onDeprecated` as
 * `<where>: model.segmenter.network: <the package's notice>`.
 */
export function upgradeDeprecatedKeys<T>(raw: T, where: string, onDeprecated?: (message: string) => void): T {
  const model = isPlainObject(raw) ? raw['model'] : undefined;
  const segmenter = isPlainObject(model) ? model['segmenter'] : undefined;
  const network = isPlainObject(segmenter) ? segmenter['network'] : undefined;
  if (!isPlainObject(network)) return raw;
  const upgraded = upgradeSegmenterNetworkKeys(network, (m) => onDeprecated?.(`${where}: model.segmenter.network: ${m}`));
  if (upgraded === network) return raw;
  return { ...raw, model: { ...(model as object), segmenter: { ...(segmenter as object), network: upgraded } } } as T;
}

/**
 * Validates a raw (merged) config object; throws `ConfigError` listing every
 * problem with its dotted path and the value received. Deprecated keys are
 * read under their current names (`upgradeDeprecatedKeys`).
 */
export function validateRunConfig(raw: unknown, onDeprecated?: (message: string) => void, where = 'config'): RunConfig {
  raw = upgradeDeprecatedKeys(raw, where, onDeprecated);
  const r = RunConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const where = i.path.join('.') || '(root)';
    if (i.code === z.ZodIssueCode.unrecognized_keys) {
      return `${where}: unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    }
    const got = valueAt(raw, i.path);
    return `${where}: ${i.message}${got === undefined ? '' : ` (received ${JSON.stringify(got)})`}`;
  });
  throw new ConfigError(problems);
}

/**
 * Deep merge of plain objects; arrays and scalars of `over` replace those of
 * `base`. A tagged object whose `kind` changes (a schedule, a pseudo-label
 * mode, an optimizer) is replaced whole: the old variant's fields would not
 * belong to the new one.
 */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over as T;
  if ('kind' in over && over['kind'] !== base['kind']) return over as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

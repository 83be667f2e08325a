/**
 * Configuration of the semantically adaptive translator (SPEC §2): network
 * sizes, ablation switches (paper Table 3), loss weights and the TTUR
 * optimization. Every field has its default here, in one place
 * (`resolveTranslatorConfig`); values marked (R) are reconstructed (SPEC
 * preamble) — the paper's own numbers were lost in extraction.
 */
import { LrSchedule, validateSchedule } from '@semadapt/core-layers';

/** Weights of the translator's loss terms (SPEC §2; all (R)). */
export interface TranslatorLossWeights {
  /** LSGAN generator term, both domains. Default 1 (R). */
  adv: number;
  /** Reconstruction `‖x_ss − x_s‖₁ + ‖x_tt − x_t‖₁`. Default 10 (R). */
  rec: number;
  /** Image cycle `‖x_sts − x_s‖₁ + ‖x_tst − x_t‖₁`. Default 10 (R). */
  cyc: number;
  /** Latent cycle `‖E_t(x_st) − E_s(x_s)‖₁ + ‖E_s(x_ts) − E_t(x_t)‖₁`. Default 1 (R). */
  latent: number;
  /** Symmetric cross-entropy `SCE(S(x_s), S(x_st)) + SCE(S(x_t), S(x_ts))`. Default 1 (R). Used only when `sce` is on. */
  sce: number;
}

/** TTUR optimization of the translator (SPEC §2). */
export interface TranslatorOptimization {
  /** Adam learning rate of E_s, E_t, G_s, G_t. Default 1e-4 (SPEC §2). */
  lrGenerator: number;
  /** Adam learning rate of D_s, D_t. Default 4e-4 (SPEC §2). */
  lrDiscriminator: number;
  /** Adam (β1, β2), both optimizers. Default [0, 0.9] (R, SPADE's TTUR setting). */
  betas: [number, number];
  /** Schedule of both rates. Default poly, power 0.9, to 0 over 1,000,000 steps (R). */
  schedule: LrSchedule;
}

/** Everything that defines a translator and its training. */
export interface TranslatorConfig {
  /**
   * Multiplies every channel count of Appendix B (64/128/256/512 and the
   * SPADE hidden width), rounded, at least 1. Default 1 (the paper); tiny
   * values are for CPU tests.
   */
  widthMultiplier: number;
  /** Residual blocks in each encoder and each generator. Default 4 (Appendix B). */
  residualBlocks: number;
  /** Channels of the guidance logits `S(x)`: 19 (GTA5→Cityscapes), 16 or 13 (SYNTHIA settings). Default 19 (SPEC §1, §6). */
  guidanceClasses: number;
  /** Hidden channels of SPADE's shared conv, before the width multiplier. Default 128 (SPEC §2). */
  spadeHidden: number;
  /** Scales of each multi-scale discriminator. Default 3 (SPEC §2). */
  discriminatorScales: number;
  /** Ablation (Table 3): SPADE residual blocks in the generators. Off: plain IN residual blocks and no guidance input. Default true. */
  spade: boolean;
  /** Ablation (Table 3): the symmetric cross-entropy term (needs a segmenter callback). Default true. */
  sce: boolean;
  /** Loss weights. Defaults: adv 1, rec 10, cyc 10, latent 1, sce 1 (R). */
  lossWeights: TranslatorLossWeights;
  /** TTUR Adam settings and schedule. */
  optimization: TranslatorOptimization;
  /** Seed of the weight initializers and spectral-norm vectors. Default 0. */
  seed: number;
  /**
   * Memory, not math: recompute each encoder/generator stage's activations in
   * the backward pass instead of keeping them (core-layers `recomputed`): same
   * gradients, one more forward of E and G per step. Measured (full width,
   * wasm + oneDNN): a 256×256 step fits in 2.8 GB (does not fit wasm32's 4 GB
   * without it); a 64×64 step takes 1.5× as long. For large crops on CPU. Default false.
   */
  recomputeActivations: boolean;
}

/** What callers may give: any subset, nested objects partially. */
export type TranslatorConfigInput = Partial<Omit<TranslatorConfig, 'lossWeights' | 'optimization'>> & {
  lossWeights?: Partial<TranslatorLossWeights>;
  optimization?: Partial<TranslatorOptimization>;
};

/** The paper's settings (SPEC §2), with the (R) values. */
export const DEFAULT_TRANSLATOR_CONFIG: Readonly<TranslatorConfig> = Object.freeze({
  widthMultiplier: 1,
  residualBlocks: 4,
  guidanceClasses: 19,
  spadeHidden: 128,
  discriminatorScales: 3,
  spade: true,
  sce: true,
  lossWeights: { adv: 1, rec: 10, cyc: 10, latent: 1, sce: 1 },
  optimization: {
    lrGenerator: 1e-4,
    lrDiscriminator: 4e-4,
    betas: [0, 0.9] as [number, number],
    schedule: { kind: 'poly', maxSteps: 1_000_000, power: 0.9 } as LrSchedule,
  },
  seed: 0,
  recomputeActivations: false,
});

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_TRANSLATOR_CONFIG));

function fail(field: string, expected: string, received: unknown): never {
  throw new Error(`TranslatorConfig: ${field} must be ${expected}; received ${JSON.stringify(received)}`);
}

function positiveInteger(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(field, 'a positive integer', v);
  return v as number;
}

function nonNegative(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, 'a finite number ≥ 0', v);
  return v as number;
}

function positive(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, 'a finite number > 0', v);
  return v as number;
}

function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(field, 'a boolean', v);
  return v as boolean;
}

/**
 * Fills defaults and validates. Unknown keys, wrong types and out-of-range
 * values throw, quoting the value received.
 */
export function resolveTranslatorConfig(input: TranslatorConfigInput = {}): TranslatorConfig {
  for (const k of Object.keys(input)) if (!KNOWN_KEYS.has(k)) fail(`'${k}'`, `one of ${[...KNOWN_KEYS].join(', ')} (unknown key)`, (input as Record<string, unknown>)[k]);
  const d = DEFAULT_TRANSLATOR_CONFIG;
  const w = { ...d.lossWeights, ...(input.lossWeights ?? {}) };
  for (const k of Object.keys(w)) {
    if (!(k in d.lossWeights)) fail(`lossWeights.${k}`, 'one of adv, rec, cyc, latent, sce (unknown key)', (w as Record<string, unknown>)[k]);
    nonNegative(`lossWeights.${k}`, (w as Record<string, unknown>)[k]);
  }
  const o = { ...d.optimization, ...(input.optimization ?? {}) };
  for (const k of Object.keys(o)) if (!(k in d.optimization)) fail(`optimization.${k}`, 'one of lrGenerator, lrDiscriminator, betas, schedule (unknown key)', (o as Record<string, unknown>)[k]);
  positive('optimization.lrGenerator', o.lrGenerator);
  positive('optimization.lrDiscriminator', o.lrDiscriminator);
  if (!Array.isArray(o.betas) || o.betas.length !== 2 || !o.betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
    fail('optimization.betas', 'a pair of numbers in [0, 1)', o.betas);
  }
  validateSchedule(o.schedule);
  const widthMultiplier = positive('widthMultiplier', input.widthMultiplier ?? d.widthMultiplier);
  const config: TranslatorConfig = {
    widthMultiplier,
    residualBlocks: positiveInteger('residualBlocks', input.residualBlocks ?? d.residualBlocks),
    guidanceClasses: positiveInteger('guidanceClasses', input.guidanceClasses ?? d.guidanceClasses),
    spadeHidden: positiveInteger('spadeHidden', input.spadeHidden ?? d.spadeHidden),
    discriminatorScales: positiveInteger('discriminatorScales', input.discriminatorScales ?? d.discriminatorScales),
    spade: bool('spade', input.spade ?? d.spade),
    sce: bool('sce', input.sce ?? d.sce),
    lossWeights: w,
    optimization: { ...o, betas: [o.betas[0], o.betas[1]] },
    seed: input.seed ?? d.seed,
    recomputeActivations: bool('recomputeActivations', input.recomputeActivations ?? d.recomputeActivations),
  };
  if (!Number.isInteger(config.seed)) fail('seed', 'an integer', config.seed);
  return config;
}

/** A channel count of Appendix B scaled by the width multiplier (rounded, ≥ 1). */
export function scaledChannels(channels: number, widthMultiplier: number): number {
  return Math.max(1, Math.round(channels * widthMultiplier));
}

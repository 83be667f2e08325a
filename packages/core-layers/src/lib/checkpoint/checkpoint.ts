/**
 * Training checkpoints (issue 4, item 4): every parameter and buffer of one or
 * more modules, the state of their optimizers, the step counter, RNG states
 * and a user JSON blob, in one safetensors file written atomically.
 *
 * Tensor names: `<moduleKey>.<dotted name>` (a module under key `''` keeps its
 * bare dotted names, so a single-model checkpoint reads like a PyTorch state
 * dict) and `optimizer.<optimizerKey>.<state name>` (`step`,
 * `exp_avg.<param>`, …). `__metadata__` holds `format`, `format_version`,
 * `step`, `rng` (JSON: name → 4-word state), `modules`, `optimizers` and
 * `user` (the caller's JSON).
 *
 * Loading compares names, shapes and dtypes with what the targets expect
 * before touching anything; any safetensors file of weights can be loaded this
 * way (step 0, no RNG/user metadata unless it is one of ours). Strict (default): any difference throws a
 * `CheckpointMismatchError` listing exactly what is missing, unexpected,
 * mis-shaped or of the wrong dtype, and nothing is changed. Non-strict: what
 * matches is loaded, and the report says what was not.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng, RngState } from '../init/rng';
import { Optimizer } from '../optim/optimizer';
import { SafetensorsError, SafetensorsTensor, assertFiniteTensors, readSafetensors, safetensorToTf, writeSafetensors } from './safetensors';
import { LoadReport, TensorSignature, compareSignatures, describeReport, isCleanReport } from './state-report';

export const CHECKPOINT_FORMAT = 'semadapt.checkpoint';
export const CHECKPOINT_FORMAT_VERSION = '1';

/** What a checkpoint is written from / read into. */
export interface CheckpointTargets {
  /** Modules by key; key `''` stores bare dotted names. */
  modules: Record<string, Module>;
  /** Optimizers by key (e.g. `{ G: optG, D: optD }`). Default none. */
  optimizers?: Record<string, Optimizer>;
}

export interface SaveCheckpointOptions {
  /** The training step counter. Default 0. */
  step?: number;
  /** Generators whose state to store, by name. */
  rng?: Record<string, Rng | RngState>;
  /** Any JSON-serializable value (config, losses, dataset position…). */
  metadata?: unknown;
}

export interface LoadCheckpointOptions {
  /** Throw on any mismatch, changing nothing (default true); otherwise load what matches and report. */
  strict?: boolean;
  /** Load tensors holding NaN/Inf (default false: a `SafetensorsError` names them and nothing is changed). */
  allowNonFinite?: boolean;
}

/** What `loadCheckpoint` found besides the tensors it loaded. */
export interface LoadedCheckpoint {
  step: number;
  /** RNG states by name: restore with `Rng.fromState(rng['data'])`. */
  rng: Record<string, RngState>;
  /** The user JSON given at save time (undefined if none, or not one of our checkpoints). */
  metadata: unknown;
  /** The file's raw `__metadata__` map (for weight files from other writers, e.g. the .pth converter). */
  fileMetadata: Record<string, string>;
  report: LoadReport;
}

/** A checkpoint whose tensors do not match the targets (strict mode). */
export class CheckpointMismatchError extends Error {
  constructor(readonly file: string, readonly report: LoadReport) {
    super(`${file}: checkpoint does not match the model/optimizers\n${describeReport(report)}`);
    this.name = 'CheckpointMismatchError';
  }
}

/** Write a checkpoint of `targets` to `file` atomically (the old file survives any failure). */
export async function saveCheckpoint(file: string, targets: CheckpointTargets, options: SaveCheckpointOptions = {}): Promise<void> {
  const step = options.step ?? 0;
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`saveCheckpoint: step must be an integer ≥ 0; received ${options.step}`);
  const tensors = new Map<string, tf.Tensor>();
  const owned: tf.Tensor[] = [];
  const put = (name: string, t: tf.Tensor): void => {
    if (tensors.has(name)) throw new Error(`saveCheckpoint: two tensors would be named '${name}'`);
    tensors.set(name, t);
  };
  try {
    for (const [key, module] of Object.entries(targets.modules)) {
      for (const [name, v] of module.stateDict()) put(prefixed(key, name), v);
    }
    for (const [key, opt] of Object.entries(targets.optimizers ?? {})) {
      for (const [name, t] of opt.stateDict()) {
        owned.push(t);
        put(`optimizer.${key}.${name}`, t);
      }
    }
    const rng: Record<string, RngState> = {};
    for (const [k, r] of Object.entries(options.rng ?? {})) rng[k] = r instanceof Rng ? r.state() : validRngState(r, k, file);
    const metadata: Record<string, string> = {
      format: CHECKPOINT_FORMAT,
      format_version: CHECKPOINT_FORMAT_VERSION,
      step: String(step),
      rng: JSON.stringify(rng),
      modules: JSON.stringify(Object.keys(targets.modules)),
      optimizers: JSON.stringify(Object.fromEntries(Object.entries(targets.optimizers ?? {}).map(([k, o]) => [k, o.constructor.name]))),
    };
    if (options.metadata !== undefined) {
      const user = JSON.stringify(options.metadata);
      if (user === undefined) throw new Error('saveCheckpoint: metadata is not JSON-serializable');
      metadata['user'] = user;
    }
    await writeSafetensors(file, tensors, metadata);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Load a checkpoint into `targets`. Errors name the file: unreadable,
 * truncated or corrupt files throw `SafetensorsError`; in strict mode a
 * name/shape/dtype mismatch throws `CheckpointMismatchError` before anything
 * is assigned.
 */
export async function loadCheckpoint(
  file: string,
  targets: CheckpointTargets,
  options: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const strict = options.strict ?? true;
  const { tensors, metadata } = await readSafetensors(file);
  // Any safetensors file of weights can be loaded (e.g. converted from a .pth); only our own
  // checkpoints carry step, RNG and user metadata.
  const ours = metadata['format'] === CHECKPOINT_FORMAT;
  if (ours && metadata['format_version'] !== CHECKPOINT_FORMAT_VERSION) {
    throw new SafetensorsError(file, `checkpoint format_version ${metadata['format_version']} is not supported (expected ${CHECKPOINT_FORMAT_VERSION})`);
  }

  // What the targets expect, and where each name goes.
  const expected = new Map<string, TensorSignature>();
  const moduleTargets = new Map<string, tf.Variable>();
  const optimizerTargets = new Map<string, { opt: Optimizer; key: string }>();
  const expect = (name: string, sig: TensorSignature): void => {
    if (expected.has(name)) throw new Error(`loadCheckpoint: two targets would be named '${name}'`);
    expected.set(name, sig);
  };
  for (const [key, module] of Object.entries(targets.modules)) {
    for (const [name, v] of module.stateDict()) {
      const full = prefixed(key, name);
      expect(full, { shape: v.shape.slice(), dtype: v.dtype });
      moduleTargets.set(full, v);
    }
  }
  for (const [key, opt] of Object.entries(targets.optimizers ?? {})) {
    for (const [name, sig] of opt.stateSignatures()) {
      const full = `optimizer.${key}.${name}`;
      expect(full, sig);
      optimizerTargets.set(full, { opt, key: name });
    }
  }
  const found = new Map<string, TensorSignature>();
  for (const [name, t] of tensors) found.set(name, { shape: t.shape, dtype: tfDtypeName(t) });
  const report = compareSignatures(expected, found);
  if (strict && !isCleanReport(report)) throw new CheckpointMismatchError(file, report);

  const step = ours ? parseStep(metadata['step'], file) : 0;
  const rng = ours ? parseRng(metadata['rng'], file) : {};
  let user: unknown = undefined;
  if (ours && metadata['user'] !== undefined) {
    try {
      user = JSON.parse(metadata['user']);
    } catch (e) {
      throw new SafetensorsError(file, `corrupt metadata: 'user' is not JSON (${(e as Error).message})`);
    }
  }

  if (!options.allowNonFinite) assertFiniteTensors(file, tensors, report.loaded);

  // Everything validated: assign.
  const perOptimizer = new Map<Optimizer, Map<string, tf.Tensor>>();
  try {
    for (const name of report.loaded) {
      const stored = tensors.get(name) as SafetensorsTensor;
      const variable = moduleTargets.get(name);
      if (variable) {
        tf.tidy(() => variable.assign(safetensorToTf(stored, name, file)));
        continue;
      }
      const o = optimizerTargets.get(name);
      if (o) {
        if (!perOptimizer.has(o.opt)) perOptimizer.set(o.opt, new Map());
        (perOptimizer.get(o.opt) as Map<string, tf.Tensor>).set(o.key, safetensorToTf(stored, name, file));
      }
    }
    for (const [opt, state] of perOptimizer) opt.loadStateDict(state, { strict: false });
  } finally {
    for (const state of perOptimizer.values()) for (const t of state.values()) t.dispose();
  }
  return { step, rng, metadata: user, fileMetadata: metadata, report };
}

function prefixed(key: string, name: string): string {
  return key === '' ? name : `${key}.${name}`;
}

function tfDtypeName(t: SafetensorsTensor): string {
  switch (t.dtype) {
    case 'F32':
      return 'float32';
    case 'I32':
      return 'int32';
    case 'BOOL':
      return 'bool';
    default:
      return t.dtype;
  }
}

function parseStep(raw: string | undefined, file: string): number {
  if (raw === undefined) return 0;
  const step = Number(raw);
  if (!Number.isSafeInteger(step) || step < 0) throw new SafetensorsError(file, `corrupt metadata: step '${raw}' is not an integer ≥ 0`);
  return step;
}

function parseRng(raw: string | undefined, file: string): Record<string, RngState> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new SafetensorsError(file, `corrupt metadata: 'rng' is not JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SafetensorsError(file, "corrupt metadata: 'rng' is not an object");
  const out: Record<string, RngState> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k] = validRngState(v, k, file);
  return out;
}

function validRngState(v: unknown, name: string, file: string): RngState {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
    throw new SafetensorsError(file, `rng state '${name}' must be four 32-bit unsigned words; received ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2], v[3]];
}

import * as tf from '@tensorflow/tfjs-core';
import { Module, Parameter } from '../module/module';
import { LrSchedule, scheduleFactor, validateSchedule } from './schedule';
import { LoadReport, TensorSignature, compareSignatures, describeReport, isCleanReport } from '../checkpoint/state-report';

/**
 * What an optimizer updates: a module (re-read at every step, so a module
 * frozen later stops being updated) or a fixed list of
 * `[dottedName, Parameter]` entries (e.g. `module.trainableParameterEntries()`).
 */
export type ParameterSource = Module | ReadonlyArray<readonly [string, Parameter]>;

/**
 * Gradients handed to `Optimizer.step`: a map keyed by dotted parameter name
 * (what `computeGradients` returns) or by variable, or the result of
 * `tf.variableGrads` (keyed by `variable.name`). A null or absent gradient
 * leaves its parameter (and its optimizer state) untouched, as PyTorch does
 * for `grad is None`.
 */
export type Gradients = ReadonlyMap<string | tf.Variable, tf.Tensor | null> | { grads: tf.NamedTensorMap };

/** Options shared by every optimizer. */
export interface OptimizerOptions {
  /** Base learning rate (> 0). Required. Each parameter's rate is `lr · schedule(step) · parameter.lrMultiplier`. */
  lr: number;
  /** Schedule of the base rate over steps. Default `{ kind: 'constant' }`. */
  schedule?: LrSchedule;
  /**
   * L2 coefficient added to the gradient (`g + weightDecay · p`, PyTorch's
   * `weight_decay` of Adam and SGD — coupled, not AdamW's decoupled decay),
   * for parameters registered with `weightDecay: true`. Default 0.
   */
  weightDecay?: number;
}

/**
 * The part common to Adam and SGD: parameter bookkeeping, schedules,
 * per-parameter learning-rate multipliers, freezing, gradient lookup and
 * named state for checkpoints. Subclasses implement one parameter's update.
 *
 * State names (PyTorch's where they exist): `step` (int32 scalar, updates
 * applied so far; drives the schedule) plus per-parameter slots
 * `<slot>.<dotted parameter name>`.
 */
export abstract class Optimizer {
  readonly lr: number;
  readonly schedule: LrSchedule;
  readonly weightDecay: number;
  private readonly source: Module | null;
  private readonly managed: ReadonlyArray<readonly [string, Parameter]>;
  private stepCounter = 0;
  /** slot name → parameter name → state variable (created eagerly, zeros). */
  protected readonly slots = new Map<string, Map<string, tf.Variable>>();

  protected constructor(params: ParameterSource, options: OptimizerOptions, slotNames: string[]) {
    if (!(Number.isFinite(options.lr) && options.lr > 0)) {
      throw new Error(`${this.constructor.name}: lr must be a finite number > 0; received ${options.lr}`);
    }
    const wd = options.weightDecay ?? 0;
    if (!(Number.isFinite(wd) && wd >= 0)) {
      throw new Error(`${this.constructor.name}: weightDecay must be a finite number ≥ 0; received ${options.weightDecay}`);
    }
    this.lr = options.lr;
    this.schedule = validateSchedule(options.schedule ?? { kind: 'constant' });
    this.weightDecay = wd;
    if (params instanceof Module) {
      this.source = params;
      // Every parameter gets state, so state names do not change when a module is frozen or unfrozen.
      this.managed = params.namedParameterEntries();
    } else {
      this.source = null;
      this.managed = [...params];
    }
    const names = new Set<string>();
    for (const [name] of this.managed) {
      if (names.has(name)) throw new Error(`${this.constructor.name}: parameter '${name}' is listed twice`);
      names.add(name);
    }
    for (const slot of slotNames) {
      const byParam = new Map<string, tf.Variable>();
      for (const [name, p] of this.managed) {
        const zeros = tf.zerosLike(p.variable);
        byParam.set(name, tf.variable(zeros, false));
        zeros.dispose();
      }
      this.slots.set(slot, byParam);
    }
  }

  /** Updates applied so far. */
  get stepCount(): number {
    return this.stepCounter;
  }

  /** The base rate the next `step()` uses: `lr · schedule(stepCount)` (before per-parameter multipliers). */
  currentLearningRate(): number {
    return this.lr * scheduleFactor(this.schedule, this.stepCounter);
  }

  /** Dotted names of the parameters this optimizer holds state for. */
  parameterNames(): string[] {
    return this.managed.map(([n]) => n);
  }

  /**
   * Apply one update from `grads`. Parameters of frozen modules (when the
   * optimizer was given a module) and parameters without a gradient are left
   * alone. The gradients stay owned by the caller (see `disposeGradients`).
   */
  step(grads: Gradients): void {
    const byName = this.resolveGradients(grads);
    const active = this.source ? new Set(this.source.trainableParameterEntries().map(([n]) => n)) : null;
    const lr = this.currentLearningRate();
    for (const [name, p] of this.managed) {
      const g = byName.get(name);
      if (g == null || (active !== null && !active.has(name))) continue;
      if (!sameShape(g.shape, p.variable.shape)) {
        throw new Error(
          `${this.constructor.name}.step: gradient of '${name}' has shape [${g.shape}], parameter has [${p.variable.shape}]`,
        );
      }
      const decay = p.weightDecay ? this.weightDecay : 0;
      tf.tidy(() => this.updateParameter(name, p.variable, g, lr * p.lrMultiplier, decay));
    }
    this.stepCounter++;
  }

  /** Compute gradients of `lossFn` for the trainable parameters, step, dispose them; returns the loss. */
  minimize(lossFn: () => tf.Scalar): number {
    const source = this.source ?? this.managed;
    const { loss, grads } = computeGradients(lossFn, source);
    try {
      this.step(grads);
    } finally {
      disposeGradients(grads);
    }
    return loss;
  }

  /** One parameter's update (run inside `tf.tidy`): assign new values to `variable` and its slots. */
  protected abstract updateParameter(name: string, variable: tf.Variable, grad: tf.Tensor, lr: number, weightDecay: number): void;

  /** Extra per-parameter scalar state of a subclass (e.g. Adam's per-parameter step). */
  protected extraState(): Map<string, tf.Tensor> {
    return new Map();
  }

  /** Shapes and dtypes of `extraState()`. */
  protected extraSignatures(): Map<string, TensorSignature> {
    return new Map();
  }

  /** Restore extra state; called by `loadStateDict` after validation, with the names that matched. */
  protected loadExtraState(_state: ReadonlyMap<string, tf.Tensor>): void {
    // No extra state by default.
  }

  protected slot(slot: string, name: string): tf.Variable {
    const v = this.slots.get(slot)?.get(name);
    if (!v) throw new Error(`${this.constructor.name}: no '${slot}' state for '${name}'`);
    return v;
  }

  /** Shapes and dtypes of `stateDict()`, without allocating anything. */
  stateSignatures(): Map<string, TensorSignature> {
    const out = new Map<string, TensorSignature>([['step', { shape: [], dtype: 'int32' }]]);
    for (const [slot, byParam] of this.slots) {
      for (const [name, v] of byParam) out.set(`${slot}.${name}`, { shape: v.shape.slice(), dtype: v.dtype });
    }
    for (const [k, s] of this.extraSignatures()) out.set(k, s);
    return out;
  }

  /**
   * The optimizer's state as named tensors (new handles, owned by the caller:
   * dispose them): `step`, then `<slot>.<parameter>` for every slot.
   */
  stateDict(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>([['step', tf.scalar(this.stepCounter, 'int32')]]);
    for (const [slot, byParam] of this.slots) {
      for (const [name, v] of byParam) out.set(`${slot}.${name}`, tf.clone(v));
    }
    for (const [k, t] of this.extraState()) out.set(k, t);
    return out;
  }

  /**
   * Restore state from `stateDict()`-shaped tensors (not consumed). Strict
   * (default): any missing, unexpected, mis-shaped or mis-typed name throws
   * before anything is changed. Non-strict: loads what matches and returns
   * the report.
   */
  loadStateDict(state: ReadonlyMap<string, tf.Tensor>, options: { strict?: boolean } = {}): LoadReport {
    const strict = options.strict ?? true;
    const found = new Map<string, TensorSignature>();
    for (const [k, t] of state) found.set(k, { shape: t.shape.slice(), dtype: t.dtype });
    const report = compareSignatures(this.stateSignatures(), found);
    if (strict && !isCleanReport(report)) {
      throw new Error(`${this.constructor.name}.loadStateDict: state does not match\n${describeReport(report)}`);
    }
    const ok = new Set(report.loaded);
    if (ok.has('step')) {
      const step = (state.get('step') as tf.Tensor).dataSync()[0];
      this.stepCounter = step;
    }
    for (const [slot, byParam] of this.slots) {
      for (const [name, v] of byParam) {
        const key = `${slot}.${name}`;
        if (ok.has(key)) v.assign(state.get(key) as tf.Tensor);
      }
    }
    const extra = new Map<string, tf.Tensor>();
    for (const k of this.extraSignatures().keys()) if (ok.has(k)) extra.set(k, state.get(k) as tf.Tensor);
    this.loadExtraState(extra);
    return report;
  }

  /** Release the optimizer's state. */
  dispose(): void {
    for (const byParam of this.slots.values()) for (const v of byParam.values()) v.dispose();
    this.slots.clear();
  }

  private resolveGradients(grads: Gradients): Map<string, tf.Tensor | null> {
    const byName = new Map<string, tf.Tensor | null>();
    const nameOfVariable = new Map<string, string>();
    for (const [name, p] of this.managed) nameOfVariable.set(p.variable.name, name);
    const managedNames = new Set(this.managed.map(([n]) => n));
    const unknown: string[] = [];
    if (grads instanceof Map) {
      for (const [key, g] of grads as ReadonlyMap<string | tf.Variable, tf.Tensor | null>) {
        const name = typeof key === 'string' ? (managedNames.has(key) ? key : undefined) : nameOfVariable.get(key.name);
        if (name === undefined) unknown.push(typeof key === 'string' ? key : `variable '${key.name}'`);
        else byName.set(name, g);
      }
    } else {
      const named = (grads as { grads: tf.NamedTensorMap }).grads;
      for (const key of Object.keys(named)) {
        const name = nameOfVariable.get(key);
        if (name === undefined) unknown.push(`variable '${key}'`);
        else byName.set(name, named[key]);
      }
    }
    if (unknown.length > 0) {
      throw new Error(`${this.constructor.name}.step: gradients for parameters this optimizer does not manage: ${unknown.join(', ')}`);
    }
    return byName;
  }
}

/** Loss value and gradients by dotted parameter name. */
export interface GradientResult {
  loss: number;
  grads: Map<string, tf.Tensor>;
}

/**
 * Gradients of the scalar `lossFn()` with respect to `params` (a module's
 * trainable parameters — frozen ones get none — or an explicit list). The
 * forward pass's intermediates are released; the loss is returned as a
 * number; the gradients are owned by the caller (`disposeGradients`).
 */
export function computeGradients(
  lossFn: () => tf.Scalar,
  params: Module | ReadonlyArray<readonly [string, Parameter | tf.Variable]>,
): GradientResult {
  const entries: Array<readonly [string, tf.Variable]> =
    params instanceof Module
      ? params.trainableParameterEntries().map(([n, p]) => [n, p.variable] as const)
      : params.map(([n, p]) => [n, p instanceof tf.Variable ? p : p.variable] as const);
  if (entries.length === 0) throw new Error('computeGradients: no trainable parameters (is the module frozen?)');
  const { value, grads } = tf.variableGrads(lossFn, entries.map(([, v]) => v));
  let loss: number;
  try {
    loss = value.dataSync()[0];
  } finally {
    value.dispose();
  }
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of entries) {
    const g = grads[v.name];
    if (g != null) out.set(name, g);
  }
  return { loss, grads: out };
}

/** Dispose every tensor of a gradient map. */
export function disposeGradients(grads: ReadonlyMap<unknown, tf.Tensor | null>): void {
  for (const g of grads.values()) g?.dispose();
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

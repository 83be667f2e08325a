import * as tf from '@tensorflow/tfjs-core';

/** Options for a registered parameter. */
export interface ParameterOptions {
  /** Learning-rate multiplier seen by optimizers (SPEC §3: DeepLab classifier ×10). Default 1. */
  lrMultiplier?: number;
  /** Whether weight decay applies to this parameter. Default true. */
  weightDecay?: boolean;
}

/** A trainable tensor with its optimizer metadata. */
export interface Parameter {
  variable: tf.Variable;
  lrMultiplier: number;
  weightDecay: boolean;
}

/**
 * The parameter tree every network is built from, in the spirit of
 * `torch.nn.Module`: children, parameters and buffers are registered under
 * names, so `namedParameters()` yields stable dotted paths
 * (`encoder.down1.conv.weight`) used by checkpoints, weight import and ONNX
 * initializer names.
 *
 * Layout conventions (all of core-layers): activations are NHWC, conv filters
 * HWIO, transposed-conv filters HWOI (tfjs); see `layout.ts` for the OIHW
 * converters used by ONNX and PyTorch.
 *
 * Freezing: a frozen module's parameters are left out of
 * `trainableParameters()`, so they get neither gradients nor optimizer
 * updates; its mode is independent (a frozen BatchNorm still uses running
 * statistics, always).
 */
export abstract class Module {
  private readonly params = new Map<string, Parameter>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  private isTraining = true;
  private isFrozen = false;

  /** Training mode (affects spectral-norm power iteration, dropout). */
  get training(): boolean {
    return this.isTraining;
  }

  /** True when this module (or an ancestor that called `freeze()`) is frozen. */
  get frozen(): boolean {
    return this.isFrozen;
  }

  /**
   * Register a trainable parameter initialised from `value`. The module takes
   * ownership of `value`: it is disposed once the variable holds its data
   * (unless it is itself a `tf.Variable`), so construction leaves no stray tensor.
   */
  protected registerParameter(name: string, value: tf.Tensor, options: ParameterOptions = {}): tf.Variable {
    this.assertFreshName(name);
    const variable = tf.variable(value, true, undefined, 'float32');
    if (!(value instanceof tf.Variable)) value.dispose();
    this.params.set(name, {
      variable,
      lrMultiplier: options.lrMultiplier ?? 1,
      weightDecay: options.weightDecay ?? true,
    });
    return variable;
  }

  /** A non-trainable persistent tensor (running stats, spectral-norm `u`). Takes ownership of `value` like `registerParameter`. */
  protected registerBuffer(name: string, value: tf.Tensor): tf.Variable {
    this.assertFreshName(name);
    const variable = tf.variable(value, false);
    if (!(value instanceof tf.Variable)) value.dispose();
    this.buffers.set(name, variable);
    return variable;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.assertFreshName(name);
    this.children.set(name, module);
    return module;
  }

  /** Direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.children.entries()];
  }

  /** Every module of the tree (this one first, named ''), depth-first. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /** All parameters with their dotted names, in registration order. */
  namedParameterEntries(prefix = ''): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [name, p] of this.params) out.push([join(prefix, name), p]);
    for (const [name, child] of this.children) out.push(...child.namedParameterEntries(join(prefix, name)));
    return out;
  }

  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return this.namedParameterEntries(prefix).map(([n, p]) => [n, p.variable]);
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Parameters that receive gradients: those of modules not frozen. */
  trainableParameterEntries(prefix = ''): Array<[string, Parameter]> {
    if (this.isFrozen) return [];
    const out: Array<[string, Parameter]> = [];
    for (const [name, p] of this.params) out.push([join(prefix, name), p]);
    for (const [name, child] of this.children) out.push(...child.trainableParameterEntries(join(prefix, name)));
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [name, b] of this.buffers) out.push([join(prefix, name), b]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(join(prefix, name)));
    return out;
  }

  /** Parameters and buffers together: what a checkpoint stores. */
  stateDict(): Map<string, tf.Variable> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  parameterCount(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.isTraining = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freeze this module and all below it: no gradients, no optimizer updates. */
  freeze(): this {
    for (const [, m] of this.namedModules()) m.isFrozen = true;
    return this;
  }

  unfreeze(): this {
    for (const [, m] of this.namedModules()) m.isFrozen = false;
    return this;
  }

  /** Release every variable of the tree. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.params.values()) p.variable.dispose();
      for (const b of m.buffers.values()) b.dispose();
    }
  }

  private assertFreshName(name: string): void {
    // Identifiers, or plain indices ('0', '1', ...) as `Sequential` uses, like PyTorch.
    if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/.test(name)) throw new Error(`Module: invalid member name '${name}' (letters, digits, _; or an index)`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`Module: '${name}' is already registered on ${this.constructor.name}`);
    }
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

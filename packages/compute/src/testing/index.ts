/**
 * Test helpers of @semadapt/compute, imported in specs as
 * `@semadapt/compute/testing` (or through `@semadapt/core-layers/testing`, which re-exports them; never shipped through src/index.ts).
 *
 * - `testBackends()` / `setTestBackend()`: run the same spec on every
 *   backend (STYLE §9): cpu (the reference), wasm, and native where the
 *   addon is built.
 * - `expectAllClose()`: elementwise |a−e| ≤ atol + rtol·|e|, reporting the
 *   worst element.
 * - `numericGradient()`: central finite differences, the independent
 *   reference for gradients.
 * - `expectNoTensorLeak()`: `tf.memory().numTensors` is flat across a call.
 * - `conv2dFloat64()`: a float64 direct-loop convolution and its gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { startBackend, type BackendKind } from '../lib/init-backend';
import { loadNativeKernels } from '../lib/native/addon';

export { conv2dFloat64, type ConvCase, type ConvPad } from './conv-reference';

/** The backends a spec loops over. */
export type TestBackend = 'cpu' | 'wasm' | 'native';

/**
 * The backends every spec should run on: cpu (the reference), wasm, and
 * native where the addon loads (not with `SEMADAPT_NATIVE=0`).
 * `SEMADAPT_TEST_BACKENDS` (comma-separated) narrows the list, e.g. to
 * iterate quickly on one.
 */
export function testBackends(): TestBackend[] {
  const all: TestBackend[] = loadNativeKernels().status.enabled ? ['cpu', 'wasm', 'native'] : ['cpu', 'wasm'];
  const env = process.env['SEMADAPT_TEST_BACKENDS'];
  if (!env) return all;
  const wanted = env.split(',').map((s) => s.trim());
  const picked = all.filter((b) => wanted.includes(b));
  if (picked.length === 0) throw new Error(`SEMADAPT_TEST_BACKENDS='${env}' names none of ${all.join(', ')}`);
  return picked;
}

/** Loads (once), registers our extra kernels, and activates `name`. */
export async function setTestBackend(name: TestBackend): Promise<void> {
  const kind: BackendKind = name;
  await startBackend(kind);
  if (tf.getBackend() !== name) throw new Error(`setTestBackend('${name}'): active backend is '${tf.getBackend()}'`);
}

/** Something `expectAllClose` can compare. */
export type Numeric = tf.Tensor | ArrayLike<number> | number;

/** Tolerances of `expectAllClose`: pass when |a−e| ≤ atol + rtol·|e|. */
export interface CloseOptions {
  /** Absolute tolerance; default 1e-5. */
  atol?: number;
  /** Relative tolerance; default 1e-4. */
  rtol?: number;
  /** Prefix for the failure message (e.g. the case name). */
  label?: string;
}

function toFlat(x: Numeric): { data: ArrayLike<number>; shape: number[] | null } {
  if (typeof x === 'number') return { data: [x], shape: [] };
  if (x instanceof tf.Tensor) return { data: x.dataSync() as ArrayLike<number>, shape: x.shape };
  return { data: x, shape: null };
}

/**
 * Asserts `actual` ≈ `expected` elementwise. Shapes must match when both are
 * tensors; lengths always. NaN matches only NaN. The failure message names
 * the worst element: index, both values, abs diff, and how many failed.
 */
export function expectAllClose(actual: Numeric, expected: Numeric, options: CloseOptions = {}): void {
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  const prefix = options.label ? `${options.label}: ` : '';
  const a = toFlat(actual);
  const e = toFlat(expected);
  const as = a.shape;
  const es = e.shape;
  if (as && es && (as.length !== es.length || as.some((d, i) => d !== es[i]))) {
    throw new Error(`${prefix}shape mismatch: actual [${as}] vs expected [${es}]`);
  }
  if (a.data.length !== e.data.length) {
    throw new Error(`${prefix}length mismatch: actual ${a.data.length} vs expected ${e.data.length}`);
  }
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < a.data.length; i++) {
    const av = a.data[i];
    const ev = e.data[i];
    if (Number.isNaN(av) || Number.isNaN(ev)) {
      if (Number.isNaN(av) && Number.isNaN(ev)) continue;
      bad++;
      if (worstExcess < Infinity) { worst = i; worstExcess = Infinity; }
      continue;
    }
    const diff = Math.abs(av - ev);
    if (diff > maxAbs) maxAbs = diff;
    const excess = diff - (atol + rtol * Math.abs(ev));
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) { worstExcess = excess; worst = i; }
    }
  }
  if (bad > 0) {
    const shape = a.shape ?? e.shape;
    const at = shape && shape.length > 0 ? ` (index [${unravel(worst, shape)}])` : '';
    throw new Error(
      `${prefix}${bad}/${a.data.length} elements not close (atol=${atol}, rtol=${rtol}); ` +
        `worst at flat ${worst}${at}: actual ${a.data[worst]} vs expected ${e.data[worst]} ` +
        `(abs diff ${Math.abs(a.data[worst] - e.data[worst])}); max abs diff ${maxAbs}`,
    );
  }
}

function unravel(flat: number, shape: number[]): number[] {
  const idx: number[] = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

/**
 * Largest relative error max|a−e| / max(max|e|, tiny), the scale-free
 * measure used by the kernel parity tests ("rel err ≤ 1e-4").
 */
export function relativeError(actual: Numeric, expected: Numeric): number {
  const a = toFlat(actual).data;
  const e = toFlat(expected).data;
  if (a.length !== e.length) throw new Error(`relativeError: length ${a.length} vs ${e.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - e[i]));
    den = Math.max(den, Math.abs(e[i]));
  }
  return num / Math.max(den, 1e-12);
}

/**
 * Central finite differences (f(x+ε·e_i) − f(x−ε·e_i)) / 2ε of a scalar
 * function, for every element of a tiny `x`. `f` may return a scalar tensor
 * or a number; its tensors are disposed. Returns a float32 tensor shaped
 * like `x`. Cost: 2·x.size evaluations of `f` — keep `x` tiny. With float32
 * arithmetic pick ε ≈ 1e-2..1e-3 and compare with a loose tolerance.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Tensor | number, x: tf.Tensor, eps = 1e-3): tf.Tensor {
  const base = Float64Array.from(x.dataSync() as ArrayLike<number>);
  const grad = new Float32Array(base.length);
  const evalAt = (values: Float64Array): number =>
    tf.tidy(() => {
      const y = f(tf.tensor(Float32Array.from(values), x.shape, 'float32'));
      if (typeof y === 'number') return y;
      if (y.size !== 1) throw new Error(`numericGradient: f must return a scalar, got shape [${y.shape}]`);
      return y.dataSync()[0];
    });
  for (let i = 0; i < base.length; i++) {
    const orig = base[i];
    base[i] = orig + eps;
    const plus = evalAt(base);
    base[i] = orig - eps;
    const minus = evalAt(base);
    base[i] = orig;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return tf.tensor(grad, x.shape, 'float32');
}

/**
 * Runs `fn` (sync or async) and asserts `tf.memory().numTensors` is the same
 * before and after. `fn` must dispose what it creates, including its result.
 */
export async function expectNoTensorLeak(fn: () => unknown, label = 'expectNoTensorLeak'): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`${label}: tf.memory().numTensors went from ${before} to ${after} (${after - before > 0 ? '+' : ''}${after - before})`);
  }
}

/**
 * Deterministic pseudo-random values in [−scale, scale) from a 32-bit LCG
 * (Numerical Recipes' constants): test inputs that involve no tfjs RNG.
 */
export function lcgValues(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let st = seed >>> 0;
  for (let i = 0; i < n; i++) {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    out[i] = (st / 2 ** 31 - 1) * scale;
  }
  return out;
}

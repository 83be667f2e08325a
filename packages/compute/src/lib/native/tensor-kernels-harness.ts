/**
 * Test harness of the native tensor-kernel specs (not shipped: imported by
 * *.spec.ts only). `onBoth` runs one computation on the cpu backend (the
 * reference) and on native, returning both results; `ref` holds float64
 * loops, the independent reference each kernel is also checked against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, testBackends } from '../../testing';
import { kernelImplementation } from '../kernel-registry';
import { loadNativeKernels } from './addon';
import { NATIVE_BACKEND } from './native-backend';
import { NATIVE_TENSOR_KERNELS } from './tensor-kernels';

/** A computed tensor, read back. */
export interface Result {
  shape: number[];
  dtype: tf.DataType;
  values: Float64Array;
}

function read(t: tf.Tensor): Result {
  return { shape: t.shape.slice(), dtype: t.dtype, values: Float64Array.from(t.dataSync() as ArrayLike<number>) };
}

/** Whether the native backend runs here (the addon loads and SEMADAPT_NATIVE is not 0). */
export const NATIVE_AVAILABLE = testBackends().includes('native');

/**
 * A describe block that exists only where the native backend runs (CI installs
 * libdnnl-dev; its SEMADAPT_NATIVE=0 pass has none): elsewhere each spec's
 * `expectReasonWhenUnavailable` test is what runs.
 */
export function describeNative(name: string, body: () => void): void {
  if (NATIVE_AVAILABLE) describe(name, body);
}

/** Starts the native backend and checks that its registrar put every tensor kernel there as a native one. */
/** The native loops' threading bound during the kernel specs, in elements. */
export const SPEC_PARALLEL_MIN = 4096;

export async function useNativeTensorKernels(): Promise<void> {
  await setTestBackend('native');
  // Loops go multi-threaded from 2¹⁹ elements (native/src/tensor_args.h); the specs lower the bound so
  // their modest "past the threading threshold" sizes run the threaded paths (chunk edges, odometers).
  loadNativeKernels().addon?.setParallelMin?.(SPEC_PARALLEL_MIN);
  const missing = NATIVE_TENSOR_KERNELS.filter((k) => kernelImplementation(k.kernelName, NATIVE_BACKEND) !== 'native');
  if (missing.length > 0) throw new Error(`not native on the native backend: ${missing.map((k) => k.kernelName).join(', ')}`);
}

/** Without the addon: the reason is reported (the one test these specs then run). */
export function expectReasonWhenUnavailable(): void {
  const { status } = loadNativeKernels();
  if (NATIVE_AVAILABLE) expect(status.enabled).toBe(true);
  else expect(status.detail).toMatch(/SEMADAPT_NATIVE=0|libdnnl-dev/);
}

/** `f` on cpu then on native (each result read back, tensors disposed). */
export async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: Result[]; native: Result[] }> {
  const run = (): Result[] => {
    let results: Result[] = [];
    tf.tidy(() => {
      const out = f();
      results = (Array.isArray(out) ? out : [out]).map(read);
    });
    return results;
  };
  await setTestBackend('cpu');
  const cpu = run();
  await setTestBackend('native');
  const native = run();
  return { cpu, native };
}

/** Float64 references. */
export const ref = {
  size: (shape: number[]) => shape.reduce((p, d) => p * d, 1),
  strides(shape: number[]): number[] {
    const s = new Array(shape.length).fill(1);
    for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
    return s;
  },
  unravel(i: number, shape: number[]): number[] {
    const c = new Array(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      c[d] = i % shape[d];
      i = Math.floor(i / shape[d]);
    }
    return c;
  },
  /** numpy broadcast of two shapes. */
  broadcastShape(a: number[], b: number[]): number[] {
    const r = Math.max(a.length, b.length);
    const out: number[] = [];
    for (let k = 0; k < r; k++) {
      const da = a[a.length - r + k] ?? 1;
      const db = b[b.length - r + k] ?? 1;
      out.push(da === 1 ? db : da);
    }
    return out;
  },
  /** Elementwise f over broadcast a, b. */
  binary(a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[], f: (x: number, y: number) => number): { shape: number[]; values: Float64Array } {
    const shape = ref.broadcastShape(aShape, bShape);
    const n = ref.size(shape);
    const values = new Float64Array(n);
    const index = (c: number[], s: number[]) => {
      let off = 0;
      const st = ref.strides(s);
      for (let k = 0; k < s.length; k++) off += (s[k] === 1 ? 0 : c[shape.length - s.length + k]) * st[k];
      return off;
    };
    for (let i = 0; i < n; i++) {
      const c = ref.unravel(i, shape);
      values[i] = f(a[index(c, aShape)], b[index(c, bShape)]);
    }
    return { shape, values };
  },
  /** Reduction over `axes` with (acc, v) → acc from `init`, then `fin`. */
  reduce(x: ArrayLike<number>, shape: number[], axes: number[], init: number, step: (acc: number, v: number, k: number) => number, fin = (acc: number, _n: number) => acc): Float64Array {
    const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const outShape = kept.map((d) => shape[d]);
    const out = new Float64Array(ref.size(outShape)).fill(init);
    const count = new Float64Array(out.length);
    for (let i = 0; i < ref.size(shape); i++) {
      const c = ref.unravel(i, shape);
      let o = 0;
      for (const d of kept) o = o * shape[d] + c[d];
      let k = 0;
      for (const d of axes) k = k * shape[d] + c[d];
      out[o] = step(out[o], x[i], k);
      count[o]++;
    }
    return out.map((v, i) => fin(v, count[i]));
  },
};

/** Deterministic values in [lo, hi) (no tfjs RNG), distinct enough to avoid ties. */
export function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

/**
 * `Sum` and `Mean` over every axis but the last — the gradient of every bias
 * add (NHWC summed over N, H, W), every per-channel scale, batch statistics —
 * and over every axis (a loss's mean), as one pass over the tensor, for the
 * wasm backend. tfjs-wasm reduces only over inner axes, so for the first it
 * transposes the whole tensor (a bias gradient of a [1,64,64,128]
 * activation: 2 ms, against 0.2 ms for one pass), and its single-threaded
 * full reduction takes 0.6 ms there against 0.13 ms; the cpu backend's JS
 * reductions are single-threaded (the native backend runs the addon's loop).
 * Other reductions, and non-float32 tensors, go to the stock kernel.
 *
 * The pass is a JS loop accumulating in float64, or the native addon's
 * multi-threaded one when it is loaded (`useNativeColumnSums`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, type MemoryBackend } from './backend-memory';

/** out[c] = Σ_r x[r·cols + c]. */
export type ColumnSums = (x: Float32Array, out: Float32Array, rows: number, cols: number) => void;

export const columnSumsJs: ColumnSums = (x, out, rows, cols) => {
  const acc = new Float64Array(cols);
  for (let r = 0, i = 0; r < rows; r++) for (let c = 0; c < cols; c++) acc[c] += x[i++];
  for (let c = 0; c < cols; c++) out[c] = acc[c];
};

let columnSums: ColumnSums = columnSumsJs;

/** out[c] = Σ_r x[r·cols + c] by the loop in use (native when loaded): for other kernels' bias gradients. */
export function sumColumns(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  columnSums(x, out, rows, cols);
}

/** Puts the native loop (or, with null, the JS one) under the wasm kernel. */
export function useNativeColumnSums(native: ColumnSums | null): void {
  columnSums = native ?? columnSumsJs;
}

/** Whether `axis` (any form tfjs accepts) is exactly every axis of `shape` but the last. */
export function isLeadingAxes(axis: number | number[], shape: number[]): boolean {
  const rank = shape.length;
  if (rank < 2) return false;
  const axes = [...new Set(tf.util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/** Whether `axis` covers every axis of `shape` (of rank ≥ 2: rank-1 sums stay on the stock kernel). */
function isAllAxes(axis: number | number[], shape: number[]): boolean {
  return shape.length >= 2 && new Set(tf.util.parseAxisParam(axis, shape)).size === shape.length;
}

type ReductionArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

/**
 * Wraps the stock wasm `Sum` or `Mean` (`reduction`), taking over reductions
 * over every axis but the last (per-column results) and over every axis (the
 * column sums, then their sum).
 */
function reductionFix(reduction: 'Sum' | 'Mean', backendName: MemoryBackend, stock: tf.KernelConfig, sums: () => ColumnSums): tf.KernelConfig {
  const kernelFunc = (args: ReductionArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const size = tf.util.sizeFromShape(x.shape);
    const perColumn = isLeadingAxes(axis, x.shape);
    if (x.dtype !== 'float32' || size === 0 || !(perColumn || isAllAxes(axis, x.shape))) {
      return (stock.kernelFunc as unknown as (a: ReductionArgs) => tf.TensorInfo)(args);
    }
    const cols = x.shape[x.shape.length - 1];
    const rows = size / cols;
    const mem = backendMemory(args.backend, backendName);
    const loop = sums();
    const kept = x.shape.map(() => 1);
    if (perColumn) {
      const out = mem.alloc(keepDims ? [...kept.slice(0, -1), cols] : [cols]);
      const view = out.view();
      loop(mem.read(x), view, rows, cols);
      if (reduction === 'Mean') for (let c = 0; c < cols; c++) view[c] /= rows;
      return out.info;
    }
    const partial = new Float32Array(cols);
    loop(mem.read(x), partial, rows, cols);
    let total = 0; // float64
    for (let c = 0; c < cols; c++) total += partial[c];
    const out = mem.alloc(keepDims ? kept : []);
    out.view()[0] = reduction === 'Mean' ? total / size : total;
    return out.info;
  };
  return { kernelName: reduction, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** The wasm `Sum`/`Mean` fixes: column sums by the loop in use (`useNativeColumnSums`). */
export const columnSumWasmFix = (stock: tf.KernelConfig): tf.KernelConfig => reductionFix('Sum', 'wasm', stock, () => columnSums);
export const columnMeanWasmFix = (stock: tf.KernelConfig): tf.KernelConfig => reductionFix('Mean', 'wasm', stock, () => columnSums);


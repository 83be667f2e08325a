/**
 * The fused normalization and optimizer kernels (normalization-kernels.ts,
 * optimizer-kernels.ts) computed by the native addon's multi-threaded,
 * vectorized loops instead of single-threaded JS, for the native and wasm
 * backends: Adam's update is sqrt- and divide-bound, ~15 ns per weight in JS
 * against well under 1 ns natively. Also the column sums under `Sum`/`Mean`
 * (column-sum-kernel.ts). The cpu backend keeps the JS loops, the reference
 * their specs compare against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelsInstalled } from './kernel-registry';
import type { MemoryBackend } from './backend-memory';
import { NormalizationMath, normalizationKernelConfigs } from './normalization-kernels';
import { OptimizerMath, optimizerKernelConfigs } from './optimizer-kernels';
import type { OneDnnKernels } from './native/addon';
import type { ColumnSums } from './column-sum-kernel';

type Loops = Required<Pick<OneDnnKernels, 'instanceNormForward' | 'instanceNormBackward' | 'layerNormForward' | 'layerNormBackward' | 'adamUpdate' | 'sgdUpdate' | 'columnSums'>>;

function hasLoops(addon: OneDnnKernels): addon is OneDnnKernels & Loops {
  return typeof addon.instanceNormForward === 'function' && typeof addon.adamUpdate === 'function' && typeof addon.columnSums === 'function';
}

function nativeNormalizationMath(addon: Loops): NormalizationMath {
  const nhwc = (shape: number[]) => [shape[0], shape[1] * shape[2], shape[3]] as const;
  const perSample = (shape: number[]) => [shape[0], shape[1] * shape[2] * shape[3]] as const;
  return {
    instanceNormForward: (x, shape, eps, y, rstd) => addon.instanceNormForward(x, y, rstd, ...nhwc(shape), eps),
    instanceNormBackward: (g, y, rstd, shape, dx) => addon.instanceNormBackward(g, y, rstd, dx, ...nhwc(shape)),
    layerNormForward: (x, shape, eps, y, std) => addon.layerNormForward(x, y, std, ...perSample(shape), eps),
    layerNormBackward: (g, y, std, shape, eps, dx) => addon.layerNormBackward(g, y, std, dx, ...perSample(shape), eps),
  };
}

function nativeOptimizerMath(addon: Loops): OptimizerMath {
  return {
    adamUpdate: (p, g, m, v, a, pOut, mOut, vOut) => addon.adamUpdate(p, g, m, v, pOut, mOut, vOut, a.beta1, a.beta2, a.eps, a.weightDecay, a.stepSize, a.bias2Sqrt),
    sgdUpdate: (p, g, b, a, pOut, bOut) => addon.sgdUpdate(p, g, b, pOut, bOut, a.lr, a.momentum, a.nesterov, a.weightDecay),
  };
}

const built = new Map<string, tf.KernelConfig[]>();

/**
 * The normalization and optimizer kernels of `backendName` ('wasm' or
 * 'native') over the addon's loops, built once; undefined when the addon
 * lacks them.
 */
export function nativeElementwiseKernelConfigs(addon: OneDnnKernels, backendName: MemoryBackend): tf.KernelConfig[] | undefined {
  if (!hasLoops(addon)) return undefined;
  let configs = built.get(backendName);
  if (!configs) {
    configs = [...normalizationKernelConfigs(backendName, nativeNormalizationMath(addon)), ...optimizerKernelConfigs(backendName, nativeOptimizerMath(addon))];
    built.set(backendName, configs);
  }
  return configs;
}

/** The addon's column-sum loop, when it has one. */
export function nativeColumnSums(addon: OneDnnKernels): ColumnSums | undefined {
  if (!hasLoops(addon)) return undefined;
  return (x, out, rows, cols) => addon.columnSums(x, out, rows, cols);
}

/** True when `backendName`'s normalization and optimizer kernels are the native ones right now. */
export function nativeElementwiseKernelsActive(backendName = 'wasm'): boolean {
  return kernelsInstalled(built.get(backendName));
}

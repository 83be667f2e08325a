/**
 * The fused normalization and optimizer kernels of the wasm backend
 * (normalization-kernels.ts, optimizer-kernels.ts) computed by the native
 * addon's multi-threaded, vectorized loops instead of single-threaded JS:
 * Adam's update is sqrt- and divide-bound, ~15 ns per weight in JS against
 * well under 1 ns natively. Also the column sums under the wasm `Sum` fix
 * (column-sum-kernel.ts). Installed beside the native convolutions; the
 * cpu backend keeps the JS loops, the reference their specs compare against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { installKernels, kernelsInstalled } from './kernel-install';
import { NormalizationMath, normalizationKernelConfigs } from './normalization-kernels';
import { OptimizerMath, optimizerKernelConfigs } from './optimizer-kernels';
import { loadNativeKernels, type OneDnnKernels } from './native-conv-kernels';
import { useNativeColumnSums } from './column-sum-kernel';

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

let nativeWasm: tf.KernelConfig[] | undefined;

/**
 * Puts the native loops under the wasm backend's normalization and optimizer
 * kernels when the addon has them (after `registerExtraKernels`, whose JS
 * versions they replace). Idempotent. Returns whether they are active.
 */
export function installNativeElementwiseKernels(): boolean {
  const { addon } = loadNativeKernels();
  if (!addon || !hasLoops(addon) || !tf.findBackendFactory('wasm')) return false;
  nativeWasm ??= [...normalizationKernelConfigs('wasm', nativeNormalizationMath(addon)), ...optimizerKernelConfigs('wasm', nativeOptimizerMath(addon))];
  useNativeColumnSums((x, out, rows, cols) => addon.columnSums(x, out, rows, cols));
  installKernels(nativeWasm);
  return true;
}

/** True when the wasm backend's normalization and optimizer kernels are the native ones right now. */
export function nativeElementwiseKernelsActive(): boolean {
  return kernelsInstalled(nativeWasm);
}

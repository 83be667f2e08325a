/**
 * The one place our extra tfjs pieces are registered (STYLE §5): each kernel
 * or gradient file exports a config object; nothing registers itself on import.
 * Registration is idempotent.
 *
 * It also registers tfjs's own gradients: `@tensorflow/tfjs-core` alone ships
 * no gradient configs in its CommonJS build (they live in an ES-module-only
 * `dist/register_all_gradients.js` whose extensionless imports Node cannot
 * load). The `@tensorflow/tfjs` union package carries a CommonJS copy that
 * registers them into tfjs-core's global registry, so we require it here, once
 * and explicitly; everything else keeps importing `@tensorflow/tfjs-core`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnMeanWasmFix, columnSumWasmFix } from './column-sum-kernel';
import { scalarTileWasmFix } from './scalar-tile-kernel';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';
import { conv2dGradConfig } from './conv2d-grad';
import { identityWasmConfig } from './identity-wasm';
import { maxPoolGradWasmConfig } from './max-pool-grad-wasm';
import { meanGradConfig } from './mean-grad';
import { mirrorPadGradConfig } from './mirror-pad-grad';
import { mirrorPadFoldCpuConfig, mirrorPadFoldWasmConfig } from './mirror-pad-fold-kernel';
import { NORMALIZATION_GRADIENTS, NORMALIZATION_KERNELS } from './normalization-kernels';
import { OPTIMIZER_KERNELS } from './optimizer-kernels';
import { avgPoolGradConfig, maxPoolGradConfig, maxPoolWasmCeilFix } from './pool-fixes';
import { resizeBilinearGradCpuFix } from './resize-bilinear-grad-cpu';
import { squareGradConfig } from './square-grad';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum-wasm';

/** Every extra (or replacement) kernel we provide, by backend. */
export const EXTRA_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterWasmConfig,
  conv2dBackpropInputWasmConfig,
  maxPoolGradWasmConfig,
  unsortedSegmentSumWasmConfig,
  mirrorPadFoldWasmConfig,
  mirrorPadFoldCpuConfig,
  ...NORMALIZATION_KERNELS,
  ...OPTIMIZER_KERNELS,
  identityWasmConfig,
];

/** Gradients that replace or add to tfjs's (e.g. dilated Conv2D; Mean and Square without needless full-size copies). */
export const EXTRA_GRADIENTS: readonly tf.GradConfig[] = [conv2dGradConfig, meanGradConfig, squareGradConfig, avgPoolGradConfig, maxPoolGradConfig, mirrorPadGradConfig, ...NORMALIZATION_GRADIENTS];

/** Fixes that wrap a stock kernel (applied once the stock kernel is registered). */
export const KERNEL_FIXES: readonly { kernelName: string; backendName: string; wrap: (stock: tf.KernelConfig) => tf.KernelConfig }[] = [
  { kernelName: 'ResizeBilinearGrad', backendName: 'cpu', wrap: resizeBilinearGradCpuFix },
  { kernelName: 'MaxPool', backendName: 'wasm', wrap: maxPoolWasmCeilFix },
  { kernelName: 'Sum', backendName: 'wasm', wrap: columnSumWasmFix },
  { kernelName: 'Mean', backendName: 'wasm', wrap: columnMeanWasmFix },
  { kernelName: 'Tile', backendName: 'wasm', wrap: scalarTileWasmFix },
];

const wrapped = new WeakSet<tf.KernelConfig>();
let tfjsGradientsLoaded = false;

/** Loads tfjs's stock gradient configs (see the file comment). */
function registerTfjsGradients(): void {
  if (tfjsGradientsLoaded) return;
  if (!tf.getGradient('Conv2D')) {
    require('@tensorflow/tfjs');
  }
  if (!tf.getGradient('Conv2D')) {
    throw new Error('registerExtraKernels: loading @tensorflow/tfjs did not register the tfjs gradients');
  }
  tfjsGradientsLoaded = true;
}

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/**
 * Registers tfjs's gradients, then every extra kernel, fix and gradient not
 * yet registered. Returns the names registered by this call. Called by
 * `startBackend`/`initBackend`, which afterwards install the optional oneDNN
 * convolutions over ours (native-conv-kernels.ts); calling this directly
 * later puts our wasm conv kernels back.
 */
export function registerExtraKernels(): string[] {
  registerTfjsGradients();
  const added: string[] = [];
  for (const config of EXTRA_KERNELS) {
    // Only for loaded backends: a backend package registering its own kernels
    // after ours would override them (with a warning).
    if (!tf.findBackendFactory(config.backendName)) continue;
    if (tf.getKernel(config.kernelName, config.backendName) !== config) {
      replaceKernel(config);
      added.push(`${config.backendName}:${config.kernelName}`);
    }
  }
  for (const fix of KERNEL_FIXES) {
    const stock = tf.getKernel(fix.kernelName, fix.backendName);
    if (stock && !wrapped.has(stock)) {
      // Keep the stock kernel's setup/dispose hooks (wasm kernels bind their C++ entry points in setupFunc).
      const config: tf.KernelConfig = { ...fix.wrap(stock), setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc };
      wrapped.add(config);
      replaceKernel(config);
      added.push(`${fix.backendName}:${fix.kernelName} (fix)`);
    }
  }
  for (const config of EXTRA_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) {
      if (tf.getGradient(config.kernelName)) tf.unregisterGradient(config.kernelName);
      tf.registerGradient(config);
      added.push(`gradient:${config.kernelName}`);
    }
  }
  return added;
}

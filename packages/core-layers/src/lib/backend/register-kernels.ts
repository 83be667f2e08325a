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
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2dGradConfig } from './conv2d-grad';

/** Every extra kernel we provide, by backend. */
export const EXTRA_KERNELS: readonly tf.KernelConfig[] = [conv2dBackpropFilterWasmConfig];

/** Gradients that replace or add to tfjs's (e.g. dilated Conv2D). */
export const EXTRA_GRADIENTS: readonly tf.GradConfig[] = [conv2dGradConfig];

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

/**
 * Registers tfjs's gradients, then every extra kernel and gradient not yet
 * registered. Returns the names registered by this call.
 */
export function registerExtraKernels(): string[] {
  registerTfjsGradients();
  const added: string[] = [];
  for (const config of EXTRA_KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName) !== config) {
      if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
      tf.registerKernel(config);
      added.push(`${config.backendName}:${config.kernelName}`);
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

/**
 * Putting kernel configs in place over whatever is registered for their
 * backend (the native overrides go over our JS/wasm kernels), idempotently.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Registers each config unless it is already the registered one. */
export function installKernels(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName) === config) continue;
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}

/** True when every config is the registered kernel of its name and backend right now. */
export function kernelsInstalled(configs: readonly tf.KernelConfig[] | undefined): boolean {
  return !!configs && configs.every((c) => tf.getKernel(c.kernelName, c.backendName) === c);
}

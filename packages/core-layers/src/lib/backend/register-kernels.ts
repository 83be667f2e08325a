/**
 * The one place our extra tfjs kernels are registered (STYLE §5): each kernel
 * file exports a `KernelConfig`; nothing registers itself on import.
 * Registration is idempotent, so calling this again (e.g. after loading a
 * backend later) is harmless.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Every extra kernel we provide, by backend. */
export const EXTRA_KERNELS: readonly tf.KernelConfig[] = [];

/** Registers every extra kernel not yet registered; returns the names registered now. */
export function registerExtraKernels(): string[] {
  const added: string[] = [];
  for (const config of EXTRA_KERNELS) {
    if (!tf.getKernel(config.kernelName, config.backendName)) {
      tf.registerKernel(config);
      added.push(`${config.backendName}:${config.kernelName}`);
    }
  }
  return added;
}

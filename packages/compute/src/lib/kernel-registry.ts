/**
 * Putting kernel configs in place over whatever is registered for their
 * backend (ours over tfjs's, the native ones over ours), idempotently, and
 * remembering what implements each: `kernelImplementation` answers, for the
 * kernel registered now, whether it runs native code (the addon: oneDNN or
 * OpenMP loops on every core), a JS loop (ours or tfjs-backend-cpu's), a
 * tfjs-backend-wasm kernel, libtensorflow, or a composition of other kernels.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What runs a kernel. */
export type KernelImplementation = 'native' | 'js' | 'wasm' | 'libtensorflow' | 'composed';

const implementations = new WeakMap<tf.KernelConfig, KernelImplementation>();

/** Registers `config` (replacing the registered one unless it is already that one), recording its implementation. */
export function putKernel(config: tf.KernelConfig, implementation: KernelImplementation): void {
  implementations.set(config, implementation);
  const current = tf.getKernel(config.kernelName, config.backendName);
  if (current === config) return;
  if (current) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Registers each config with `putKernel`. */
export function putKernels(configs: readonly tf.KernelConfig[], implementation: KernelImplementation): void {
  for (const c of configs) putKernel(c, implementation);
}

/**
 * True when every config's kernel is the one registered for its name and
 * backend right now: its function (a registrar may wrap it in a new config),
 * or a config `putKernel` recorded as native. The second keeps the answer
 * when a tool wraps registered functions in place (the bench's kernel timer):
 * callers choose algorithms by it, and a profile must not change them.
 */
export function kernelsInstalled(configs: readonly tf.KernelConfig[] | undefined): boolean {
  return (
    !!configs &&
    configs.length > 0 &&
    configs.every((c) => {
      const registered = tf.getKernel(c.kernelName, c.backendName);
      return registered !== undefined && (registered.kernelFunc === c.kernelFunc || implementations.get(registered) === 'native');
    })
  );
}

/** How the stock kernels of each tfjs backend run. */
const STOCK: Record<string, KernelImplementation> = { cpu: 'js', native: 'js', wasm: 'wasm', tensorflow: 'libtensorflow' };

/**
 * What implements the kernel `kernelName` registered for `backendName` right
 * now (undefined when none is). Kernels that pick at run time (a native
 * convolution falling back to the stock kernel for NCHW) report their usual
 * path.
 */
export function kernelImplementation(kernelName: string, backendName: string): KernelImplementation | undefined {
  const config = tf.getKernel(kernelName, backendName);
  if (!config) return undefined;
  return implementations.get(config) ?? STOCK[backendName] ?? 'js';
}

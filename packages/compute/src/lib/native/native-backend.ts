/**
 * The `native` tfjs backend: tensors in plain JS typed arrays (tfjs-backend-
 * cpu's data store: one array per tensor, any size, no wasm32 4 GB heap),
 * every cpu kernel registered for it, and the hot ones replaced by the
 * addon's (oneDNN primitives and OpenMP loops on all cores) working in place
 * on those arrays (native/kernels.ts). It exists only where the addon loads.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The tfjs name of the backend. */
export const NATIVE_BACKEND = 'native';

/** tfjs-backend-cpu's backend under another name; its kernels are registered separately. */
export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // tfjs-backend-cpu prints an "install tfjs-node" banner on its first tensor; not ours to print.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

/** Registers the backend factory once (the kernels are the registrar's: register-kernels.ts). */
export function registerNativeBackendFactory(): void {
  if (tf.findBackendFactory(NATIVE_BACKEND)) return;
  // Priority below wasm's and cpu's: only chosen by name (initBackend decides the order).
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
}

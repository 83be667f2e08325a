/** registerExtraKernels: tfjs's gradients present, ours registered once, idempotent. */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '../testing';
import { EXTRA_GRADIENTS, EXTRA_KERNELS, KERNEL_FIXES, registerExtraKernels } from './register-kernels';

// This registry alone: the optional oneDNN kernels (native-conv-kernels.ts) are
// installed after it by startBackend and replace the wasm conv kernels.
process.env['SEMADAPT_NATIVE'] = '0';

describe('registerExtraKernels', () => {
  it('after cpu and wasm start: stock gradients exist, every extra kernel/gradient is the registered one, a second call adds nothing', async () => {
    await setTestBackend('cpu');
    await setTestBackend('wasm');
    // Stock tfjs gradients (absent from tfjs-core's CommonJS build) are registered.
    for (const k of ['Add', 'Relu', 'BatchMatMul', 'ResizeBilinear', 'Conv2DBackpropInput', 'Mean']) expect(tf.getGradient(k)).toBeDefined();
    for (const k of EXTRA_KERNELS) expect(tf.getKernel(k.kernelName, k.backendName)).toBe(k);
    for (const g of EXTRA_GRADIENTS) expect(tf.getGradient(g.kernelName)).toBe(g);
    for (const f of KERNEL_FIXES) expect(tf.getKernel(f.kernelName, f.backendName)).toBeDefined();
    expect(registerExtraKernels()).toEqual([]);
  });
});

/**
 * The registrars: tfjs's gradients and ours in place; every fused kernel our
 * ops call registered on every backend that started (cpu, wasm, native where
 * the addon loads); native carries every cpu kernel; a second registration
 * changes nothing; and nothing registers at call time (a training step leaves
 * the registry as the registrar left it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, testBackends } from '../testing';
import { BACKEND_REGISTRARS, EXTRA_GRADIENTS, registerBackendKernels } from './register-kernels';
import { FUSED_KERNEL_NAMES } from './composed-kernels';
import { kernelImplementation } from './kernel-registry';
import { instanceNormalize } from './normalization-kernels';
import { NATIVE_KERNELS } from './native/kernels';
import { convGradientKernelsTakeDilations } from './native-conv-kernels';

/** Every registered kernel config of `backend`, by name. */
function snapshot(backend: string): Map<string, tf.KernelConfig> {
  return new Map(tf.getKernelsForBackend(backend).map((k) => [k.kernelName, k]));
}

describe.each(testBackends())('registrar of %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it('tfjs and our gradients, and every fused kernel, are registered', () => {
    for (const k of ['Add', 'Relu', 'BatchMatMul', 'ResizeBilinear', 'Conv2DBackpropInput', 'Mean']) expect(tf.getGradient(k)).toBeDefined();
    for (const g of EXTRA_GRADIENTS) expect(tf.getGradient(g.kernelName)).toBe(g);
    for (const name of FUSED_KERNEL_NAMES) {
      expect(tf.getKernel(name, backend)).toBeDefined();
      expect(kernelImplementation(name, backend)).toMatch(/^(native|js|composed)$/);
    }
  });

  it('is idempotent, and a training step registers nothing', () => {
    const before = snapshot(backend);
    registerBackendKernels(backend);
    const x = tf.variable(tf.randomNormal([1, 6, 5, 3], 0, 1, 'float32', 3));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(instanceNormalize(tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect') as tf.Tensor4D, 1e-5))));
    tf.dispose([value, ...Object.values(grads), x]);
    const after = snapshot(backend);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, config] of before) expect(after.get(name)).toBe(config);
  });
});

describe('native registrar', () => {
  it('carries every cpu kernel (where the native backend exists)', async () => {
    if (!testBackends().includes('native')) {
      console.warn('\n*** NATIVE BACKEND NOT TESTED: the addon is not loaded ***\n');
      expect(BACKEND_REGISTRARS['native']).toBeDefined();
      return;
    }
    await setTestBackend('cpu');
    await setTestBackend('native');
    const native = snapshot('native');
    for (const name of snapshot('cpu').keys()) expect(native.has(name)).toBe(true);
    for (const name of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'FusedConv2D']) expect(kernelImplementation(name, 'native')).toBe('native');
    const nativeNames = new Set(NATIVE_KERNELS.map((k) => k.kernelName));
    for (const name of native.keys()) expect(kernelImplementation(name, 'native')).toBe(nativeNames.has(name) ? 'native' : kernelImplementation(name, 'cpu'));
  });
});

describe('a kernel timer wrapping registered functions in place (as `npm run bench -- --profile`)', () => {
  it('leaves the algorithm choices made from what is registered unchanged', async () => {
    for (const backend of testBackends()) {
      await setTestBackend(backend);
      const before = convGradientKernelsTakeDilations();
      const restore = tf.getKernelsForBackend(backend).map((config) => {
        const mutable = config as { kernelFunc: tf.KernelFunc };
        const original = mutable.kernelFunc;
        mutable.kernelFunc = (args) => original(args);
        return () => (mutable.kernelFunc = original);
      });
      try {
        expect(convGradientKernelsTakeDilations()).toBe(before);
      } finally {
        for (const r of restore) r();
      }
    }
    if (testBackends().includes('native')) {
      await setTestBackend('native');
      expect(convGradientKernelsTakeDilations()).toBe(true);
    }
  });
});

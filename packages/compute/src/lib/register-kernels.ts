/**
 * The one place our tfjs pieces are registered (STYLE §5), as tfjs's own
 * `register_all_kernels`: one registrar per backend, run by `startBackend`
 * before the backend is used, never at call time. Kernel and gradient files
 * export config objects; nothing registers itself on import. Every registrar
 * is idempotent.
 *
 * Every backend gets every fused kernel our ops call (instance / layer norm
 * and their gradients, Adam and SGD updates, the MirrorPad fold, the
 * filter-and-bias gradient, spectral norm's power iteration and weight
 * gradient): a JS loop over its memory, the native addon's code, or the
 * composition of tfjs ops (composed-kernels.ts) — so layers and optimizers
 * call the op and never ask what the backend has.
 *
 * `registerGradients` also loads tfjs's own gradients: `@tensorflow/tfjs-core`
 * alone ships no gradient configs in its CommonJS build (they live in an
 * ES-module-only `dist/register_all_gradients.js` whose extensionless imports
 * Node cannot load). The `@tensorflow/tfjs` union package carries a CommonJS
 * copy that registers them into tfjs-core's global registry, so we require it
 * here, once and explicitly; everything else imports `@tensorflow/tfjs-core`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { columnMeanWasmFix, columnSumWasmFix, useNativeColumnSums } from './column-sum-kernel';
import { scalarTileWasmFix } from './scalar-tile-kernel';
import { composedKernelConfig, composedKernelConfigs } from './composed-kernels';
import { installEagerFreeGradients } from './eager-free-gradients';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter-wasm';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input-wasm';
import { conv2dGradConfig } from './conv2d-grad';
import { identityWasmConfig } from './identity-wasm';
import { kernelImplementation, putKernel, putKernels, type KernelImplementation } from './kernel-registry';
import { maxPoolGradWasmConfig } from './max-pool-grad-wasm';
import { meanGradConfig } from './mean-grad';
import { mirrorPadGradConfig } from './mirror-pad-grad';
import { mirrorPadFoldConfig } from './mirror-pad-fold-kernel';
import { CONV2D_BACKPROP_FILTER_BIAS, nativeConvKernelConfigs } from './native-conv-kernels';
import { nativeColumnSums, nativeElementwiseKernelConfigs } from './native-elementwise-kernels';
import { NORMALIZATION_GRADIENTS, normalizationKernelConfigs } from './normalization-kernels';
import { optimizerKernelConfigs } from './optimizer-kernels';
import { nativeSpectralNormKernelConfigs, spectralNormKernelConfigs } from './spectral-norm-kernel';
import { avgPoolGradConfig, maxPoolGradConfig, maxPoolWasmCeilFix } from './pool-fixes';
import { resizeBilinearGradCpuFix } from './resize-bilinear-grad-cpu';
import { RELU_GRAD, reluGradConfig, reluGradCpuConfig } from './relu-grad-kernel';
import { squareGradConfig } from './square-grad';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum-wasm';
import { loadNativeKernels } from './native/addon';
import { NATIVE_BACKEND } from './native/native-backend';
import { NATIVE_KERNELS } from './native/kernels';

/** Gradients that replace or add to tfjs's (e.g. dilated Conv2D; Mean, Square and Relu without needless full-size passes). */
export const EXTRA_GRADIENTS: readonly tf.GradConfig[] = [conv2dGradConfig, meanGradConfig, squareGradConfig, avgPoolGradConfig, maxPoolGradConfig, mirrorPadGradConfig, reluGradConfig, ...NORMALIZATION_GRADIENTS];

/** A fix that wraps a stock kernel (applied once over the stock kernel; its setup/dispose hooks kept). */
interface KernelFix {
  kernelName: string;
  wrap: (stock: tf.KernelConfig) => tf.KernelConfig;
  implementation: KernelImplementation;
}

/** Our JS kernels for the cpu backend (also copied to native, under its native ones). */
const cpuKernels = (): tf.KernelConfig[] => [
  ...normalizationKernelConfigs('cpu'),
  ...optimizerKernelConfigs('cpu'),
  mirrorPadFoldConfig('cpu'),
  ...spectralNormKernelConfigs('cpu'),
  reluGradCpuConfig(),
];
const CPU_FIXES: readonly KernelFix[] = [{ kernelName: 'ResizeBilinearGrad', wrap: resizeBilinearGradCpuFix, implementation: 'js' }];

/** Our kernels for the wasm backend: wasm kernels tfjs lacks or runs slowly, and JS loops over its heap. */
const WASM_KERNELS: readonly [tf.KernelConfig, KernelImplementation][] = [
  [conv2dBackpropFilterWasmConfig, 'wasm'],
  [conv2dBackpropInputWasmConfig, 'wasm'],
  [maxPoolGradWasmConfig, 'js'],
  [unsortedSegmentSumWasmConfig, 'wasm'],
  [identityWasmConfig, 'wasm'],
  [mirrorPadFoldConfig('wasm'), 'js'],
  ...normalizationKernelConfigs('wasm').map((c) => [c, 'js'] as [tf.KernelConfig, KernelImplementation]),
  ...optimizerKernelConfigs('wasm').map((c) => [c, 'js'] as [tf.KernelConfig, KernelImplementation]),
  ...spectralNormKernelConfigs('wasm').map((c) => [c, 'js'] as [tf.KernelConfig, KernelImplementation]),
];
const WASM_FIXES: readonly KernelFix[] = [
  { kernelName: 'MaxPool', wrap: maxPoolWasmCeilFix, implementation: 'wasm' },
  { kernelName: 'Sum', wrap: columnSumWasmFix, implementation: 'js' },
  { kernelName: 'Mean', wrap: columnMeanWasmFix, implementation: 'js' },
  { kernelName: 'Tile', wrap: scalarTileWasmFix, implementation: 'js' },
];

const wrapped = new WeakSet<tf.KernelConfig>();

/** Wraps each stock kernel of `backendName` once (a second call finds the wrapper in place). */
function applyFixes(backendName: string, fixes: readonly KernelFix[]): void {
  for (const fix of fixes) {
    const stock = tf.getKernel(fix.kernelName, backendName);
    if (!stock || wrapped.has(stock)) continue;
    const config: tf.KernelConfig = { ...fix.wrap(stock), backendName, setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc };
    wrapped.add(config);
    putKernel(config, fix.implementation);
  }
}

let tfjsGradientsLoaded = false;

/**
 * tfjs's stock gradients (see the file comment), then ours over them, and the
 * engine's backward walk replaced by one that frees as it goes
 * (eager-free-gradients.ts). Idempotent.
 */
export function registerGradients(): void {
  installEagerFreeGradients();
  if (!tfjsGradientsLoaded) {
    if (!tf.getGradient('Conv2D')) require('@tensorflow/tfjs');
    if (!tf.getGradient('Conv2D')) throw new Error('registerGradients: loading @tensorflow/tfjs did not register the tfjs gradients');
    tfjsGradientsLoaded = true;
  }
  for (const config of EXTRA_GRADIENTS) {
    if (tf.getGradient(config.kernelName) === config) continue;
    if (tf.getGradient(config.kernelName)) tf.unregisterGradient(config.kernelName);
    tf.registerGradient(config);
  }
}

let cpuConfigs: tf.KernelConfig[] | undefined;

/** cpu: our JS loops for the fused kernels, the filter-and-bias gradient composed, the ResizeBilinearGrad fix. */
export function registerCpuKernels(): void {
  cpuConfigs ??= [...cpuKernels(), composedKernelConfig(CONV2D_BACKPROP_FILTER_BIAS, 'cpu')];
  for (const c of cpuConfigs) putKernel(c, c.kernelName === CONV2D_BACKPROP_FILTER_BIAS ? 'composed' : 'js');
  applyFixes('cpu', CPU_FIXES);
}

let wasmFilterBias: tf.KernelConfig | undefined;
let wasmReluGrad: tf.KernelConfig | undefined;

/**
 * wasm: our wasm kernels and fixes, JS loops over its heap; with the addon,
 * its convolutions, normalization/optimizer loops and column sums over the
 * heap in place.
 */
export function registerWasmKernels(): void {
  for (const [c, impl] of WASM_KERNELS) putKernel(c, impl);
  wasmFilterBias ??= composedKernelConfig(CONV2D_BACKPROP_FILTER_BIAS, 'wasm');
  putKernel(wasmFilterBias, 'composed');
  wasmReluGrad ??= composedKernelConfig(RELU_GRAD, 'wasm');
  putKernel(wasmReluGrad, 'composed');
  applyFixes('wasm', WASM_FIXES);
  const { addon } = loadNativeKernels();
  if (!addon) {
    useNativeColumnSums(null);
    return;
  }
  putKernels(nativeConvKernelConfigs(addon, 'wasm'), 'native');
  const loops = nativeElementwiseKernelConfigs(addon, 'wasm');
  if (loops) putKernels(loops, 'native');
  const spectralNorm = nativeSpectralNormKernelConfigs(addon, 'wasm');
  if (spectralNorm) putKernels(spectralNorm, 'native');
  useNativeColumnSums(nativeColumnSums(addon) ?? null);
}

let nativeConfigs: tf.KernelConfig[] | undefined;

/**
 * native: every cpu kernel (tfjs's and ours, as `registerCpuKernels` leaves
 * them), then `NATIVE_KERNELS` over them. Needs the addon (the backend
 * exists only where it loads).
 */
export function registerNativeKernels(): void {
  const { addon, status } = loadNativeKernels();
  if (!addon) throw new Error(`native backend: ${status.detail}`);
  registerCpuKernels();
  if (!nativeConfigs) {
    for (const c of tf.getKernelsForBackend('cpu')) {
      const impl = kernelImplementation(c.kernelName, 'cpu') ?? 'js';
      putKernel({ ...c, backendName: NATIVE_BACKEND }, impl);
    }
    // Build every function first: a group (the convolutions) captures the JS kernels it falls back to.
    nativeConfigs = NATIVE_KERNELS.map((k) => ({ kernelName: k.kernelName, backendName: NATIVE_BACKEND, kernelFunc: k.make(addon, tf.getKernel(k.kernelName, NATIVE_BACKEND)) }));
  }
  putKernels(nativeConfigs, 'native');
}

let tensorflowConfigs: tf.KernelConfig[] | undefined;

/** tfjs-node ('tensorflow'): our fused kernels composed from tfjs ops (its memory is libtensorflow's). */
export function registerTensorflowKernels(): void {
  tensorflowConfigs ??= composedKernelConfigs('tensorflow');
  putKernels(tensorflowConfigs, 'composed');
}

/** The registrar of each tfjs backend name. */
export const BACKEND_REGISTRARS: Readonly<Record<string, () => void>> = {
  cpu: registerCpuKernels,
  wasm: registerWasmKernels,
  [NATIVE_BACKEND]: registerNativeKernels,
  tensorflow: registerTensorflowKernels,
};

/** Gradients, then the kernels of `tfBackend` (a name in `BACKEND_REGISTRARS`). */
export function registerBackendKernels(tfBackend: string): void {
  registerGradients();
  const registrar = BACKEND_REGISTRARS[tfBackend];
  if (!registrar) throw new Error(`registerBackendKernels: no registrar for tfjs backend '${tfBackend}' (known: ${Object.keys(BACKEND_REGISTRARS).join(', ')})`);
  registrar();
}

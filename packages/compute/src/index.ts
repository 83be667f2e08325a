/** Public API of @semadapt/compute: backend choice and start-up, kernel registrars, our fused ops and their kernel names. */
export * from './lib/init-backend';
export { registerBackendKernels, registerGradients, BACKEND_REGISTRARS } from './lib/register-kernels';
export { kernelImplementation, type KernelImplementation } from './lib/kernel-registry';
export { loadNativeKernels, NATIVE_HOWTO, type NativeKernelsStatus } from './lib/native/addon';
export { returnFreedHeapToOs, withFreedMemoryReturned, STEADY_MMAP_THRESHOLD, STEADY_TRIM_THRESHOLD, TRANSIENT_MMAP_THRESHOLD } from './lib/native/heap';
export { NATIVE_BACKEND, NativeBackend } from './lib/native/native-backend';
export { NATIVE_KERNELS, type NativeKernel } from './lib/native/kernels';
export { nativeIo, type NativeIo, type NativeValues } from './lib/native/native-io';
export { convGradientKernelsTakeDilations, nativeConvKernelsActive, CONV2D_BACKPROP_FILTER_BIAS } from './lib/native-conv-kernels';
export { nativeElementwiseKernelsActive } from './lib/native-elementwise-kernels';
export { instanceNormalize, munitLayerNormalize, fusedInstanceNorm, fusedLayerNorm, INSTANCE_NORM, INSTANCE_NORM_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from './lib/normalization-kernels';
export { ADAM_UPDATE, SGD_UPDATE, fusedAdamUpdate, fusedSgdUpdate, type AdamUpdateAttrs, type SgdUpdateAttrs } from './lib/optimizer-kernels';
export { composedKernelConfig, composedKernelConfigs, FUSED_KERNEL_NAMES } from './lib/composed-kernels';
export { MIRROR_PAD_FOLD } from './lib/mirror-pad-fold-kernel';
export { RELU_GRAD, reluGrad } from './lib/relu-grad-kernel';
export { SPECTRAL_NORM_GRAD, SPECTRAL_NORM_POWER, spectralNormPowerIteration, spectralNormWeightGrad, type SpectralNormPowerAttrs } from './lib/spectral-norm-kernel';
export { dilatedSameConv } from './lib/dilated-conv';
export { eagerFreeGradients, installEagerFreeGradients, stockGradients } from './lib/eager-free-gradients';

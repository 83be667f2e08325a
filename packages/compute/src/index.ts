/** Public API of @semadapt/compute: backend choice and start-up, our fused ops and their kernel names. */
export * from './lib/init-backend';
export { registerExtraKernels } from './lib/register-kernels';
export { convGradientKernelsTakeDilations, loadNativeKernels, CONV2D_BACKPROP_FILTER_BIAS, type NativeKernelsStatus } from './lib/native-conv-kernels';
export { nativeElementwiseKernelsActive } from './lib/native-elementwise-kernels';
export { instanceNormalize, munitLayerNormalize, fusedInstanceNorm, fusedLayerNorm, INSTANCE_NORM, LAYER_NORM } from './lib/normalization-kernels';
export { ADAM_UPDATE, SGD_UPDATE, fusedAdamUpdate, fusedSgdUpdate, hasFusedUpdate, type AdamUpdateAttrs, type SgdUpdateAttrs } from './lib/optimizer-kernels';
export { mirrorPadGradConfig } from './lib/mirror-pad-grad';
export { dilatedSameConv } from './lib/dilated-conv';

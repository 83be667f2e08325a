/**
 * The kernels the native backend runs through the addon (everything else on
 * it is tfjs-backend-cpu's JS, or our JS kernels registered for cpu). Adding
 * one is one entry in `NATIVE_KERNELS`: its tfjs kernel name and a `make`
 * that receives the loaded addon and the kernel it replaces (`stock`: the
 * JS one, for cases it leaves to it) and returns the kernel function. The
 * function reads inputs and allocates outputs through `nativeIo` (typed
 * arrays, no copies) and hands them to the addon.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OneDnnKernels } from './addon';
import { NATIVE_BACKEND } from './native-backend';
import { nativeConvKernelConfigs, CONV2D_BACKPROP_FILTER_BIAS } from '../native-conv-kernels';
import { nativeElementwiseKernelConfigs } from '../native-elementwise-kernels';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD, LAYER_NORM, LAYER_NORM_GRAD } from '../normalization-kernels';
import { ADAM_UPDATE, SGD_UPDATE } from '../optimizer-kernels';
import { nativeSpectralNormKernelConfigs, SPECTRAL_NORM_GRAD, SPECTRAL_NORM_POWER } from '../spectral-norm-kernel';
import { NATIVE_TENSOR_KERNELS } from './tensor-kernels';

/** One kernel of the native backend. */
export interface NativeKernel {
  kernelName: string;
  /** The kernel function, built once the addon is loaded; `stock` is the kernel registered for 'native' before it. */
  make(addon: OneDnnKernels, stock: tf.KernelConfig | undefined): tf.KernelFunc;
}

/** Entries whose functions come from a group built together (they share state, e.g. the convolutions' reorder tokens). */
function fromGroup(names: readonly string[], group: (addon: OneDnnKernels) => readonly tf.KernelConfig[] | undefined): NativeKernel[] {
  return names.map((kernelName) => ({
    kernelName,
    make: (addon, stock) => {
      const config = group(addon)?.find((c) => c.kernelName === kernelName);
      if (config) return config.kernelFunc;
      if (!stock) throw new Error(`native ${kernelName}: the addon lacks it and there is no JS kernel`);
      return stock.kernelFunc;
    },
  }));
}

/** Every kernel the addon computes on the native backend. */
export const NATIVE_KERNELS: readonly NativeKernel[] = [
  // oneDNN convolutions (strides, dilations, explicit padding; bias fused into the forward and its gradient).
  ...fromGroup(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', CONV2D_BACKPROP_FILTER_BIAS], (addon) => nativeConvKernelConfigs(addon, NATIVE_BACKEND)),
  // OpenMP loops: instance / MUNIT layer norm both ways, one-pass Adam and SGD.
  ...fromGroup([INSTANCE_NORM, INSTANCE_NORM_GRAD, LAYER_NORM, LAYER_NORM_GRAD, ADAM_UPDATE, SGD_UPDATE], (addon) => nativeElementwiseKernelConfigs(addon, NATIVE_BACKEND)),
  // OpenMP loops: spectral norm's power iteration and its weight gradient, two passes each (native/src/spectral_norm.cc).
  ...fromGroup([SPECTRAL_NORM_POWER, SPECTRAL_NORM_GRAD], (addon) => nativeSpectralNormKernelConfigs(addon, NATIVE_BACKEND)),
  // OpenMP loops of native/src/{binary,unary,reduce,layout,index,pool,resize}.cc: elementwise ops with broadcasting,
  // reductions over any axes, data movement, pooling, resizing (tensor-kernels.ts).
  ...NATIVE_TENSOR_KERNELS,
];

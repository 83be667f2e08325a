/**
 * Native convolutions: `Conv2D`, `FusedConv2D` (bias only: oneDNN adds it
 * as it writes y), `Conv2DBackpropInput`, `Conv2DBackpropFilter` (both with
 * dilations) and the filter-and-bias gradient, computed by oneDNN through
 * the `@semadapt/onednn-kernels` addon on all cores, for the native backend
 * (tensors in plain typed arrays) and for the wasm backend (Float32Array
 * views into its WebAssembly.Memory). They read and write the backend's own
 * tensor memory in place, so nothing is copied.
 *
 * NCHW convolutions fall back to the kernel they replaced, and so do those
 * below `SEMADAPT_NATIVE_MIN_FLOPS` (default: none). The pure-JS cpu backend
 * is left alone: it is the reference the kernel specs compare against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvAttrs } from './conv-grad-math';
import { backendMemory as access, type MemoryBackend } from './backend-memory';
import { kernelsInstalled } from './kernel-registry';
import type { ConvGeometry, OneDnnKernels } from './native/addon';
import { sumColumns } from './column-sum-kernel';
import { tensorToken } from './tensor-tokens';

function geometry(xShape: number[], wShape: number[], attrs: ConvAttrs): ConvGeometry {
  const info = convGeometry(xShape, wShape, attrs);
  const p = info.padInfo;
  return {
    xShape,
    wShape,
    yShape: info.outShape,
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.bottom, p.left, p.right],
  };
}

/**
 * Convolutions below `SEMADAPT_NATIVE_MIN_FLOPS` (default 0: none) stay on
 * the kernel they replaced — a choice by geometry alone, read at each call,
 * so a training run computes the same numbers whatever ran before it in the
 * process. (Until 26 Nov 2026 tiny convolutions went native only from their
 * third sighting: a stage run after others, or resumed, then rounded its
 * first steps differently from a fresh run and drifted from it.) oneDNN JITs
 * each new geometry once (milliseconds); the test suite runs no slower.
 */
function minNativeFlops(): number {
  const v = Number(process.env['SEMADAPT_NATIVE_MIN_FLOPS'] ?? 0);
  return Number.isFinite(v) && v >= 0 ? v : 0;
}

function flopsOf(g: ConvGeometry): number {
  const [n, oh, ow, co] = g.yShape;
  const [kh, kw, ci] = g.wShape;
  return 2 * n * oh * ow * co * kh * kw * ci;
}

/** A convolution with an empty input or output (kernel wider than the padded input): the result is all zeros. */
function isEmpty(g: ConvGeometry): boolean {
  return [...g.xShape, ...g.yShape, ...g.wShape].some((d) => d <= 0);
}

/**
 * The filter and bias gradients of a biased convolution in one kernel
 * (inputs x, dy; `Conv2DBackpropFilter`'s attrs; outputs [dw, db]): oneDNN
 * sums dy for db in the same pass that computes dw where the addon runs the
 * convolutions; composed (filter gradient, then Σ dy) elsewhere
 * (composed-kernels.ts). core-layers' `conv2dWithBias` runs it.
 */
export const CONV2D_BACKPROP_FILTER_BIAS = 'SemadaptConv2DBackpropFilterBias';

/**
 * Every output below is written entirely (by oneDNN, or filled where the
 * geometry is empty), so the allocator need not zero it first.
 */
const WRITTEN = true;

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

function nativeConfigs(addon: OneDnnKernels, backendName: MemoryBackend): tf.KernelConfig[] {
  // The kernels being replaced, captured now: the fallback for NCHW convolutions and those below SEMADAPT_NATIVE_MIN_FLOPS.
  const stocks = new Map(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'].map((n) => [n, tf.getKernel(n, backendName)]));
  const fallback = (kernelName: string, args: KernelArgs) => {
    const k = stocks.get(kernelName);
    if (!k) throw new Error(`native ${kernelName}: no ${backendName} kernel to fall back to (NCHW, or below SEMADAPT_NATIVE_MIN_FLOPS)`);
    return k.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  };
  // Dilated gradients have no stock kernel (tfjs's take no dilation): they always run here.
  const dilated = (g: ConvGeometry) => g.dilations[0] !== 1 || g.dilations[1] !== 1;
  const staysOnStock = (g: ConvGeometry) => !dilated(g) && flopsOf(g) < minNativeFlops();
  const keep = (n: string) => ({ setupFunc: stocks.get(n)?.setupFunc, disposeFunc: stocks.get(n)?.disposeFunc });

  const conv2d = (args: KernelArgs): tf.TensorInfo => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dataFormat: 'NHWC' | 'NCHW' };
    if (attrs.dataFormat === 'NCHW') return fallback('Conv2D', args);
    const g = geometry(x.shape, filter.shape, attrs);
    if (staysOnStock(g)) return fallback('Conv2D', args);
    const io = access(args.backend, backendName);
    const out = io.alloc(g.yShape, WRITTEN);
    if (isEmpty(g)) out.view().fill(0);
    else addon.conv2dForward(g, io.read(x), io.read(filter), out.view(), tensorToken(x), tensorToken(filter));
    return out.info;
  };
  // conv + per-channel bias, what `tf.fused.conv2d({ bias })` (the Conv2d layer) runs; activations,
  // PReLU weights and scalar biases stay on the stock kernel.
  const fusedConv2d = (args: KernelArgs): tf.TensorInfo => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined> & { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dataFormat: 'NHWC' | 'NCHW'; activation: string };
    const co = filter.shape[3];
    const plainBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === co);
    if (attrs.dataFormat === 'NCHW' || (attrs.activation ?? 'linear') !== 'linear' || preluActivationWeights || !plainBias) {
      return fallback('FusedConv2D', args);
    }
    const g = geometry(x.shape, filter.shape, attrs);
    if (staysOnStock(g)) return fallback('FusedConv2D', args);
    const io = access(args.backend, backendName);
    const out = io.alloc(g.yShape, WRITTEN);
    if (isEmpty(g)) {
      const y = out.view();
      if (bias) for (let i = 0; i < y.length; i += co) y.set(io.read(bias), i);
      else y.fill(0);
    } else {
      addon.conv2dForward(g, io.read(x), io.read(filter), out.view(), tensorToken(x), tensorToken(filter), bias ? io.read(bias) : undefined);
    }
    return out.info;
  };
  const backpropInput = (args: KernelArgs): tf.TensorInfo => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dataFormat: 'NHWC' | 'NCHW'; inputShape: number[] };
    if (attrs.dataFormat === 'NCHW') return fallback('Conv2DBackpropInput', args);
    const g = geometry(attrs.inputShape, filter.shape, attrs);
    if (staysOnStock(g)) return fallback('Conv2DBackpropInput', args);
    const io = access(args.backend, backendName);
    const out = io.alloc(attrs.inputShape, WRITTEN);
    if (isEmpty(g)) out.view().fill(0);
    else addon.conv2dBackwardData(g, io.read(dy), io.read(filter), out.view(), tensorToken(dy), tensorToken(filter));
    return out.info;
  };
  const backpropFilter = (args: KernelArgs): tf.TensorInfo => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dataFormat: 'NHWC' | 'NCHW'; filterShape: number[] };
    if (attrs.dataFormat === 'NCHW') return fallback('Conv2DBackpropFilter', args);
    const g = geometry(x.shape, attrs.filterShape, attrs);
    if (staysOnStock(g)) return fallback('Conv2DBackpropFilter', args);
    const io = access(args.backend, backendName);
    const out = io.alloc(attrs.filterShape, WRITTEN);
    if (isEmpty(g)) out.view().fill(0);
    else addon.conv2dBackwardWeights(g, io.read(x), io.read(dy), out.view(), tensorToken(x), tensorToken(dy));
    return out.info;
  };
  const backpropFilterBias = (args: KernelArgs): tf.TensorInfo[] => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dataFormat: 'NHWC' | 'NCHW'; filterShape: number[] };
    if (attrs.dataFormat === 'NCHW') throw new Error(`${CONV2D_BACKPROP_FILTER_BIAS}: NHWC only, received NCHW`);
    const co = attrs.filterShape[3];
    const g = geometry(x.shape, attrs.filterShape, attrs);
    const io = access(args.backend, backendName);
    if (isEmpty(g) || staysOnStock(g)) {
      // dw as the filter-gradient kernel computes it for this geometry; db by the column-sum loop.
      const dw = backpropFilter(args);
      const db = io.alloc([co]);
      const dyValues = io.read(dy);
      if (dyValues.length > 0) sumColumns(dyValues, db.view(), dyValues.length / co, co);
      else db.view().fill(0);
      return [dw, db.info];
    }
    const dw = io.alloc(attrs.filterShape, WRITTEN);
    const db = io.alloc([co], WRITTEN);
    addon.conv2dBackwardWeights(g, io.read(x), io.read(dy), dw.view(), tensorToken(x), tensorToken(dy), db.view());
    return [dw.info, db.info];
  };
  return [
    { kernelName: CONV2D_BACKPROP_FILTER_BIAS, backendName, kernelFunc: backpropFilterBias as unknown as tf.KernelFunc },
    { kernelName: 'Conv2D', backendName, kernelFunc: conv2d as unknown as tf.KernelFunc, ...keep('Conv2D') },
    { kernelName: 'FusedConv2D', backendName, kernelFunc: fusedConv2d as unknown as tf.KernelFunc, ...keep('FusedConv2D') },
    { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc: backpropInput as unknown as tf.KernelFunc, ...keep('Conv2DBackpropInput') },
    { kernelName: 'Conv2DBackpropFilter', backendName, kernelFunc: backpropFilter as unknown as tf.KernelFunc, ...keep('Conv2DBackpropFilter') },
  ];
}

const built = new Map<string, tf.KernelConfig[]>();

/**
 * The native convolution kernels of `backendName` ('wasm': views into its
 * heap; 'native': its typed arrays), built once — after the kernels they
 * replace are registered, which they keep as the fallback for NCHW
 * convolutions and those below `SEMADAPT_NATIVE_MIN_FLOPS`.
 */
export function nativeConvKernelConfigs(addon: OneDnnKernels, backendName: MemoryBackend): tf.KernelConfig[] {
  let configs = built.get(backendName);
  if (!configs) {
    configs = nativeConfigs(addon, backendName);
    built.set(backendName, configs);
  }
  return configs;
}

/** True when `backendName`'s convolution kernels are the native ones right now. */
export function nativeConvKernelsActive(backendName = 'wasm'): boolean {
  return kernelsInstalled(built.get(backendName));
}

/**
 * Whether `Conv2DBackpropInput` / `Conv2DBackpropFilter` on the active backend
 * accept dilations (the native ones do; tfjs's stock kernels do not), so a
 * dilated convolution's gradient can be two kernels instead of the composed
 * forward-convolution form of conv-grad-math.ts.
 */
export function convGradientKernelsTakeDilations(): boolean {
  return nativeConvKernelsActive(tf.getBackend());
}

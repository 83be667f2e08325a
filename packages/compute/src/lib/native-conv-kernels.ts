/**
 * Optional native convolutions (issue 10): `Conv2D`, `FusedConv2D` (bias
 * only: oneDNN adds it as it writes y), `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter` for the wasm backend (the default one), computed by
 * oneDNN through the `@semadapt/onednn-kernels` addon on all cores. The
 * kernels read and write the backend's own tensor memory in place (a wasm
 * backend's tensors live in one WebAssembly.Memory; the addon receives
 * Float32Array views into it), so nothing is copied.
 *
 * Optional by construction: when the addon was not built (no oneDNN or no
 * compiler at install), or `SEMADAPT_NATIVE=0`, `loadNativeKernels()` says
 * why and the pure wasm/cpu kernels stay in place. NCHW convolutions fall
 * back to the kernel they replaced, and so do those below
 * `SEMADAPT_NATIVE_MIN_FLOPS` (default: none). The pure-JS cpu backend is
 * left alone: it is the reference the kernel specs compare against.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { installKernels, kernelsInstalled } from './kernel-install';
import { convGeometry, type ConvAttrs } from './conv-grad-math';
import { backendMemory as access, type MemoryBackend } from './backend-memory';
import { sumColumns } from './column-sum-kernel';

/** The addon's interface (packages/compute/native/index.d.ts). */
interface ConvGeometry {
  xShape: number[];
  wShape: number[];
  yShape: number[];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}
export interface OneDnnKernels {
  // The optional tokens name the two input tensors (see `tensorToken`): a backward primitive
  // reads x or dy from another primitive's reordered copy of the same tensor instead of
  // reordering it again (addons built before: ignored).
  conv2dForward(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array, xToken?: number, wToken?: number, bias?: Float32Array): void;
  conv2dBackwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array, dyToken?: number, wToken?: number): void;
  conv2dBackwardWeights(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array, xToken?: number, dyToken?: number, db?: Float32Array): void;
  // Normalization and optimizer loops (native/src/elementwise.cc); absent from addons built before them.
  instanceNormForward?(x: Float32Array, y: Float32Array, rstd: Float32Array, n: number, hw: number, c: number, eps: number): void;
  instanceNormBackward?(dy: Float32Array, y: Float32Array, rstd: Float32Array, dx: Float32Array, n: number, hw: number, c: number): void;
  layerNormForward?(x: Float32Array, y: Float32Array, std: Float32Array, n: number, m: number, eps: number): void;
  layerNormBackward?(dy: Float32Array, y: Float32Array, std: Float32Array, dx: Float32Array, n: number, m: number, eps: number): void;
  adamUpdate?(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    beta1: number, beta2: number, eps: number, weightDecay: number, stepSize: number, bias2Sqrt: number): void;
  sgdUpdate?(p: Float32Array, g: Float32Array, b: Float32Array | null, pOut: Float32Array, bOut: Float32Array | null,
    lr: number, momentum: number, nesterov: boolean, weightDecay: number): void;
  columnSums?(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  info(): string;
}

export interface NativeKernelsStatus {
  enabled: boolean;
  /** Why they are off, or what runs ("oneDNN 2.6.3 avx2, 2 threads"). */
  detail: string;
}

const ADDON_PACKAGE = '@semadapt/onednn-kernels';

let loaded: { addon?: OneDnnKernels; status: NativeKernelsStatus } | undefined;

const ISA_NAMES: Record<string, string> = { '1': 'sse41', '3': 'avx', '7': 'avx2', '15': 'avx512_mic', '31': 'avx512_mic_4ops', '39': 'avx512_core', '103': 'avx512_core_vnni', '231': 'avx512_core_bf16', '999': 'avx512_core_amx' };

/**
 * Loads the addon once. `SEMADAPT_NATIVE=0` (or `off`) forces the native
 * kernels off; `SEMADAPT_THREADS` sets their thread count (default: cores).
 */
export function loadNativeKernels(): { addon?: OneDnnKernels; status: NativeKernelsStatus } {
  if (loaded) return loaded;
  const flag = (process.env['SEMADAPT_NATIVE'] ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') {
    loaded = { status: { enabled: false, detail: 'native kernels off (SEMADAPT_NATIVE=0)' } };
    return loaded;
  }
  try {
    // OpenMP's default is to spin between parallel regions: on a shared
    // 2-core machine that steals the main thread's core. Read at load time.
    process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
    // Resolved at run time by package name: the addon is an optionalDependency
    // that may be absent (and lives inside this folder, which lint would read
    // as a same-project import).
    const addon = require(ADDON_PACKAGE) as OneDnnKernels;
    const threads = Number(process.env['SEMADAPT_THREADS'] ?? os.cpus().length);
    addon.setNumThreads(Math.max(1, Number.isFinite(threads) ? threads : 1));
    const [version, isa] = addon.info().split(' ');
    loaded = { addon, status: { enabled: true, detail: `oneDNN ${version} ${ISA_NAMES[isa] ?? `isa ${isa}`}, ${addon.getNumThreads()} threads` } };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    loaded = {
      status: {
        enabled: false,
        detail: `native kernels unavailable (${why}); install libdnnl-dev, g++ and make, then \`npm rebuild @semadapt/onednn-kernels\``,
      },
    };
  }
  return loaded;
}

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
 * sums dy for db in the same pass that computes dw. Registered for wasm when
 * the addon is loaded; `conv2dWithBias` uses it where it is registered.
 */
export const CONV2D_BACKPROP_FILTER_BIAS = 'SemadaptConv2DBackpropFilterBias';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap };

const tokens = new WeakMap<object, number>();
let lastToken = 0;

/**
 * A number naming a tensor's data for as long as it lives, never reused:
 * tfjs tensors are immutable and every new tensor (a variable's assign too)
 * gets a new `dataId` object, so equal tokens mean equal contents.
 */
function tensorToken(t: tf.TensorInfo): number {
  let k = tokens.get(t.dataId);
  if (k === undefined) {
    k = ++lastToken;
    tokens.set(t.dataId, k);
  }
  return k;
}

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
    const out = io.alloc(g.yShape);
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
    const out = io.alloc(g.yShape);
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
    const out = io.alloc(attrs.inputShape);
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
    const out = io.alloc(attrs.filterShape);
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
    const dw = io.alloc(attrs.filterShape);
    const db = io.alloc([co]);
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

let nativeWasm: tf.KernelConfig[] | undefined;

/**
 * Replaces the wasm backend's three convolution kernels with the native ones
 * when the addon is available (after `registerExtraKernels`' own wasm
 * kernels, which stay as the NCHW fallback). Idempotent: a later
 * re-registration of other kernels is undone on the next call. Returns the
 * status to log.
 */
export function installNativeConvKernels(): NativeKernelsStatus {
  const { addon, status } = loadNativeKernels();
  if (!addon || !tf.findBackendFactory('wasm')) return status;
  nativeWasm ??= nativeConfigs(addon, 'wasm');
  installKernels(nativeWasm);
  return status;
}

/** True when the wasm backend's convolution kernels are the native ones right now. */
export function nativeConvKernelsActive(): boolean {
  return kernelsInstalled(nativeWasm);
}

/**
 * Whether `Conv2DBackpropInput` / `Conv2DBackpropFilter` on the active backend
 * accept dilations (the native ones do; tfjs's stock kernels do not), so a
 * dilated convolution's gradient can be two kernels instead of the composed
 * forward-convolution form of conv-grad-math.ts.
 */
export function convGradientKernelsTakeDilations(): boolean {
  return tf.getBackend() === 'wasm' && nativeConvKernelsActive();
}

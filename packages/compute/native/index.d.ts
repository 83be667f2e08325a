/** Convolution geometry shared by the three kernels (NHWC activations, HWIO filters). */
export interface ConvGeometry {
  /** [N, H, W, C] of the input. */
  xShape: [number, number, number, number];
  /** [KH, KW, CI, CO]. */
  wShape: [number, number, number, number];
  /** [N, OH, OW, CO]. */
  yShape: [number, number, number, number];
  strides: [number, number];
  /** tfjs convention: 1 = no dilation. */
  dilations: [number, number];
  /** [top, bottom, left, right]. */
  pads: [number, number, number, number];
}

/**
 * y = conv(x, w) (+ bias, [CO], added as y is written). Arrays are views (e.g. into a WebAssembly.Memory);
 * nothing is copied. The optional tokens name the tensors x and w (numbers > 0, never reused for
 * other contents): a backward primitive of the same geometry then reads x from this one's reordered copy.
 */
export function conv2dForward(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array, xToken?: number, wToken?: number, bias?: Float32Array | null): void;
/** dx = conv2d backward data (dy, w); dyToken lets the filter gradient share the reordered dy. */
export function conv2dBackwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array, dyToken?: number, wToken?: number): void;
/** dw = conv2d backward weights (x, dy). */
export function conv2dBackwardWeights(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array, xToken?: number, dyToken?: number): void;
/** Instance norm over NHWC x viewed as [n, hw, c]: y and rstd = 1/√(σ² + eps) per (sample, channel), [n·c]. */
export function instanceNormForward(x: Float32Array, y: Float32Array, rstd: Float32Array, n: number, hw: number, c: number, eps: number): void;
/** dx = rstd·(dy − mean(dy) − y·mean(dy·y)) per (sample, channel). */
export function instanceNormBackward(dy: Float32Array, y: Float32Array, rstd: Float32Array, dx: Float32Array, n: number, hw: number, c: number): void;
/** MUNIT layer norm over [n, m] (m = C·H·W): y = (x − μ)/(std + eps), std unbiased, [n]. */
export function layerNormForward(x: Float32Array, y: Float32Array, std: Float32Array, n: number, m: number, eps: number): void;
/** dx = (dy − mean(dy))/(std + eps) − y·Σ(dy·y)/((m − 1)·std) per sample. */
export function layerNormBackward(dy: Float32Array, y: Float32Array, std: Float32Array, dx: Float32Array, n: number, m: number, eps: number): void;
/** out[c] = Σ_r x[r·cols + c]: sums over every axis but the last (a bias gradient), accumulated in double. */
export function columnSums(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
/**
 * Spectral norm's weight gradient over the weight viewed as [pre, rows, post] (rows its out axis), u [rows],
 * vw [pre·post]: dw = (dy − c·u[o]·vw[p, q]) / sigma with c = Σ(dy·w)/sigma accumulated in double.
 */
export function spectralNormGrad(dy: Float32Array, w: Float32Array, u: Float32Array, vw: Float32Array, dw: Float32Array, pre: number, rows: number, post: number, sigma: number): void;
/**
 * Spectral norm's power iteration over the same view: with `update`, vwOut = normalize(Wᵀu), uOut = normalize(W·vwOut)
 * (normalize(x) = x / max(‖x‖, eps)); else uOut = u, vwOut = vw. sigmaOut[0] = uOutᵀ·W·vwOut. Sums in double.
 */
export function spectralNormPower(w: Float32Array, u: Float32Array, vw: Float32Array, uOut: Float32Array, vwOut: Float32Array, sigmaOut: Float32Array,
  pre: number, rows: number, post: number, update: boolean, eps: number): void;
/**
 * Tensor memory of the native backend: an ArrayBuffer over a 64-byte-aligned malloc'd block of `bytes`,
 * zero-filled when `zero`. V8 is told of its size; its finalizer frees it unless `release` did.
 */
export function allocate(bytes: number, zero: boolean): ArrayBuffer;
/** Detaches `buffer` (its views then read as empty) and frees its block now; false when it is not a live block of `allocate`'s. */
export function release(buffer: ArrayBuffer): boolean;
/** Blocks of `allocate`'s not yet freed, and their bytes. */
export function memoryStats(): { blocks: number; bytes: number };
/** glibc's malloc (heap.cc): mallopt(M_MMAP_THRESHOLD, bytes) — blocks of ≥ bytes get their own mapping, unmapped on free; the threshold stays fixed from then on. True when glibc took it, false off glibc. */
export function heapMmapThreshold(bytes: number): boolean;
/** mallopt(M_TRIM_THRESHOLD, bytes) — free memory at the heap's top beyond bytes goes back to the system at free(); fixed from then on. True when glibc took it, false off glibc. */
export function heapTrimThreshold(bytes: number): boolean;
/** malloc_trim(0): every whole free page of every malloc arena back to the system. True when some went, false off glibc. */
export function heapTrim(): boolean;
/** One Adam update (torch.optim.Adam's arithmetic) into separate output arrays; stepSize = lr/(1 − β1^t), bias2Sqrt = √(1 − β2^t). */
export function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
  beta1: number, beta2: number, eps: number, weightDecay: number, stepSize: number, bias2Sqrt: number): void;
/** One SGD update (momentum buffer b and bOut null for plain SGD). */
export function sgdUpdate(p: Float32Array, g: Float32Array, b: Float32Array | null, pOut: Float32Array, bOut: Float32Array | null,
  lr: number, momentum: number, nesterov: boolean, weightDecay: number): void;
/** The layouts the convolution rule gives a geometry's forward and input gradient (kernels.cc `ChoosePlain`, `ChooseNhwc`). */
export function convLayout(g: ConvGeometry): 'plain' | 'nhwc' | 'blocked';
/** Overrides the rule for convolutions run from now on ('auto': the rule). */
export function setConvLayout(mode: 'plain' | 'nhwc' | 'blocked' | 'auto'): void;
/**
 * The convolution primitives and the blocked-layout copies a later primitive reads are cached per geometry,
 * least recently used first out, bounded in bytes (default 256 MiB, or SEMADAPT_NATIVE_CACHE_MB at load): over
 * the bound the oldest entries' copies are dropped first, whole entries only when the primitives' nominal
 * 64 KiB each pass it. Copies a call makes for itself share one workspace (kept up to 512 MiB, or
 * SEMADAPT_NATIVE_WORKSPACE_MB; `workspaceBytes` sets that bound).
 */
export function setCacheLimit(bytes: number, workspaceBytes?: number): void;
export function cacheStats(): { entries: number; bytes: number; limit: number; evictions: number; drops: number; workspace: number; workspaceLimit: number };
/** Threads oneDNN and the loops (OpenMP) use. */
export function setNumThreads(n: number): void;
/** Loops over fewer elements stay on the calling thread (tensor_args.h, default 2¹⁹); returns the previous bound. */
export function setParallelMin(elements: number): number;
export function getNumThreads(): number;
/** oneDNN version and the ISA its JIT picked, e.g. "2.6.3 avx2". */
export function info(): string;

/**
 * The optional native addon `@semadapt/onednn-kernels` (packages/compute/native):
 * its interface and loading. Every function reads its inputs and writes its
 * outputs through typed-array views of tensor memory (the native backend's
 * own typed arrays, or the wasm heap), in place: nothing is copied.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The addon's interface (packages/compute/native/index.d.ts). */
export interface ConvGeometry {
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
  /** Spectral norm's weight gradient and power iteration (native/src/spectral_norm.cc); absent from addons built before them. */
  spectralNormGrad?(dy: Float32Array, w: Float32Array, u: Float32Array, vw: Float32Array, dw: Float32Array, pre: number, rows: number, post: number, sigma: number): void;
  spectralNormPower?(w: Float32Array, u: Float32Array, vw: Float32Array, uOut: Float32Array, vwOut: Float32Array, sigmaOut: Float32Array, pre: number, rows: number, post: number, update: boolean, eps: number): void;
  /** Tensor memory (native/src/memory.cc): an ArrayBuffer over a malloc'd block, zero-filled when `zero`. */
  allocate?(bytes: number, zero: boolean): ArrayBuffer;
  /** Detaches `buffer` and frees its block now; false when it is not a live block of `allocate`'s. */
  release?(buffer: ArrayBuffer): boolean;
  /** Blocks of `allocate`'s not yet freed, and their bytes. */
  memoryStats?(): { blocks: number; bytes: number };
  /** The layouts the convolution rule (native/src/kernels.cc) gives a geometry's forward and input gradient; absent from addons built before it. */
  convLayout?(g: ConvGeometry): 'plain' | 'nhwc' | 'blocked';
  /** Overrides that rule for convolutions run from now on ('auto': the rule); for measuring it and testing both layouts. */
  setConvLayout?(mode: 'plain' | 'nhwc' | 'blocked' | 'auto'): void;
  /** glibc's malloc (native/src/heap.cc): mallopt(M_MMAP_THRESHOLD, bytes), true when taken (false off glibc). Absent from addons built before it. */
  heapMmapThreshold?(bytes: number): boolean;
  /** mallopt(M_TRIM_THRESHOLD, bytes): free memory at the heap's top beyond it goes back to the system; true when taken (false off glibc). Absent from addons built before it. */
  heapTrimThreshold?(bytes: number): boolean;
  /** malloc_trim(0): free pages of every arena back to the system; true when some went (false off glibc). Absent from addons built before it. */
  heapTrim?(): boolean;
  /**
   * Bounds the convolution primitive cache in bytes (at once: the least recently used entries' copies out first,
   * then entries) and, given
   * `workspaceBytes`, the shared workspace of one-call copies (a call needing more gets a buffer freed after it).
   */
  setCacheLimit(bytes: number, workspaceBytes?: number): void;
  /**
   * The primitive cache: entries, bytes held (copies a later primitive reads + a nominal size per primitive), its
   * bound, entries evicted and entries' copies dropped so far; the workspace's bytes and bound (the last three
   * absent from addons built before them).
   */
  cacheStats(): { entries: number; bytes: number; limit: number; evictions: number; drops?: number; workspace?: number; workspaceLimit?: number };
  setNumThreads(n: number): void;
  /** Loops on fewer elements stay on the calling thread (native/src/tensor_args.h); returns the previous bound. Absent from addons built before it. */
  setParallelMin?(elements: number): number;
  getNumThreads(): number;
  info(): string;
}

export interface NativeKernelsStatus {
  enabled: boolean;
  /** Why they are off, or what runs ("oneDNN 2.6.3 avx2, 2 threads"). */
  detail: string;
}

const ADDON_PACKAGE = '@semadapt/onednn-kernels';

/**
 * How to get the addon where it is missing. After a failed build npm drops
 * the optional dependency from node_modules, so `npm rebuild` finds nothing
 * to rebuild; build-native builds it in place (found by `requireAddon`).
 */
export const NATIVE_HOWTO = 'to build it: apt-get install libdnnl-dev g++ make, then `npx nx run @semadapt/compute:build-native` (or `npm ci`)';

let loaded: { addon?: OneDnnKernels; status: NativeKernelsStatus } | undefined;

const ISA_NAMES: Record<string, string> = { '1': 'sse41', '3': 'avx', '7': 'avx2', '15': 'avx512_mic', '31': 'avx512_mic_4ops', '39': 'avx512_core', '103': 'avx512_core_vnni', '231': 'avx512_core_bf16', '999': 'avx512_core_amx' };

/**
 * The addon by package name (an optionalDependency: absent when its build
 * failed at install, and then dropped from node_modules), else from this
 * package's own `native/` folder, where `nx run @semadapt/compute:build-native`
 * builds it after the fact.
 */
function requireAddon(): OneDnnKernels {
  try {
    return require(ADDON_PACKAGE) as OneDnnKernels;
  } catch (e) {
    const local = path.join(__dirname, '..', '..', '..', 'native', 'build', 'Release', 'onednn_kernels.node');
    if (!fs.existsSync(local)) throw e;
    return require(local) as OneDnnKernels;
  }
}

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
    const addon = requireAddon();
    const threads = Number(process.env['SEMADAPT_THREADS'] ?? os.cpus().length);
    addon.setNumThreads(Math.max(1, Number.isFinite(threads) ? threads : 1));
    const [version, isa] = addon.info().split(' ');
    loaded = { addon, status: { enabled: true, detail: `oneDNN ${version} ${ISA_NAMES[isa] ?? `isa ${isa}`}, ${addon.getNumThreads()} threads` } };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    loaded = {
      status: {
        enabled: false,
        detail: `native kernels unavailable (${why}); ${NATIVE_HOWTO}`,
      },
    };
  }
  return loaded;
}


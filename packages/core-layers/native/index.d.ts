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

/** y = conv(x, w). Arrays are views (e.g. into a WebAssembly.Memory); nothing is copied. */
export function conv2dForward(g: ConvGeometry, x: Float32Array, w: Float32Array, y: Float32Array): void;
/** dx = conv2d backward data (dy, w). */
export function conv2dBackwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
/** dw = conv2d backward weights (x, dy). */
export function conv2dBackwardWeights(g: ConvGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
/** Threads oneDNN (OpenMP) uses. */
export function setNumThreads(n: number): void;
export function getNumThreads(): number;
/** oneDNN version and the ISA its JIT picked, e.g. "2.6.3 avx2". */
export function info(): string;

/**
 * Every tensor kernel of the addon (binary, unary, reductions, layout,
 * index, pooling, resizing and matrix products), as `NATIVE_KERNELS` entries (kernels.ts).
 */
import type { NativeKernel } from './kernels';
import { NATIVE_BINARY_KERNELS } from './binary-kernels';
import { NATIVE_UNARY_KERNELS } from './unary-kernels';
import { NATIVE_REDUCE_KERNELS } from './reduce-kernels';
import { NATIVE_LAYOUT_KERNELS } from './layout-kernels';
import { NATIVE_INDEX_KERNELS } from './index-kernels';
import { NATIVE_POOL_RESIZE_KERNELS } from './pool-resize-kernels';
import { NATIVE_MATMUL_KERNELS } from './matmul-kernels';

export const NATIVE_TENSOR_KERNELS: readonly NativeKernel[] = [
  ...NATIVE_BINARY_KERNELS,
  ...NATIVE_UNARY_KERNELS,
  ...NATIVE_REDUCE_KERNELS,
  ...NATIVE_LAYOUT_KERNELS,
  ...NATIVE_INDEX_KERNELS,
  ...NATIVE_POOL_RESIZE_KERNELS,
  ...NATIVE_MATMUL_KERNELS,
];

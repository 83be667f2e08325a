/**
 * Memory that glibc's malloc keeps after large frees, given back to the
 * system (the addon's native/src/heap.cc: `mallopt`, `malloc_trim`).
 *
 * glibc maps a block of at least its mmap threshold on its own and unmaps it
 * on free; smaller blocks come from the heap and stay there once freed. The
 * threshold starts at 128 KiB and follows the largest mapped block freed so
 * far (up to 32 MiB), so a burst of large transient copies — an onnxruntime
 * session fusing and re-laying out every weight while it is created — fills
 * the heap after the first few frees and keeps it: DeepLabV2's session held
 * 250 MiB of freed copies (packages/compute README, "Heap").
 */
import { loadNativeKernels } from './addon';

/** The threshold while {@link withFreedMemoryReturned} runs: glibc's initial one, fixed (every block ≥ 128 KiB mapped on its own). */
export const TRANSIENT_MMAP_THRESHOLD = 128 * 1024;

/**
 * The threshold afterwards. Setting one stops glibc's adjustment for good,
 * so it is left where that adjustment ends in a process that frees large
 * blocks (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit): blocks below it are reused
 * from the heap, as without us once a training step or a run has freed a
 * few large tensors (left at 128 KiB, DeepLabV2's onnxruntime runs at
 * 64×128 took ≈ 10 % longer: every activation freshly mapped).
 */
export const STEADY_MMAP_THRESHOLD = 32 * 1024 * 1024;

/**
 * The trim threshold afterwards: twice the mmap threshold, as glibc's
 * adjustment keeps it. Fixing the mmap threshold freezes the trim threshold
 * wherever it stood — 128 KiB in a process that had not yet freed a large
 * block — and then every free at the heap's top would hand memory back for
 * the next training step to fault in again.
 */
export const STEADY_TRIM_THRESHOLD = 2 * STEADY_MMAP_THRESHOLD;

let open = 0;

/**
 * Returns the whole free pages of every malloc arena to the system
 * (`malloc_trim(0)`); true when some went. False without the addon (or a
 * build before it) or off glibc, where there is nothing to do.
 */
export function returnFreedHeapToOs(): boolean {
  return loadNativeKernels().addon?.heapTrim?.() ?? false;
}

/**
 * Runs `build` with every block of ≥ 128 KiB mapped on its own, so each large
 * copy it frees goes back to the system at once and the peak holds only what
 * is live; then sets the thresholds to {@link STEADY_MMAP_THRESHOLD} and
 * {@link STEADY_TRIM_THRESHOLD} and trims
 * the heap. For building something that makes and drops large copies (an
 * onnxruntime session: DeepLabV2's peaks 434 instead of 547 MiB while being
 * created, and holds 251 instead of ≈ 520 MiB after). Overlapping calls share
 * the setting; the last to finish restores it. Without the addon or off glibc
 * it only runs `build`.
 */
export async function withFreedMemoryReturned<T>(build: () => Promise<T>): Promise<T> {
  const addon = loadNativeKernels().addon;
  if (!addon?.heapMmapThreshold || !addon.heapTrim) return build();
  if (open++ === 0) addon.heapMmapThreshold(TRANSIENT_MMAP_THRESHOLD);
  try {
    return await build();
  } finally {
    if (--open === 0) {
      addon.heapMmapThreshold(STEADY_MMAP_THRESHOLD);
      addon.heapTrimThreshold?.(STEADY_TRIM_THRESHOLD);
      addon.heapTrim();
    }
  }
}

/**
 * Whether the active backend's resize gradients can be trusted as the exact
 * adjoints of their forwards. tfjs 4.22's cannot: the cpu
 * `ResizeNearestNeighborGrad` mixes up samples when batch > 1, and
 * `ResizeBilinearGrad` ignores `halfPixelCenters` (cpu and wasm), so layers
 * compute those gradients themselves there. The native backend's kernels are
 * exact (pool-resize-kernels.spec.ts and layout specs: float64 loops, batch >
 * 1, half-pixel centres), and there a layer can use tfjs's own gradients,
 * which call them — one multi-threaded pass instead of a JS loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelImplementation } from './kernel-registry';

export function resizeGradientKernelsExact(backendName = tf.getBackend()): boolean {
  return kernelImplementation('ResizeNearestNeighborGrad', backendName) === 'native' && kernelImplementation('ResizeBilinearGrad', backendName) === 'native';
}

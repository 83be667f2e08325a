/**
 * onnxruntime sessions for the inference-heavy stages (issue 9 §2):
 * translate, pseudo-label and evaluate run the exported ONNX models (NCHW)
 * rather than the training framework — multi-threaded native kernels, and
 * the same files a user deploys. The session type is the workspace's one
 * (`OnnxSession` of @semadapt/onnx-runtime). Sessions are created inside
 * compute's `withFreedMemoryReturned`: onnxruntime's graph optimisation
 * copies every weight twice (fused with its batch norm, then re-laid out)
 * and frees the old copies, which glibc would otherwise keep in the heap
 * (DeepLabV2: 250 MiB more after creation, 110 MiB more at the peak).
 */
import * as os from 'os';
import { withFreedMemoryReturned } from '@semadapt/compute';
import { OnnxSession } from '@semadapt/onnx-runtime';

/** Opens an ONNX model with `threads` intra-op threads (0 = one per core). */
export function openOnnx(file: string, threads = 0): Promise<OnnxSession> {
  return withFreedMemoryReturned(() => OnnxSession.open(file, { threads: threads > 0 ? threads : os.cpus().length }));
}

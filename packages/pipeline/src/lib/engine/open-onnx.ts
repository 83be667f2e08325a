/**
 * onnxruntime sessions for the inference-heavy stages (issue 9 §2):
 * translate, pseudo-label and evaluate run the exported ONNX models (NCHW)
 * rather than the training framework — multi-threaded native kernels, and
 * the same files a user deploys. The session type is the workspace's one
 * (`OnnxSession` of @semadapt/onnx-runtime).
 */
import * as os from 'os';
import { OnnxSession } from '@semadapt/onnx-runtime';

/** Opens an ONNX model with `threads` intra-op threads (0 = one per core). */
export function openOnnx(file: string, threads = 0): Promise<OnnxSession> {
  return OnnxSession.open(file, { threads: threads > 0 ? threads : os.cpus().length });
}

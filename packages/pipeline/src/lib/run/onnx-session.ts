/**
 * onnxruntime-node sessions for the inference-heavy stages (issue 9 §2):
 * translate, pseudo-label and evaluate run the exported ONNX models (NCHW)
 * rather than the training framework — multi-threaded native kernels, and
 * the same files a user deploys.
 */
import * as os from 'os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

// Loaded lazily: commands that need no ONNX model do not pay for the native module.
function ort(): typeof import('onnxruntime-node') {
  return require('onnxruntime-node') as typeof import('onnxruntime-node');
}

export interface OnnxModel {
  session: InferenceSession;
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Runs with NCHW float32 inputs given in `inputNames` order; returns outputs in `outputNames` order. */
  run(inputs: { data: Float32Array; dims: number[] }[]): Promise<{ data: Float32Array; dims: number[] }[]>;
  release(): Promise<void>;
}

/** Opens an ONNX model with `threads` intra-op threads (0 = all cores). */
export async function openOnnx(file: string, threads = 0): Promise<OnnxModel> {
  const { InferenceSession: Session, Tensor: OrtTensor } = ort();
  const session = await Session.create(file, {
    intraOpNumThreads: threads > 0 ? threads : os.cpus().length,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  return {
    session,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputs) {
      if (inputs.length !== session.inputNames.length) {
        throw new Error(`${file}: expects inputs ${session.inputNames.join(', ')}; got ${inputs.length}`);
      }
      const feeds: Record<string, Tensor> = {};
      session.inputNames.forEach((n, i) => (feeds[n] = new OrtTensor('float32', inputs[i].data, inputs[i].dims)));
      const out = await session.run(feeds);
      return session.outputNames.map((n) => ({ data: out[n].data as Float32Array, dims: out[n].dims.slice() }));
    },
    async release() {
      await session.release();
    },
  };
}

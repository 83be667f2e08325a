/**
 * Run an ONNX model in onnxruntime-node (CPU, one thread by default) — the
 * independent reference for export parity (SPEC §7), and a convenience for
 * users — through the workspace's one session type (@semadapt/onnx-runtime,
 * which loads the native binding only when a model is opened).
 */
import * as tf from '@tensorflow/tfjs-core';
import { OnnxSession, OnnxTensor } from '@semadapt/onnx-runtime';

export type { OnnxTensor } from '@semadapt/onnx-runtime';

/** Options of `runOnnx`. */
export interface RunOnnxOptions {
  /** onnxruntime intra-op threads. Default 1 (shared machines). */
  threads?: number;
}

/** Run `model` on `feeds` (by input name); returns every output by name. */
export async function runOnnx(model: Uint8Array, feeds: Record<string, OnnxTensor>, options: RunOnnxOptions = {}): Promise<Record<string, OnnxTensor>> {
  const session = await OnnxSession.open(model, { threads: options.threads ?? 1 });
  try {
    return await session.runNamed(feeds);
  } finally {
    await session.release();
  }
}

/** An NHWC tensor as an NCHW feed. */
export function toNchwFeed(x: tf.Tensor4D): OnnxTensor {
  const t = tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]));
  const out = { data: Float32Array.from(t.dataSync()), dims: t.shape.slice() };
  t.dispose();
  return out;
}

/** An NCHW output as an NHWC tensor (caller disposes). */
export function fromNchw(t: OnnxTensor): tf.Tensor4D {
  if (t.dims.length !== 4) throw new Error(`fromNchw: expected a rank-4 NCHW tensor, received dims [${t.dims}]`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.dims as [number, number, number, number]), [0, 2, 3, 1]));
}

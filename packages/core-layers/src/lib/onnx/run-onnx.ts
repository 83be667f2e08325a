/**
 * Run an ONNX model in onnxruntime-node (CPU, one thread by default) — the
 * independent reference for export parity (SPEC §7), and a convenience for
 * users. onnxruntime-node is loaded lazily so importing core-layers does not
 * load the native binding.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A dense float tensor crossing the onnxruntime boundary. */
export interface OnnxTensor {
  data: Float32Array;
  dims: number[];
}

/** Options of `runOnnx`. */
export interface RunOnnxOptions {
  /** onnxruntime intra-op threads. Default 1 (shared machines). */
  threads?: number;
}

/** Run `model` on `feeds` (by input name); returns every output by name. */
export async function runOnnx(model: Uint8Array, feeds: Record<string, OnnxTensor>, options: RunOnnxOptions = {}): Promise<Record<string, OnnxTensor>> {
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const ortFeeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, t.dims);
    const results = await session.run(ortFeeds);
    const out: Record<string, OnnxTensor> = {};
    for (const [name, t] of Object.entries(results)) out[name] = { data: Float32Array.from(t.data as Float32Array), dims: t.dims.slice() };
    return out;
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

/**
 * translate-infer: s→t translation `G_t(E_s(x), S(x))` of the full-width
 * translator (Appendix B), exported to ONNX in a child process (`translatorOnnxBytes`, spectral
 * norm folded, eval mode) and run in onnxruntime-node (CPU, intra-op threads
 * = cores, graph optimizations 'all') on an image [1, 3, size, 2·size] with
 * 19-class guidance logits of the same size — torch_reference.py's
 * `translate-infer` (no_grad forward). One session, created in setup.
 * `SEMADAPT_ORT_THREADS` overrides the intra-op thread count (on the shared
 * 2-core machine, under load ≈ 10, 1 thread measured faster than 2).
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { exportInChild, removeExport } from '../export-model';
import type { BenchCase } from '../case';

const translateInfer: BenchCase = {
  name: 'translate-infer',
  description: 'translator s->t inference in onnxruntime-node (exported ONNX), full width, batch 1, size x 2size, guidance logits input',
  torchCase: 'translate-infer',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    if (size % 4 !== 0) throw new Error(`translate-infer: --size must be a multiple of 4, got ${size}`);
    // Exported in a child process: this one holds onnxruntime and the model, as an evaluator's does.
    const file = exportInChild('translator-s2t');
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: Number(process.env['SEMADAPT_ORT_THREADS'] ?? os.cpus().length),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    removeExport(file);
    const [image, guidance] = tf.tidy(() => [
      tf.randomUniform([1, 3, size, 2 * size], -1, 1, 'float32', 1).dataSync() as Float32Array,
      tf.randomNormal([1, 19, size, 2 * size], 0, 1, 'float32', 2).dataSync() as Float32Array,
    ]);
    const feeds = {
      image: new ort.Tensor('float32', Float32Array.from(image), [1, 3, size, 2 * size]),
      guidance: new ort.Tensor('float32', Float32Array.from(guidance), [1, 19, size, 2 * size]),
    };
    return {
      async run() {
        const out = await session.run(feeds);
        const y = out['translated'];
        if (y.dims[2] !== size || y.dims[3] !== 2 * size) throw new Error(`translate-infer: output [${y.dims}]`);
      },
      dispose() {
        void session.release();
      },
    };
  },
};

export default translateInfer;

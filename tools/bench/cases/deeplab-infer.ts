/**
 * deeplab-infer: the full DeepLabV2-ResNet101 exported to ONNX
 * (`exportSegmenterOnnx`, in a child process: image → logits upsampled to the input size) and run
 * in onnxruntime-node (CPU, intra-op threads = cores, graph optimizations
 * 'all') on [1, 3, size, 2·size] — torch_reference.py's `deeplab-infer`
 * (no_grad forward with the same upsampling, the same network). One session,
 * created in setup. `--size 512`: 512×1024.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { exportInChild, removeExport } from '../export-model';
import type { BenchCase } from '../case';

const deeplabInfer: BenchCase = {
  name: 'deeplab-infer',
  description: 'DeepLabV2-ResNet101 inference in onnxruntime-node (exported ONNX), batch 1, size x 2size',
  torchCase: 'deeplab-infer',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    // Exported in a child process: this one holds onnxruntime and the model, as an evaluator's does.
    const file = exportInChild('deeplab');
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: os.cpus().length,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    removeExport(file);
    const x = tf.randomNormal([1, 3, size, 2 * size], 0, 50, 'float32', 1);
    const feed = new ort.Tensor('float32', Float32Array.from(x.dataSync()), [1, 3, size, 2 * size]);
    x.dispose();
    return {
      async run() {
        const out = await session.run({ image: feed });
        const logits = out['logits'];
        if (logits.dims[2] !== size || logits.dims[3] !== 2 * size) throw new Error(`deeplab-infer: logits [${logits.dims}]`);
      },
      dispose() {
        void session.release();
      },
    };
  },
};

export default deeplabInfer;

/**
 * deeplab-infer: the full DeepLabV2-ResNet101 exported to ONNX
 * (`exportSegmenterOnnx`, in a child process: image → logits upsampled to the
 * input size) and run through the workspace's `OnnxSession` — the session
 * the pipeline's pseudo-label and evaluate stages use, with its default
 * memory settings (intra-op threads = cores, graph optimisations 'all') — on
 * [1, 3, size, 2·size]: torch_reference.py's `deeplab-infer` (no_grad
 * forward with the same upsampling, the same network). One session, created
 * in setup; the image is made once as a plain Float32Array (no tfjs copy),
 * and each run's logits are dropped after their shape check. `--size 512`:
 * 512×1024.
 */
import * as os from 'os';
import { withFreedMemoryReturned } from '@semadapt/compute';
import { OnnxSession } from '@semadapt/onnx-runtime';
import { exportInChild, removeExport } from '../export-model';
import type { BenchCase } from '../case';
import { fixedNoise } from '../fixed-noise';

const deeplabInfer: BenchCase = {
  name: 'deeplab-infer',
  description: 'DeepLabV2-ResNet101 inference in onnxruntime-node (exported ONNX, OnnxSession), batch 1, size x 2size',
  torchCase: 'deeplab-infer',
  engine: 'onnxruntime',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    // Exported in a child process: this one holds onnxruntime and the model, as an evaluator's does.
    const file = exportInChild('deeplab');
    let session: OnnxSession;
    try {
      session = await withFreedMemoryReturned(() => OnnxSession.open(file, { threads: os.cpus().length }));
    } finally {
      removeExport(file);
    }
    const dims = [1, 3, size, 2 * size];
    const image = { data: fixedNoise(3 * size * 2 * size, 100, 1), dims };
    return {
      async run() {
        const { logits } = await session.runNamed({ image }, ['logits']);
        if (logits.dims[2] !== size || logits.dims[3] !== 2 * size) throw new Error(`deeplab-infer: logits [${logits.dims}]`);
      },
      dispose() {
        void session.release();
      },
    };
  },
};

export default deeplabInfer;

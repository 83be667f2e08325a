/**
 * translate-infer: s→t translation `G_t(E_s(x), S(x))` of the full-width
 * translator (Appendix B), exported to ONNX in a child process
 * (`translatorOnnxBytes`, spectral norm folded, eval mode) and run through
 * the workspace's `OnnxSession` — the session the pipeline's translate stage
 * uses, with its default memory settings (intra-op threads = cores, graph
 * optimisations 'all') — on an image [1, 3, size, 2·size] with 19-class
 * guidance logits of the same size: torch_reference.py's `translate-infer`
 * (no_grad forward). One session, created in setup; the inputs are made once
 * as plain Float32Arrays (no tfjs copy), and each run's output is dropped
 * after its shape check. `SEMADAPT_ORT_THREADS` overrides the intra-op
 * thread count (on the shared 2-core machine, under load ≈ 10, 1 thread
 * measured faster than 2).
 */
import * as os from 'os';
import { withFreedMemoryReturned } from '@semadapt/compute';
import { OnnxSession } from '@semadapt/onnx-runtime';
import { exportInChild, removeExport } from '../export-model';
import type { BenchCase } from '../case';
import { fixedNoise } from '../fixed-noise';

const translateInfer: BenchCase = {
  name: 'translate-infer',
  description: 'translator s->t inference in onnxruntime-node (exported ONNX, OnnxSession), full width, batch 1, size x 2size, guidance logits input',
  torchCase: 'translate-infer',
  engine: 'onnxruntime',
  shape: (size) => [1, size, 2 * size, 3],
  async setup(size) {
    if (size % 4 !== 0) throw new Error(`translate-infer: --size must be a multiple of 4, got ${size}`);
    // Exported in a child process: this one holds onnxruntime and the model, as an evaluator's does.
    const file = exportInChild('translator-s2t');
    let session: OnnxSession;
    try {
      session = await withFreedMemoryReturned(() => OnnxSession.open(file, { threads: Number(process.env['SEMADAPT_ORT_THREADS'] ?? os.cpus().length) }));
    } finally {
      removeExport(file);
    }
    const pixels = size * 2 * size;
    const feeds = {
      image: { data: fixedNoise(3 * pixels, 1, 1), dims: [1, 3, size, 2 * size] },
      guidance: { data: fixedNoise(19 * pixels, 2, 2), dims: [1, 19, size, 2 * size] },
    };
    return {
      async run() {
        const { translated } = await session.runNamed(feeds, ['translated']);
        if (translated.dims[2] !== size || translated.dims[3] !== 2 * size) throw new Error(`translate-infer: output [${translated.dims}]`);
      },
      dispose() {
        void session.release();
      },
    };
  },
};

export default translateInfer;

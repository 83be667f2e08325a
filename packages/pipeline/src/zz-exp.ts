// Scratch feasibility experiment (not committed): source-only vs oracle with a tiny DeepLabV2 + plain SGD.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, Rng, computeGradients, Adam, disposeGradients } from '@semadapt/core-layers';
import { crossEntropy } from '@semadapt/losses';
import { ConfusionMatrix } from '@semadapt/segmenter';
import { openGta5 } from '@semadapt/data-gta5';
import { openCityscapes } from '@semadapt/data-cityscapes';
import { DeepLabV2 } from '../../segmenter/src/lib/networks/deeplab-v2';
import { logitsAtSize } from '../../segmenter/src/lib/networks/segmenter';
import { BatchStream } from './lib/engine/batches';
(async () => {
  await initBackend({ backend: 'wasm' });
  const [W, H] = JSON.parse(process.argv[2] ?? '[64,32]');
  const steps = Number(process.argv[3] ?? 200);
  const width = Number(process.argv[4] ?? 0.125);
  const pipe = { resize: { kind: 'size' as const, width: W, height: H }, normalize: 'deeplab' as const, flipProbability: 0.5 };
  const src = openGta5('datasets/demo/gta5').withPipeline(pipe);
  const tgt = openCityscapes('datasets/demo/cityscapes', { split: 'train' }).withPipeline(pipe);
  const val = openCityscapes('datasets/demo/cityscapes', { split: 'val' }).withPipeline({ ...pipe, flipProbability: 0 });
  for (const [name, ds] of [['source-only', src], ['oracle', tgt]] as const) {
    const net = new DeepLabV2({ width, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, rng: new Rng(1), asppDilations: [1, 2, 3, 4] });
    const opt = new Adam(net.namedParameterEntries(), { lr: Number(process.argv[5] ?? 1e-3), betas: [0.9, 0.99] });
    const bs = new BatchStream(ds, 4, { seed: 1, workers: 0, prefetch: 4 });
    const t0 = Date.now();
    let last = 0;
    for (let s = 0; s < steps; s++) {
      const b = await bs.next();
      const { loss, grads } = computeGradients(() => crossEntropy(logitsAtSize(net, b.images, H, W), b.labels as tf.Tensor3D) as tf.Scalar, net.namedParameterEntries());
      opt.step(grads);
      disposeGradients(grads);
      b.images.dispose(); b.labels?.dispose();
      last = loss as number;
    }
    const secs = (Date.now() - t0) / 1000;
    net.eval();
    const cm = new ConfusionMatrix();
    for (let i = 0; i < val.length; i++) {
      const s = await val.get(i);
      const x = tf.tensor4d(s.image.data as Float32Array, [1, H, W, 3]);
      const pred = tf.tidy(() => tf.argMax(logitsAtSize(net, x, H, W), -1));
      cm.update({ data: await pred.data(), width: W, height: H }, s.label!);
      x.dispose(); pred.dispose();
    }
    console.log(`${name}: ${steps} steps in ${secs.toFixed(1)} s (${(1000 * secs / steps).toFixed(0)} ms/step), last loss ${last.toFixed(3)}, mIoU19 ${(100 * cm.summary().miou19).toFixed(1)}`);
    await bs.close();
  }
})();

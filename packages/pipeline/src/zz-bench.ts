import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@semadapt/core-layers';
import { Translator } from '@semadapt/translator';
(async () => {
  await initBackend({ backend: process.argv[2] });
  const tr = new Translator({ widthMultiplier: 0.125, residualBlocks: 1, discriminatorScales: 2, sce: false });
  const xs = tf.randomUniform([1, 32, 64, 3], -1, 1) as tf.Tensor4D;
  const g = tf.randomNormal([1, 4, 8, 19]) as tf.Tensor4D;
  tr.eval();
  tf.tidy(() => tr.translate(xs, g).dataSync());
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) tf.tidy(() => tr.translate(xs, g).dataSync());
  console.log(`eval translate: ${(Date.now() - t0) / 5} ms`);
})();

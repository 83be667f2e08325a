/**
 * translator-step: one training step of the full-width translator (SPEC §2,
 * Appendix B: E_s, E_t, G_s, G_t with 4 SPADE residual blocks, 3-scale
 * discriminators D_s, D_t) on square `size` crops, batch 1 — the
 * discriminator update then the encoder/generator update
 * (`TranslatorTrainer.step`), guidance = 19-class logits given as tensors,
 * LSGAN + reconstruction + image/latent cycle losses (the SCE term needs a
 * segmenter and is off, as in torch_reference.py's `translator-step`).
 *
 * Differences from the reference worth knowing when reading the ratio: the
 * reference runs G then D and reuses the G step's x_st/x_ts for D; ours runs
 * D first (issue 5 order, MUNIT's) and so translates both directions once
 * more without gradients (~2 extra E+G forwards). Ours reflect-pads every
 * conv (SPEC §2); the reference's SPADE and discriminator convs zero-pad.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Translator, TranslatorTrainer } from '@semadapt/translator';
import type { BenchCase } from '../case';

const translatorStep: BenchCase = {
  name: 'translator-step',
  description: 'translator D update + E/G update (both directions), full width, batch 1, size x size, guidance logits as inputs',
  torchCase: 'translator-step',
  shape: (size) => [1, size, size, 3],
  async setup(size) {
    if (size % 16 !== 0 || size < 64) throw new Error(`translator-step: --size must be a multiple of 16 and ≥ 64 (3 reflect-padded discriminator scales), got ${size}`);
    const translator = new Translator({ sce: false });
    const trainer = new TranslatorTrainer(translator);
    const xs = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const xt = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const gs = tf.randomNormal([1, size, size, 19], 0, 1, 'float32', 3) as tf.Tensor4D;
    const gt = tf.randomNormal([1, size, size, 19], 0, 1, 'float32', 4) as tf.Tensor4D;
    return {
      async run() {
        // step() reads every loss back (dataSync), so no work is left pending.
        const losses = trainer.step({ source: xs, target: xt, guidance: { kind: 'logits', source: gs, target: gt } });
        if (!Number.isFinite(losses.gen)) throw new Error(`translator-step: loss ${JSON.stringify(losses)}`);
      },
      dispose() {
        trainer.dispose();
        translator.dispose();
        tf.dispose([xs, xt, gs, gt]);
      },
    };
  },
};

export default translatorStep;

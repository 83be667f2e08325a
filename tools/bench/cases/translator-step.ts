/**
 * translator-step: one training step of the full-width translator (SPEC §2,
 * Appendix B: E_s, E_t, G_s, G_t with 4 SPADE residual blocks, 3-scale
 * discriminators D_s, D_t) on square `size` crops, batch 1 — the
 * discriminator update then the encoder/generator update
 * (`TranslatorTrainer.step`), guidance = 19-class logits given as tensors,
 * LSGAN + reconstruction + image/latent cycle losses (the SCE term needs a
 * segmenter and is off, as in torch_reference.py's `translator-step`).
 *
 * Order as in the reference: the E/G update first, then the D update on the
 * translations x_st, x_ts of the E/G pass. Ours reflect-pads every conv
 * (SPEC §2); the reference's SPADE and discriminator convs zero-pad.
 *
 * `translatorStepCase(name, recompute)` also builds
 * `translator-step-recompute` (same step with `recomputeActivations`: stage
 * activations recomputed in the backward pass; same reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Translator, TranslatorTrainer } from '@semadapt/translator';
import type { BenchCase } from '../case';

/** The translator-step case, optionally with activation recomputation. */
export function translatorStepCase(name: string, recomputeActivations: boolean): BenchCase {
  return {
    name,
    description: `translator E/G update + D update (both directions), full width, batch 1, size x size, guidance logits as inputs${recomputeActivations ? ', activations recomputed in the backward pass' : ''}`,
    torchCase: 'translator-step',
    shape: (size) => [1, size, size, 3],
    async setup(size) {
      if (size % 16 !== 0 || size < 64) throw new Error(`translator-step: --size must be a multiple of 16 and ≥ 64 (3 reflect-padded discriminator scales), got ${size}`);
      const translator = new Translator({ recomputeActivations });
      const trainer = new TranslatorTrainer(translator, { sce: false });
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
}

export default translatorStepCase('translator-step', false);

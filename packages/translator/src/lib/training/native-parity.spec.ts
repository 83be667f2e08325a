/**
 * The native backend trains the translator as wasm does: two SPEC §2 steps
 * (encoders/generators with every loss term including SCE through a frozen
 * segmenter, then the multi-scale discriminators) of a width-1/16 translator
 * built from the same seed on each backend give the same losses (≤ 1e-4
 * relative), and keep tf.memory().numTensors flat on native.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectNoTensorLeak, lcgValues, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { Translator } from '../networks/translator';
import { TranslatorTrainer, type TranslatorLosses } from './translator-trainer';

const HAS_NATIVE = testBackends().includes('native');
const S = 32;
const CLASSES = 5;

/** Two steps on the active backend (inputs and the toy segmenter made here, from fixed values). */
function twoSteps(): TranslatorLosses[] {
  const xs = tf.tensor4d(lcgValues(S * S * 3, 1), [1, S, S, 3]);
  const xt = tf.tensor4d(lcgValues(S * S * 3, 2), [1, S, S, 3]);
  const filter = tf.tensor4d(lcgValues(9 * 3 * CLASSES, 3), [3, 3, 3, CLASSES]);
  const segment = (x: tf.Tensor4D) => tf.conv2d(x, filter, 1, 'same');
  const translator = new Translator({ widthMultiplier: 1 / 16, residualBlocks: 1, guidanceClasses: CLASSES, discriminatorScales: 2 });
  const trainer = new TranslatorTrainer(translator, { sce: true });
  const out = [0, 1].map(() => trainer.step({ source: xs, target: xt, guidance: { kind: 'segmenter', segment } }));
  tf.dispose([xs, xt, filter]);
  trainer.dispose();
  translator.dispose();
  return out;
}

if (HAS_NATIVE) {
  describe('translator steps: native = wasm', () => {
    it('width 1/16, 32×32, SCE on: the losses of two steps match (≤ 1e-4 relative); tensors flat on native', async () => {
      await setTestBackend('wasm');
      const onWasm = twoSteps();
      await setTestBackend('native');
      let onNative: TranslatorLosses[] = [];
      await expectNoTensorLeak(() => {
        onNative = twoSteps();
      }, 'two translator steps on native');
      onWasm.forEach((w, step) =>
        (Object.keys(w) as (keyof TranslatorLosses)[]).forEach((k) => {
          const rel = Math.abs(onNative[step][k] - w[k]) / Math.max(Math.abs(w[k]), 1e-6);
          if (rel > 1e-4) throw new Error(`step ${step + 1} ${k}: native ${onNative[step][k]} vs wasm ${w[k]} (relative ${rel.toExponential(2)})`);
        }),
      );
    });
  });
} else {
  it('translator native parity: not tested (the addon is not loaded)', () => {
    console.warn('\n*** TRANSLATOR NATIVE PARITY NOT TESTED: the addon is not loaded ***\n');
    expect(testBackends()).not.toContain('native');
  });
}

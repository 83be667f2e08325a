/**
 * The native backend trains the segmenters as wasm does: two SPEC §3 adapt
 * steps (segmenter on source and pseudo-labelled target, the output-space
 * discriminator's update) of DeepLabV2 and FCN8s at small width, built from
 * the same seeds on each backend, give the same losses (≤ 1e-4 relative) —
 * the segmentation terms, the adversarial term and the discriminator's two
 * terms — and keep tf.memory().numTensors flat on native.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectNoTensorLeak, lcgValues, setTestBackend, testBackends } from '@semadapt/core-layers/testing';
import { DeepLabV2 } from '../networks/deeplab-v2';
import { FCN8s } from '../networks/fcn8s';
import type { Segmenter } from '../networks/segmenter';
import { SegmenterTrainer, type SegmenterStepLosses } from './segmenter-trainer';

const HAS_NATIVE = testBackends().includes('native');
const S = 48;

const NETWORKS: [string, () => Segmenter][] = [
  ['DeepLabV2 (blocks [1,1,1,1], width 1/16, ASPP 1/2/3/4)', () => new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, asppDilations: [1, 2, 3, 4], rng: new Rng(11) })],
  ['FCN8s (width 1/32)', () => new FCN8s({ width: 1 / 32, rng: new Rng(12) })],
];

/** A fixed batch: images in Caffe's range, labels with an ignored border. */
function batch(seed: number) {
  return tf.tidy(() => {
    const image = tf.tensor4d(lcgValues(S * S * 3, seed, 60), [1, S, S, 3]);
    const raw = Array.from(lcgValues(S * S, seed + 1), (v, i) => (i % S === 0 || i < S ? 255 : v > 0 ? 1 : 0));
    return { image, labels: tf.tensor3d(raw, [1, S, S], 'int32') };
  });
}

/** Two adapt steps on the active backend; the losses of each. */
function twoSteps(make: () => Segmenter): SegmenterStepLosses[] {
  const net = make();
  const trainer = new SegmenterTrainer(net, { discriminator: { rng: new Rng(13) } });
  const s = batch(1);
  const t = batch(2);
  const out = [0, 1].map(() => trainer.step({ source: s.image, sourceLabels: s.labels, target: t.image, targetLabels: t.labels }));
  tf.dispose([s.image, s.labels, t.image, t.labels]);
  trainer.dispose();
  net.dispose();
  return out;
}

const TERMS = ['segSource', 'segTarget', 'adv', 'dSource', 'dTarget', 'total'] as const;

if (HAS_NATIVE) {
  describe('segmenter adapt steps: native = wasm', () => {
    it.each(NETWORKS)('%s: the losses of two steps match (≤ 1e-4 relative); tensors flat on native', async (_name, make) => {
      await setTestBackend('wasm');
      const onWasm = twoSteps(make);
      await setTestBackend('native');
      let onNative: SegmenterStepLosses[] = [];
      await expectNoTensorLeak(() => {
        onNative = twoSteps(make);
      }, 'two adapt steps on native');
      onWasm.forEach((w, step) =>
        TERMS.forEach((k) => {
          const rel = Math.abs(onNative[step][k] - w[k]) / Math.max(Math.abs(w[k]), 1e-6);
          if (rel > 1e-4) throw new Error(`step ${step + 1} ${k}: native ${onNative[step][k]} vs wasm ${w[k]} (relative ${rel.toExponential(2)})`);
        }),
      );
    });
  });
} else {
  it('segmenter native parity: not tested (the addon is not loaded)', () => {
    console.warn('\n*** SEGMENTER NATIVE PARITY NOT TESTED: the addon is not loaded ***\n');
    expect(testBackends()).not.toContain('native');
  });
}

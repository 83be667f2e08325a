/**
 * A segmenter stage's trainer depends only on the stage's seed: the
 * output-space discriminator is seeded from it, so the same stage run alone
 * and inside `adapt` starts from the same weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2, SegmenterTrainer } from '@semadapt/segmenter';
import { buildNet, segmenterTrainerOptions } from './segmenter-stage';

describe('segmenterTrainerOptions', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('two stages with the same seed start the round discriminator from the same weights; another stage seed gives others', () => {
    const discriminatorWeights = (stageSeed: number): Float32Array[] => {
      const net = new DeepLabV2({ width: 0.0625, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, numClasses: 4, asppDilations: [1], rng: new Rng(1) });
      const trainer = new SegmenterTrainer(net, segmenterTrainerOptions({ lambdaAdv: 0.001, discriminator: { baseChannels: 8 } }, 'adapt', stageSeed));
      const weights = (trainer.discriminator as NonNullable<typeof trainer.discriminator>).parameters().map((v) => v.dataSync() as Float32Array);
      trainer.dispose();
      net.dispose();
      return weights;
    };
    const first = discriminatorWeights(1234 + 1000);
    const again = discriminatorWeights(1234 + 1000);
    expect(first.length).toBeGreaterThan(4);
    first.forEach((w, i) => expect(Array.from(again[i])).toEqual(Array.from(w)));
    const otherStage = discriminatorWeights(1234 + 2000);
    expect(Array.from(otherStage[0])).not.toEqual(Array.from(first[0]));
    expect(tf.memory().numTensors).toBe(0);
  });

  it('keeps the configured options and sets the mode', () => {
    const o = segmenterTrainerOptions({ lambdaAdv: 0.01, discriminator: { negativeSlope: 0.1 } }, 'oracle', 7);
    expect(o.lambdaAdv).toBe(0.01);
    expect(o.mode).toEqual({ kind: 'sourceOnly' });
    expect((o.discriminator as { negativeSlope?: number }).negativeSlope).toBe(0.1);
  });
});

describe('buildNet (segmenter-config.json beside every checkpoint folder)', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('a meta written before the rename (network.width) builds the same network as today\'s (widthMultiplier): conv1 64·(1/16) = 4 channels, same weights', () => {
    const depth = { kind: 'custom', blocks: [1, 1, 1, 1] };
    const old = buildNet({ arch: 'deeplabv2', network: { width: 0.0625, depth, asppDilations: [1, 2] }, numClasses: 19 }, 5) as DeepLabV2;
    const now = buildNet({ arch: 'deeplabv2', network: { widthMultiplier: 0.0625, depth, asppDilations: [1, 2] }, numClasses: 19 }, 5) as DeepLabV2;
    expect(old.conv1.weight.shape).toEqual([7, 7, 3, 4]);
    expect(old.widthMultiplier).toBe(0.0625);
    const state = (n: DeepLabV2) => [...n.stateDict()].map(([k, v]) => [k, v.shape, Array.from(v.dataSync())]);
    expect(state(old)).toEqual(state(now));
    old.dispose();
    now.dispose();
  });
});

/**
 * A translator checkpoint folder written before issue 21 (translator-config.json
 * holding the flat config with the trainer's fields, translator.safetensors
 * from the pipeline's own writer) still loads: same network, same weights.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { saveCheckpoint } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { Translator, TranslatorTrainer } from '@semadapt/translator';
import { loadTranslator } from './translator-stage';

describe('loadTranslator', () => {
  let dir: string;
  beforeAll(async () => {
    await setTestBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'translator-stage-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a pre-issue-21 folder: flat config with sce/lossWeights/optimization, weights under bare names', async () => {
    // What resolveTranslatorConfig returned, and translator-stage.ts wrote, before the network/trainer split.
    const oldConfig = {
      widthMultiplier: 1 / 16, residualBlocks: 1, guidanceClasses: 5, spadeHidden: 128, discriminatorScales: 1, spade: true, sce: true,
      lossWeights: { adv: 1, rec: 10, cyc: 10, latent: 1, sce: 1 },
      optimization: { lrGenerator: 1e-4, lrDiscriminator: 4e-4, betas: [0, 0.9], schedule: { kind: 'poly', maxSteps: 1000000, power: 0.9 } },
      seed: 3, recomputeActivations: false,
    };
    const written = new Translator({ widthMultiplier: 1 / 16, residualBlocks: 1, guidanceClasses: 5, discriminatorScales: 1, seed: 3 });
    const trainer = new TranslatorTrainer(written);
    // Move every weight off the seed-3 initialisation, so equal weights below can only come from the file.
    for (const [, v] of written.stateDict()) v.assign(tf.tidy(() => tf.add(v, 0.5)));
    const latest = path.join(dir, 'round1__translator', 'latest');
    fs.mkdirSync(latest, { recursive: true });
    await saveCheckpoint(path.join(latest, 'translator.safetensors'), { modules: { '': written }, optimizers: { G: trainer.optimizerG, D: trainer.optimizerD } }, {
      step: 0,
      metadata: { guidanceClasses: 5, config: oldConfig },
    });
    fs.writeFileSync(path.join(dir, 'round1__translator', 'translator-config.json'), JSON.stringify({ config: oldConfig, guidance: 'x', init: null }));

    const loaded = await loadTranslator(latest);
    expect(loaded.config).toEqual({ widthMultiplier: 1 / 16, residualBlocks: 1, guidanceClasses: 5, spadeHidden: 128, discriminatorScales: 1, spade: true, seed: 3, recomputeActivations: false });
    const state = (t: Translator) => [...t.stateDict()].map(([n, v]) => [n, Array.from(v.dataSync())]);
    expect(state(loaded)).toEqual(state(written));
    loaded.dispose();
    trainer.dispose();
    written.dispose();
  });
});

/**
 * The paper presets state BDL's optimisation per architecture (segmenter
 * README tables): the pipeline accepts their network and trainer sections,
 * and the networks and trainers built from them follow BDL's schedules —
 * checked against BDL's formulas computed here by hand.
 */
import { Rng, scheduleFactor } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2, FCN8s, SegmenterTrainer, SegmenterTrainerOptions } from '@semadapt/segmenter';
import { validatePackageSections } from '../commands/context';
import { presetConfig } from './presets';
import { validateRunConfig } from './run-config';

describe("paper presets: BDL's optimisation", () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('DeepLabV2: poly 0.9 over 250k for S and D, stop at 120k, four ASPP branches', () => {
    const c = validateRunConfig(presetConfig('gta5→cityscapes/deeplabv2'));
    expect(() => validatePackageSections(c)).not.toThrow();
    expect([c.optimization.segmenterSteps, c.optimization.sourceSteps]).toEqual([120_000, 120_000]);
    const net = new DeepLabV2({ ...c.model.segmenter.network, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(1) });
    expect(net.aspp.summed).toBe(4);
    const trainer = new SegmenterTrainer(net, { ...(c.model.segmenter.trainer as SegmenterTrainerOptions), discriminator: { baseChannels: 4 } });
    // BDL model/deeplab.py, model/discriminator.py: lr·(1 − i/250000)^0.9.
    const bdl = (i: number) => (1 - i / 250_000) ** 0.9;
    for (const opt of [trainer.segmenterOptimizer, trainer.discriminatorOptimizer!]) {
      for (const i of [0, 60_000, 119_999]) expect(scheduleFactor(opt.schedule, i)).toBeCloseTo(bdl(i), 12);
    }
    expect(trainer.segmenterOptimizer.lr).toBe(2.5e-4);
    trainer.dispose();
    net.dispose();
  });

  it('FCN8s: ×0.1 every 50k for S and D, bias ×2, fixed deconvolutions, Dropout2d, stop at 120k', () => {
    const c = validateRunConfig(presetConfig('synthia→cityscapes/fcn8s'));
    expect(() => validatePackageSections(c)).not.toThrow();
    expect(c.optimization.segmenterSteps).toBe(120_000);
    const net = new FCN8s({ ...c.model.segmenter.network, width: 0.0625, rng: new Rng(2) });
    expect(net.drop6.channelwise).toBe(true);
    expect(net.trainableParameterEntries().some(([n]) => n.startsWith('upscore'))).toBe(false);
    expect(net.namedParameterEntries().find(([n]) => n === 'conv3_1.bias')![1].lrMultiplier).toBe(2);
    const trainer = new SegmenterTrainer(net, { ...(c.model.segmenter.trainer as SegmenterTrainerOptions), discriminator: { baseChannels: 4 } });
    // BDL model/fcn8s.py: lr·0.1^⌊i/50000⌋.
    for (const opt of [trainer.segmenterOptimizer, trainer.discriminatorOptimizer!]) {
      for (const i of [0, 49_999, 50_000, 100_000, 119_999]) expect(scheduleFactor(opt.schedule, i)).toBeCloseTo(0.1 ** Math.floor(i / 50_000), 12);
    }
    expect(trainer.segmenterOptimizer.lr).toBe(1e-5);
    trainer.dispose();
    net.dispose();
  });

  it('an unknown network key is still refused', () => {
    const c = validateRunConfig({ ...presetConfig('gta5→cityscapes/fcn8s'), model: { segmenter: { arch: 'fcn8s', network: { asppBranches: 2 } } } });
    expect(() => validatePackageSections(c)).toThrow(/model.segmenter.network: asppBranches is not a known key \(expected one of numClasses, widthMultiplier, dropout/);
  });
});

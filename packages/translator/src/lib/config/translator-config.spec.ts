/** TranslatorConfig: the documented defaults (SPEC §2) and validation quoting what was received. */
import { DEFAULT_TRANSLATOR_CONFIG, resolveTranslatorConfig, scaledChannels } from './translator-config';

describe('resolveTranslatorConfig', () => {
  it('defaults are the paper (Appendix B, SPEC §2) and the (R) values', () => {
    const c = resolveTranslatorConfig();
    expect(c).toEqual({
      widthMultiplier: 1,
      residualBlocks: 4,
      guidanceClasses: 19,
      spadeHidden: 128,
      discriminatorScales: 3,
      spade: true,
      sce: true,
      lossWeights: { adv: 1, rec: 10, cyc: 10, latent: 1, sce: 1 },
      optimization: { lrGenerator: 1e-4, lrDiscriminator: 4e-4, betas: [0, 0.9], schedule: { kind: 'poly', maxSteps: 1_000_000, power: 0.9 } },
      seed: 0,
      // Memory only (not the paper's math): off unless asked for.
      recomputeActivations: false,
    });
    expect(Object.isFrozen(DEFAULT_TRANSLATOR_CONFIG)).toBe(true);
  });

  it('partial nested overrides keep the other defaults (SYNTHIA 16 classes, ablation neither)', () => {
    const c = resolveTranslatorConfig({ guidanceClasses: 16, spade: false, sce: false, lossWeights: { rec: 5 }, optimization: { lrDiscriminator: 1e-3 } });
    expect(c.lossWeights).toEqual({ adv: 1, rec: 5, cyc: 10, latent: 1, sce: 1 });
    expect(c.optimization.lrDiscriminator).toBe(1e-3);
    expect(c.optimization.lrGenerator).toBe(1e-4);
    expect([c.guidanceClasses, c.spade, c.sce]).toEqual([16, false, false]);
  });

  it.each([
    [{ widthMultiplier: 0 }, /widthMultiplier must be a finite number > 0; received 0/],
    [{ residualBlocks: 2.5 }, /residualBlocks must be a positive integer; received 2.5/],
    [{ guidanceClasses: -19 }, /guidanceClasses must be a positive integer; received -19/],
    [{ spade: 'yes' }, /spade must be a boolean; received "yes"/],
    [{ recomputeActivations: 1 }, /recomputeActivations must be a boolean; received 1/],
    [{ lossWeights: { rec: -1 } }, /lossWeights.rec must be a finite number ≥ 0; received -1/],
    [{ lossWeights: { recon: 1 } }, /lossWeights.recon .*unknown key/],
    [{ optimization: { betas: [0, 1] } }, /optimization.betas must be a pair of numbers in \[0, 1\); received \[0,1\]/],
    [{ optimization: { lrGenerator: Number.NaN } }, /lrGenerator must be a finite number > 0; received null/],
    [{ optimization: { schedule: { kind: 'poly', maxSteps: 0, power: 0.9 } } }, /poly.maxSteps must be a positive integer; received/],
    [{ widthMultipler: 1 }, /'widthMultipler' must be one of .*unknown key/],
  ])('%j throws quoting the value', (input, message) => {
    expect(() => resolveTranslatorConfig(input as never)).toThrow(message);
  });

  it('scaledChannels rounds and keeps at least one channel', () => {
    expect([64, 128, 256, 512].map((c) => scaledChannels(c, 1 / 16))).toEqual([4, 8, 16, 32]);
    expect(scaledChannels(3, 0.01)).toBe(1);
  });
});

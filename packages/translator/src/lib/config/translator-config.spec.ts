/** TranslatorConfig: the documented defaults (SPEC §2), the network/trainer split and validation naming the field and quoting what was received. */
import { resolveTranslatorConfig, resolveTranslatorNetworkConfig, resolveTranslatorTrainerConfig, translatorConfigInput } from './translator-config';

describe('resolveTranslatorConfig', () => {
  it('defaults are the paper (Appendix B, SPEC §2) and the (R) values, in a network and a trainer section', () => {
    const c = resolveTranslatorConfig();
    expect(c).toEqual({
      network: {
        widthMultiplier: 1,
        residualBlocks: 4,
        guidanceClasses: 19,
        spadeHidden: 128,
        discriminatorScales: 3,
        spade: true,
        seed: 0,
        // Memory only (not the paper's math): off unless asked for.
        recomputeActivations: false,
      },
      trainer: {
        sce: true,
        lossWeights: { adv: 1, rec: 10, cyc: 10, latent: 1, sce: 1 },
        optimization: { lrGenerator: 1e-4, lrDiscriminator: 4e-4, betas: [0, 0.9], schedule: { kind: 'poly', maxSteps: 1_000_000, power: 0.9 } },
      },
    });
    // Each section alone has the same defaults (one schema per section).
    expect(resolveTranslatorNetworkConfig()).toEqual(c.network);
    expect(resolveTranslatorTrainerConfig()).toEqual(c.trainer);
  });

  it('partial nested overrides keep the other defaults (SYNTHIA 16 classes, ablation neither)', () => {
    const c = resolveTranslatorConfig({ guidanceClasses: 16, spade: false, sce: false, lossWeights: { rec: 5 }, optimization: { lrDiscriminator: 1e-3 } });
    expect(c.trainer.lossWeights).toEqual({ adv: 1, rec: 5, cyc: 10, latent: 1, sce: 1 });
    expect(c.trainer.optimization.lrDiscriminator).toBe(1e-3);
    expect(c.trainer.optimization.lrGenerator).toBe(1e-4);
    expect([c.network.guidanceClasses, c.network.spade, c.trainer.sce]).toEqual([16, false, false]);
  });

  it('a resolved config written back as a run config section resolves to itself', () => {
    const c = resolveTranslatorConfig({ widthMultiplier: 0.125, residualBlocks: 1, optimization: { schedule: { kind: 'constant' } } });
    expect(resolveTranslatorConfig(translatorConfigInput(c))).toEqual(c);
  });

  it('defaults are not shared between results (mutating one leaves the next intact)', () => {
    const a = resolveTranslatorConfig();
    a.trainer.optimization.betas[1] = 0.5;
    expect(resolveTranslatorConfig().trainer.optimization.betas).toEqual([0, 0.9]);
  });

  it.each([
    [{ widthMultiplier: 0 }, /widthMultiplier must be a finite number > 0; received 0/],
    [{ residualBlocks: 2.5 }, /residualBlocks must be a positive integer; received 2.5/],
    [{ guidanceClasses: -19 }, /guidanceClasses must be a positive integer; received -19/],
    [{ spade: 'yes' }, /spade must be a boolean; received "yes"/],
    [{ recomputeActivations: 1 }, /recomputeActivations must be a boolean; received 1/],
    [{ seed: 0.5 }, /seed must be an integer; received 0.5/],
    [{ lossWeights: { rec: -1 } }, /lossWeights.rec must be a finite number ≥ 0; received -1/],
    [{ lossWeights: { recon: 1 } }, /lossWeights.recon is not a known key \(expected one of adv, rec, cyc, latent, sce\); received 1/],
    [{ optimization: { betas: [0, 1] } }, /optimization.betas.1 must be a pair of numbers in \[0, 1\); received 1/],
    [{ optimization: { lrGenerator: Number.NaN } }, /lrGenerator must be a finite number > 0; received null/],
    [{ optimization: { schedule: { kind: 'poly', maxSteps: 0, power: 0.9 } } }, /optimization.schedule .*poly.maxSteps must be a positive integer; received/],
    [{ widthMultipler: 1 }, /widthMultipler is not a known key \(expected one of widthMultiplier, .*\)/],
  ])('%j throws naming the field and quoting the value', (input, message) => {
    expect(() => resolveTranslatorConfig(input as never)).toThrow(message);
  });

  it('every problem is reported at once', () => {
    expect(() => resolveTranslatorConfig({ residualBlocks: 0, spade: 'no' } as never)).toThrow(/residualBlocks must be a positive integer; received 0; spade must be a boolean; received "no"/);
  });

  it('a section refuses the other section\'s fields (each package part owns its own)', () => {
    expect(() => resolveTranslatorNetworkConfig({ sce: false } as never)).toThrow(/sce is not a known key/);
    expect(() => resolveTranslatorTrainerConfig({ widthMultiplier: 1 } as never)).toThrow(/widthMultiplier is not a known key/);
  });
});

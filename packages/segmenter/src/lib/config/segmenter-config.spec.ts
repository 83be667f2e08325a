/**
 * The segmenter package's config: the documented defaults (SPEC §3 and BDL's
 * released code, (R)), one default per field, refusals that name the field
 * and quote the value, the deprecated `width` key, the pseudo-label rule.
 */
import {
  DEPRECATED_WIDTH,
  resolveDeepLabV2Config,
  resolveFCN8sConfig,
  resolveOutputDiscriminatorConfig,
  resolvePseudoLabelRule,
  resolveSegmenterConfig,
  resolveSegmenterTrainerConfig,
  SegmenterConfigError,
} from './segmenter-config';

describe('resolveSegmenterConfig', () => {
  it('DeepLabV2 defaults: ResNet-101, ASPP 6/12/18/24 summed, stride 8, frozen BN, classifier ×10, N(0, 0.01²); SGD 2.5e-4 m0.9 wd5e-4 poly 0.9/250k, λ 0.001, D Adam 1e-4 (0.9, 0.99)', () => {
    expect(resolveSegmenterConfig({ arch: 'deeplabv2' })).toEqual({
      arch: 'deeplabv2',
      network: {
        numClasses: 19,
        widthMultiplier: 1,
        depth: { kind: 'resnet101' },
        asppDilations: [6, 12, 18, 24],
        outputStride: 8,
        batchNorm: 'frozen',
        classifierLrMultiplier: 10,
        backboneInit: { kind: 'kaimingNormal', mode: 'fanOut', nonlinearity: 'relu' },
        classifierInit: { kind: 'normal', std: 0.01 },
      },
      trainer: {
        lambdaAdv: 0.001,
        segmenterOptimizer: { kind: 'sgd', lr: 2.5e-4, momentum: 0.9, weightDecay: 5e-4, schedule: { kind: 'poly', maxSteps: 250000, power: 0.9 } },
        discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'poly', maxSteps: 250000, power: 0.9 } },
        discriminator: { baseChannels: 64, negativeSlope: 0.2 },
      },
    });
  });

  it('FCN8s defaults: dropout 0.5 channelwise, fixed bilinear upsampling, biases ×2; Adam 1e-5 (0.9, 0.99) step ×0.1/50k, λ 0.0001', () => {
    expect(resolveSegmenterConfig({ arch: 'fcn8s' })).toEqual({
      arch: 'fcn8s',
      network: {
        numClasses: 19,
        widthMultiplier: 1,
        dropout: 0.5,
        dropout2d: true,
        learnUpsampling: false,
        biasLrMultiplier: 2,
        backboneInit: { kind: 'kaimingNormal', mode: 'fanIn', nonlinearity: 'relu' },
      },
      trainer: {
        lambdaAdv: 0.0001,
        segmenterOptimizer: { kind: 'adam', lr: 1e-5, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'step', stepSize: 50000, gamma: 0.1 } },
        discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'step', stepSize: 50000, gamma: 0.1 } },
        discriminator: { baseChannels: 64, negativeSlope: 0.2 },
      },
    });
    // The architecture defaults to DeepLabV2 (SPEC §3's main setting).
    expect(resolveSegmenterConfig().arch).toBe('deeplabv2');
  });

  it('given values are kept, the others defaulted; a resolved section resolves to itself', () => {
    const c = resolveSegmenterConfig({ arch: 'deeplabv2', network: { asppBranches: 2, widthMultiplier: 0.125 }, trainer: { lambdaAdv: 0.5 } });
    expect(c.network).toMatchObject({ asppBranches: 2, widthMultiplier: 0.125, outputStride: 8 });
    expect(c.trainer.lambdaAdv).toBe(0.5);
    expect(resolveDeepLabV2Config(c.network as never)).toEqual(c.network);
    expect(resolveSegmenterTrainerConfig('deeplabv2', c.trainer)).toEqual(c.trainer);
  });

  it("the deprecated 'width' is read as widthMultiplier, with a notice; both given is refused", () => {
    const notices: string[] = [];
    const c = resolveSegmenterConfig({ arch: 'fcn8s', network: { width: 0.25 } }, (m) => notices.push(m));
    expect(c.network.widthMultiplier).toBe(0.25);
    expect('width' in c.network).toBe(false);
    expect(notices).toEqual([DEPRECATED_WIDTH]);
    expect(DEPRECATED_WIDTH).toMatch(/'width' is deprecated.*'widthMultiplier'/);
    expect(() => resolveFCN8sConfig({ width: 0.25, widthMultiplier: 0.5 })).toThrow(/FCN8s: width and 'widthMultiplier' are the same setting; give only widthMultiplier, received 0.25/);
  });

  it.each([
    [{ arch: 'deeplabv2', network: { widthMultiplier: 0 } }, /network.widthMultiplier must be in \(0, 4\], received 0/],
    [{ arch: 'deeplabv2', network: { outputStride: 16 } }, /network.outputStride must be 8 or 4, received 16/],
    [{ arch: 'deeplabv2', network: { batchNorm: 'train' } }, /network.batchNorm must be 'frozen' or 'batch', received "train"/],
    [{ arch: 'deeplabv2', network: { asppDilations: [6, 1.5] } }, /network.asppDilations.1 must be a positive integer, received 1.5/],
    [{ arch: 'deeplabv2', network: { depth: { kind: 'custom', blocks: [1, 0, 1, 1] } } }, /network.depth must be .*received \{"kind":"custom","blocks":\[1,0,1,1\]\}/],
    [{ arch: 'deeplabv2', network: { dropout: 0.5 } }, /network.dropout is not a known key \(expected one of numClasses, widthMultiplier, depth,/],
    [{ arch: 'fcn8s', network: { dropout: 1 } }, /network.dropout must be in \[0, 1\), received 1/],
    [{ arch: 'fcn8s', network: { asppDilations: [1] } }, /network.asppDilations is not a known key/],
    [{ arch: 'fcn8s', network: { numClasses: 16 } }, /network.numClasses is not a config key/],
    [{ arch: 'deeplabv2', trainer: { lambdaAdv: -1 } }, /trainer.lambdaAdv must be a finite number ≥ 0, received -1/],
    [{ arch: 'deeplabv2', trainer: { segmenterOptimizer: { kind: 'rmsprop', lr: 1 } } }, /trainer.segmenterOptimizer.kind must be 'sgd' or 'adam', received "rmsprop"/],
    [{ arch: 'deeplabv2', trainer: { segmenterOptimizer: { kind: 'sgd', lr: 1e-3, momentum: 0.9, weightDecay: 0, schedule: { kind: 'poly', maxSteps: 0, power: 0.9 } } } }, /trainer.segmenterOptimizer.schedule .*maxSteps must be a positive integer/],
    [{ arch: 'deeplabv2', trainer: { discriminator: { baseChannels: 0 } } }, /trainer.discriminator.baseChannels must be a positive integer, received 0/],
    [{ arch: 'deeplabv2', trainer: { optimiser: {} } }, /trainer.optimiser is not a known key \(expected one of lambdaAdv, segmenterOptimizer, discriminatorOptimizer, discriminator\)/],
    [{ arch: 'pspnet' }, /arch must be one of deeplabv2, fcn8s, received "pspnet"/],
  ])('%j is refused, naming the field and quoting the value', (input, message) => {
    expect(() => resolveSegmenterConfig(input as never)).toThrow(SegmenterConfigError);
    expect(() => resolveSegmenterConfig(input as never)).toThrow(message);
  });

  it('problems of both sections are reported together', () => {
    try {
      resolveSegmenterConfig({ arch: 'deeplabv2', network: { outputStride: 2 }, trainer: { lambdaAdv: 'x' } });
      throw new Error('not refused');
    } catch (e) {
      expect((e as SegmenterConfigError).problems.map((p) => p.path)).toEqual(['network.outputStride', 'trainer.lambdaAdv']);
    }
  });

  it('the output-space discriminator takes its classes from the segmenter (default 19)', () => {
    expect(resolveOutputDiscriminatorConfig()).toEqual({ numClasses: 19, baseChannels: 64, negativeSlope: 0.2 });
    expect(() => resolveOutputDiscriminatorConfig({ negativeSlope: 1 })).toThrow(/negativeSlope must be in \[0, 1\), received 1/);
  });
});

describe('resolvePseudoLabelRule (SPEC §3: δ 0.9 (R); BDL class-median capped at 0.9)', () => {
  it('defaults', () => {
    expect(resolvePseudoLabelRule()).toEqual({ kind: 'threshold', delta: 0.9 });
    expect(resolvePseudoLabelRule({ kind: 'threshold' })).toEqual({ kind: 'threshold', delta: 0.9 });
    expect(resolvePseudoLabelRule({ kind: 'class-median' })).toEqual({ kind: 'class-median', cap: 0.9, bins: 10000 });
  });
  it.each([
    [{ kind: 'threshold', delta: 0 }, /delta must be in \(0, 1\], received 0/],
    [{ kind: 'threshold', delta: 1.5 }, /delta must be in \(0, 1\], received 1.5/],
    [{ kind: 'class-median', cap: 0 }, /cap must be in \(0, 1\], received 0/],
    [{ kind: 'class-median', bins: 2.5 }, /bins must be a positive integer, received 2.5/],
    [{ kind: 'threshold', cap: 0.5 }, /cap is not a known key/],
    [{ kind: 'top-k' }, /pseudo-labels: kind must be 'threshold' or 'class-median', received "top-k"/],
  ])('%j is refused', (input, message) => {
    expect(() => resolvePseudoLabelRule(input as never)).toThrow(message);
  });
});

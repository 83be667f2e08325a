/**
 * Presets: the paper's four settings (GTA5 or SYNTHIA → Cityscapes, with
 * DeepLabV2 or FCN8s; SPEC §2–§6) and the CPU demo. A preset is a partial
 * config; a config file and then command-line flags are merged over it.
 * Values marked (R) in SPEC are the defaults of the owning packages, so the
 * presets only set what differs between settings.
 */
import { deepMerge } from './run-config';

type Partial = Record<string, unknown>;

const pairs: Record<string, Partial> = {
  'gta5→cityscapes': {
    data: {
      source: { dataset: 'gta5', root: 'datasets/gta5' },
      target: { dataset: 'cityscapes', root: 'datasets/cityscapes' },
    },
    optimization: { selectBy: 'miou19' },
  },
  'synthia→cityscapes': {
    data: {
      source: { dataset: 'synthia', root: 'datasets/synthia' },
      target: { dataset: 'cityscapes', root: 'datasets/cityscapes' },
    },
  },
};

/**
 * The initial weights of the paper's experiments (BDL's starting points) and
 * how to make them: the converter runs with the user's own PyTorch on the
 * released file (these machines cannot download it).
 */
export const PAPER_INIT_WEIGHTS = {
  deeplabv2: {
    file: 'weights/deeplabv2-init.safetensors',
    from: "BDL's DeepLab-V2 initial model DeepLab_resnet_pretrained_init-f81d91e8.pth (ImageNet ResNet-101, linked from BDL's README)",
    command: 'python3 tools/convert_pth_to_safetensors.py --arch deeplabv2 DeepLab_resnet_pretrained_init-f81d91e8.pth weights/deeplabv2-init.safetensors',
  },
  fcn8s: {
    file: 'weights/fcn8s-init.safetensors',
    from: "ImageNet VGG16 (torchvision's vgg16-397923af.pth), or BDL's released 'initial weights of GTA5 / SYNTHIA for VGG16-FCN' (same command, that file instead)",
    command: 'python3 tools/convert_pth_to_safetensors.py --arch fcn8s vgg16-397923af.pth weights/fcn8s-init.safetensors',
  },
} as const;

/**
 * BDL's optimisation per architecture, stated in full (the segmenter README
 * tables cite the BDL file of each value). Both stop at 120k steps
 * (`num_steps_stop`, options/train_options.py) of a schedule spanning 250k.
 */
const archs: Record<string, Partial> = {
  deeplabv2: {
    optimization: { sourceSteps: 120_000, segmenterSteps: 120_000 },
    model: {
      segmenter: {
        arch: 'deeplabv2',
        init: PAPER_INIT_WEIGHTS.deeplabv2.file,
        // BDL's deeplab.py sums all four ASPP branches (AdaptSegNet's returns after two: asppBranches 2).
        network: { asppBranches: 4, classifierLrMultiplier: 10 },
        trainer: {
          lambdaAdv: 0.001,
          segmenterOptimizer: { kind: 'sgd', lr: 2.5e-4, momentum: 0.9, weightDecay: 5e-4, schedule: { kind: 'poly', maxSteps: 250_000, power: 0.9 } },
          discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'poly', maxSteps: 250_000, power: 0.9 } },
        },
      },
    },
  },
  fcn8s: {
    optimization: { sourceSteps: 120_000, segmenterSteps: 120_000 },
    model: {
      segmenter: {
        arch: 'fcn8s',
        init: PAPER_INIT_WEIGHTS.fcn8s.file,
        network: { dropout: 0.5, dropout2d: true, learnUpsampling: false, biasLrMultiplier: 2 },
        trainer: {
          lambdaAdv: 0.0001,
          segmenterOptimizer: { kind: 'adam', lr: 1e-5, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'step', stepSize: 50_000, gamma: 0.1 } },
          discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'step', stepSize: 50_000, gamma: 0.1 } },
        },
      },
    },
  },
};

/** SPEC §6: SYNTHIA is reported on 13 classes with DeepLabV2, 16 with FCN8s. */
function selectFor(pair: string, arch: string): Partial {
  if (pair !== 'synthia→cityscapes') return {};
  return { optimization: { selectBy: arch === 'deeplabv2' ? 'miou13' : 'miou16' } };
}

/**
 * The CPU demo (issue 9 §4): the procedural mini-benchmark of data-core in
 * datasets/demo, tiny resolution and widths, few steps. Tuned so that the
 * whole `demo` (source-only, oracle, 2 adaptation rounds) fits in 20 minutes
 * on 2 cores with the wasm backend; see README for the measured numbers.
 */
export const DEMO_PRESET: Partial = {
  preset: 'demo',
  backend: 'wasm',
  data: {
    source: { dataset: 'gta5', root: 'datasets/demo/gta5' },
    target: { dataset: 'cityscapes', root: 'datasets/demo/cityscapes' },
    resize: [64, 32],
    translatorCrop: null,
    segmenterCrop: null,
    flip: true,
    workers: 0,
  },
  optimization: {
    sourceSteps: 400,
    oracleSteps: 400,
    // Each round's translator continues the previous one's: 450, 900, 1350 steps by rounds 1–3
    // (measured: 200 per round gave +3.4, 450 gave +4.1, 600 less than 450 after two rounds).
    translatorSteps: 450,
    translatorWarmStart: true,
    // 300, not 150: round 1 of --seed 7 14.5 → 15.6, best round 15.2 → 17.7 (+1.75 min).
    segmenterSteps: 300,
    // Round 1 trains on translated source + adversarial only; pseudo-labels from round 2 on (BDL's
    // order). Measured: S₀'s class-median pseudo-labels are 65 % correct (void excluded; its 'car'
    // pixels 5 %), S₁'s 74 %; round 1 trained on S₀'s reached 13.6 mIoU19, without them 16.4.
    pseudoLabelsFromRound: 2,
    // The demo's measured margins (README) hand on each stage's best checkpoint on target val;
    // the paper presets keep the default 'last' (BDL's final snapshot).
    select: 'best-on-target-val',
    checkpointEvery: 50,
    evalEvery: 0,
    minRounds: 2,
    maxRounds: 3,
    batchSize: 4,
  },
  model: {
    // A small DeepLabV2: one bottleneck per stage, 1/8 of the widths, small ASPP dilations (logits are 8×4).
    segmenter: {
      arch: 'deeplabv2',
      network: { widthMultiplier: 0.125, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, asppDilations: [1, 2, 3, 4] },
      // From scratch in a few hundred steps: Adam 1e-3 instead of the paper's SGD 2.5e-4 from ImageNet weights.
      trainer: {
        segmenterOptimizer: { kind: 'adam', lr: 1e-3, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'constant' } },
        discriminatorOptimizer: { kind: 'adam', lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, schedule: { kind: 'constant' } },
      },
      pseudoLabel: { kind: 'class-median', cap: 0.9 },
    },
    translator: {
      widthMultiplier: 0.125,
      residualBlocks: 1,
      discriminatorScales: 1,
      // 450 steps per round instead of the paper's 1e6: TTUR rates ×20 (ratio 1:4 kept), constant.
      optimization: { lrGenerator: 2e-3, lrDiscriminator: 8e-3, schedule: { kind: 'constant' } },
    },
  },
  logging: { reportImages: 4 },
};

function canonicalPair(name: string): string | undefined {
  const n = name.toLowerCase().replace(/->|2|_to_|-to-|→/g, '→');
  if (n === 'gta5→cityscapes' || n === 'gta→cityscapes') return 'gta5→cityscapes';
  if (n === 'synthia→cityscapes') return 'synthia→cityscapes';
  return undefined;
}

/** Every preset name `--preset` accepts (ASCII spellings like `gta5-to-cityscapes/fcn8s` also work). */
export const PRESET_NAMES = [
  ...Object.keys(pairs).flatMap((p) => Object.keys(archs).map((a) => `${p}/${a}`)),
  'demo',
];

/**
 * Resolves a preset name: `<pair>[/<arch>]` (arch default deeplabv2) or
 * `demo`. Throws listing the valid names.
 */
export function presetConfig(name: string): Partial {
  if (name === 'demo') return structuredClone(DEMO_PRESET);
  const [pairName, archName = 'deeplabv2'] = name.split('/');
  const pair = canonicalPair(pairName);
  const arch = archName.toLowerCase();
  if (!pair || !archs[arch]) {
    throw new Error(`unknown preset '${name}'; expected one of: ${PRESET_NAMES.join(', ')}`);
  }
  let out: Partial = { preset: `${pair}/${arch}` };
  out = deepMerge(out, pairs[pair]);
  out = deepMerge(out, archs[arch]);
  return deepMerge(out, selectFor(pair, arch));
}

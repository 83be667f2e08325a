/**
 * The conv blocks Appendix B's tables are made of, built from core-layers
 * layers: a spectrally normalized conv with reflect padding (SPEC §2: every
 * translator conv is SN'd, reflect-padded by k//2, stride-2 k4 convs by 1),
 * optionally followed by a normalization and an activation. Children are
 * named `conv`, `norm`, `act` (and `upsample` first when there is one), so
 * parameters read `E_s.down1.conv.module.weight`.
 */
import {
  Conv2d,
  InstanceNorm,
  LayerModule,
  LayerNorm,
  LeakyReLU,
  ReLU,
  Residual,
  Resize,
  Rng,
  Sequential,
  SpectralNorm,
  Tanh,
} from '@semadapt/core-layers';

/** A normalization of Appendix B's "Normalization" column. */
export type BlockNorm = { kind: 'instance' } | { kind: 'layer' } | { kind: 'none' };

/** An activation of Appendix B's "Activation function" column. */
export type BlockActivation = { kind: 'relu' } | { kind: 'leakyRelu'; slope: number } | { kind: 'tanh' } | { kind: 'none' };

/** One row of an Appendix B table. */
export interface ConvBlockSpec {
  inChannels: number;
  outChannels: number;
  kernelSize: number;
  stride: number;
  norm: BlockNorm;
  activation: BlockActivation;
  /** Nearest ×2 upsampling before the conv (the previous row's "Output upsampling"). Default false. */
  upsampleFirst?: boolean;
}

/** Reflect padding of SPEC §2: k//2, or 1 for the stride-2 k4 convs. */
export function reflectPadding(kernelSize: number, stride: number): number {
  return stride === 1 ? Math.floor(kernelSize / 2) : 1;
}

/** `SN(conv)` with reflect padding. */
export function snConv(inChannels: number, outChannels: number, kernelSize: number, stride: number, rng: Rng): SpectralNorm {
  const padding = reflectPadding(kernelSize, stride);
  const conv = new Conv2d({
    inChannels,
    outChannels,
    kernelSize,
    stride,
    padding: padding > 0 ? { kind: 'reflect', size: padding } : { kind: 'valid' },
    rng,
  });
  return new SpectralNorm(conv, { rng });
}

function normLayer(norm: BlockNorm, channels: number): LayerModule | null {
  switch (norm.kind) {
    case 'instance':
      return new InstanceNorm({ channels });
    case 'layer':
      return new LayerNorm({ channels });
    case 'none':
      return null;
    default: {
      const never: never = norm;
      throw new Error(`convBlock: unknown norm ${JSON.stringify(never)}`);
    }
  }
}

function activationLayer(act: BlockActivation): LayerModule | null {
  switch (act.kind) {
    case 'relu':
      return new ReLU();
    case 'leakyRelu':
      return new LeakyReLU({ negativeSlope: act.slope });
    case 'tanh':
      return new Tanh();
    case 'none':
      return null;
    default: {
      const never: never = act;
      throw new Error(`convBlock: unknown activation ${JSON.stringify(never)}`);
    }
  }
}

/** `[upsample] → SN(conv) → [norm] → [act]`, as one `Sequential`. */
export function convBlock(spec: ConvBlockSpec, rng: Rng): Sequential {
  const layers: Record<string, LayerModule> = {};
  if (spec.upsampleFirst) layers['upsample'] = new Resize({ mode: { kind: 'nearest' }, to: { kind: 'scale', factor: 2 } });
  layers['conv'] = snConv(spec.inChannels, spec.outChannels, spec.kernelSize, spec.stride, rng);
  const norm = normLayer(spec.norm, spec.outChannels);
  if (norm) layers['norm'] = norm;
  const act = activationLayer(spec.activation);
  if (act) layers['act'] = act;
  return new Sequential(layers);
}

/**
 * The encoder's residual block (Appendix B; MUNIT's `ResBlock` with IN):
 * `x + IN(SN conv3(ReLU(IN(SN conv3(x)))))`. Also the generator's block when
 * the `spade` ablation switch is off (SPEC §2, Table 3).
 */
export function instanceResBlock(channels: number, rng: Rng): Residual {
  return new Residual({
    body: new Sequential({
      conv1: snConv(channels, channels, 3, 1, rng),
      norm1: new InstanceNorm({ channels }),
      act: new ReLU(),
      conv2: snConv(channels, channels, 3, 1, rng),
      norm2: new InstanceNorm({ channels }),
    }),
  });
}

/**
 * The segmenter architectures of SPEC §3 by name, as a typed factory: what a
 * run config's `model.segmenter.arch` selects. Each entry builds its network
 * from that architecture's config section (`resolveSegmenterConfig(...).network`,
 * or any subset of it: the network resolves its defaults) and a seeded stream.
 */
import { Rng } from '@semadapt/core-layers';
import type { DeepLabV2ConfigInput, FCN8sConfigInput, SegmenterArch, SegmenterNetworkConfig } from '../config/segmenter-config';
import { DeepLabV2 } from './deeplab-v2';
import { FCN8s } from './fcn8s';
import type { Segmenter } from './segmenter';

/** Builds each architecture from its network config and the stream of its initial weights. */
export const SEGMENTERS = {
  deeplabv2: (network: DeepLabV2ConfigInput, rng?: Rng): DeepLabV2 => new DeepLabV2({ ...network, rng }),
  fcn8s: (network: FCN8sConfigInput, rng?: Rng): FCN8s => new FCN8s({ ...network, rng }),
} as const satisfies Record<SegmenterArch, (network: never, rng?: Rng) => Segmenter>;

/** The network of a tagged config (`{ arch, network }`, e.g. from `resolveSegmenterConfig`). */
export function buildSegmenter(config: SegmenterNetworkConfig, rng?: Rng): Segmenter {
  switch (config.arch) {
    case 'deeplabv2':
      return SEGMENTERS.deeplabv2(config.network, rng);
    case 'fcn8s':
      return SEGMENTERS.fcn8s(config.network, rng);
    default: {
      const never: never = config;
      throw new Error(`buildSegmenter: unknown architecture ${JSON.stringify((never as { arch: unknown }).arch)}`);
    }
  }
}

/**
 * What only a constructor can check (an initializer's fields, an optimizer
 * built over the real parameters) is checked before any work too: the
 * network of a resolved config and its adapt-mode trainer (so the
 * output-space discriminator and both optimizers are built) are constructed
 * once at a channel width that costs nothing, and disposed. Needs a started
 * tfjs backend; draws nothing from any shared random stream.
 */
import { Rng } from '@semadapt/core-layers';
import type { SegmenterConfig, SegmenterNetworkConfig } from '../config/segmenter-config';
import { buildSegmenter } from '../networks/segmenter-factory';
import { SegmenterTrainer } from './segmenter-trainer';

/** The smallest width multiplier: every layer keeps one channel. */
const PROBE_WIDTH = 1 / 4096;

/** Throws the constructor's error, prefixed `network:` or `trainer:`. */
export function probeSegmenterConfig(config: SegmenterConfig): void {
  let net;
  try {
    net = buildSegmenter({ arch: config.arch, network: { ...config.network, widthMultiplier: PROBE_WIDTH } } as SegmenterNetworkConfig, new Rng(0));
  } catch (e) {
    throw new Error(`network: ${(e as Error).message}`);
  }
  try {
    new SegmenterTrainer(net, { ...config.trainer, mode: { kind: 'adapt' }, discriminator: { ...config.trainer.discriminator, rng: new Rng(1) } }).dispose();
  } catch (e) {
    throw new Error(`trainer: ${(e as Error).message}`);
  } finally {
    net.dispose();
  }
}

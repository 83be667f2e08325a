/**
 * Every value of the segmenter section is checked before any work, not when
 * a stage first builds a model (which for the discriminator and its optimizer
 * is round 1, hours in): besides the package's schema check
 * (`resolveSegmenterConfig`, done when the config is resolved), the network
 * and the trainer (adapt mode, so the discriminator and its optimizer are
 * built too) are constructed once through @semadapt/segmenter's factory at a
 * channel width small enough to cost nothing, and disposed — what only a
 * constructor can check (e.g. an initializer's fields) fails here. Needs a
 * started tfjs backend.
 */
import { Rng } from '@semadapt/core-layers';
import { buildSegmenter, SegmenterTrainer, type SegmenterConfig, type SegmenterNetworkConfig } from '@semadapt/segmenter';
import { ConfigError } from './run-config';

/** The smallest width multiplier: every layer keeps one channel. */
const PROBE_WIDTH = 1 / 4096;

/** Throws `ConfigError` (exit 2) naming the section and the package's message. */
export function validateModelValues(segmenter: SegmenterConfig): void {
  const problems: string[] = [];
  try {
    const probe = { arch: segmenter.arch, network: { ...segmenter.network, widthMultiplier: PROBE_WIDTH } } as SegmenterNetworkConfig;
    const net = buildSegmenter(probe, new Rng(0));
    try {
      const trainer = new SegmenterTrainer(net, { ...segmenter.trainer, mode: { kind: 'adapt' }, discriminator: { ...segmenter.trainer.discriminator, rng: new Rng(1) } });
      trainer.dispose();
    } catch (e) {
      problems.push(`model.segmenter.trainer: ${(e as Error).message}`);
    } finally {
      net.dispose();
    }
  } catch (e) {
    problems.push(`model.segmenter.network: ${(e as Error).message}`);
  }
  if (problems.length) throw new ConfigError(problems);
}

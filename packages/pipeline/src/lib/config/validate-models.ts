/**
 * Every value of the model sections is checked before any work, not when a
 * stage first builds a model (which for the discriminator's optimizer is
 * round 1, hours in): the segmenter's network options and the trainer's
 * (in adapt mode, so the discriminator and its optimizer are built too) are
 * handed to @semadapt/segmenter's own constructors once, at a channel width
 * small enough to cost nothing, and disposed. The width itself is checked
 * by the package's `resolveCommonOptions`. Needs a started tfjs backend.
 */
import { resolveCommonOptions, SegmenterTrainer } from '@semadapt/segmenter';
import { buildNet, segmenterTrainerOptions } from '../engine/segmenter-stage';
import { ConfigError, RunConfig } from './run-config';

/** The smallest width multiplier: every layer keeps one channel. */
const PROBE_WIDTH = 1 / 4096;

/** Throws `ConfigError` (exit 2) naming the section and the package's message. */
export function validateModelValues(config: RunConfig): void {
  const seg = config.model.segmenter;
  const problems: string[] = [];
  try {
    resolveCommonOptions(seg.arch, seg.network as { width?: number });
    const net = buildNet({ arch: seg.arch, network: { ...seg.network, width: PROBE_WIDTH }, numClasses: 19 }, 0);
    try {
      const trainer = new SegmenterTrainer(net, segmenterTrainerOptions(seg.trainer, 'adapt', 0));
      trainer.discriminator?.dispose();
      trainer.segmenterOptimizer.dispose();
      trainer.discriminatorOptimizer?.dispose();
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

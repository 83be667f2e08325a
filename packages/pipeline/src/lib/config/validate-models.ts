/**
 * Every value of the segmenter section is checked before any work, not when
 * a stage first builds a model (which for the discriminator and its optimizer
 * is round 1, hours in): besides the package's schema check
 * (`resolveSegmenterConfig`, done when the config is resolved), the package
 * builds the network and its trainer once at no cost (`probeSegmenterConfig`).
 * Needs a started tfjs backend.
 */
import { probeSegmenterConfig, type SegmenterConfig } from '@semadapt/segmenter';
import { ConfigError } from './run-config';

/** Throws `ConfigError` (exit 2) naming the section and the package's message. */
export function validateModelValues(segmenter: SegmenterConfig): void {
  try {
    probeSegmenterConfig(segmenter);
  } catch (e) {
    throw new ConfigError([`model.segmenter.${(e as Error).message}`]);
  }
}

/**
 * What a stage of the method works with: the validated config and its typed
 * model sections, the open run directory, this process's manifest record and the backend that runs. The
 * commands build it (`commands/context.ts` `openRun`); the engine only reads it.
 */
import type { Manifest, RunDir } from '@semadapt/runner';
import type { SegmenterConfig } from '@semadapt/segmenter';
import type { TranslatorConfig } from '@semadapt/translator';
import type { RunConfig } from '../config/run-config';

/** The model sections of a run's config, typed and defaults filled by their packages (`resolveModelConfigs`). */
export interface ModelConfigs {
  translator: TranslatorConfig;
  segmenter: SegmenterConfig;
}

export interface RunContext {
  config: RunConfig;
  /** `config.model`'s translator and segmenter, resolved once before any work. */
  models: ModelConfigs;
  run: RunDir;
  manifest: Manifest;
  backend: string;
}

/**
 * What a stage of the method works with: the validated config, the open run
 * directory, this process's manifest record and the backend that runs. The
 * commands build it (`commands/context.ts` `openRun`); the engine only reads it.
 */
import type { Manifest, RunDir } from '@semadapt/runner';
import type { RunConfig } from '../config/run-config';

export interface RunContext {
  config: RunConfig;
  run: RunDir;
  manifest: Manifest;
  backend: string;
}

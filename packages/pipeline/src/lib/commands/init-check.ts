/**
 * `--from-scratch` and the initial-weights check of the commands that train a
 * segmenter from `model.segmenter.init` (train-source, train-oracle, adapt):
 * run before the run directory is touched (see config/init-weights.ts).
 */
import { checkSegmenterInit, FROM_SCRATCH_OVERRIDE } from '../config/init-weights';
import { deepMerge } from '../config/run-config';
import { configFromArgs, RunArgs } from './context';

/** `--from-scratch` as its config override (`model.segmenter.init: null`); throws `ConfigError` when the init file is missing. */
export function withInitChecked(argv: Record<string, unknown>): Record<string, unknown> {
  const args = argv['fromScratch'] === true ? deepMerge(argv, FROM_SCRATCH_OVERRIDE) : argv;
  checkSegmenterInit(configFromArgs(args as RunArgs));
  return args;
}

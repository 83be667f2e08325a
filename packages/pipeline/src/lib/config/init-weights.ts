/**
 * A segmenter trained from random weights is not the paper's experiment:
 * BDL starts DeepLabV2 from ImageNet ResNet-101 and FCN8s from VGG16. Before
 * any work, a command that trains from `model.segmenter.init` checks the file
 * exists and otherwise refuses, saying how to make it — unless the run asks
 * for random weights on purpose (`init: null`, i.e. `--from-scratch`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PAPER_INIT_WEIGHTS } from './presets';
import { ConfigError, RunConfig } from './run-config';

/** The config override of `--from-scratch`: train from random weights on purpose. */
export const FROM_SCRATCH_OVERRIDE = { model: { segmenter: { init: null } } } as const;

/** What the run starts from: a file, random weights on purpose, or random weights (no init configured). */
export function segmenterInitOf(config: RunConfig): { kind: 'file'; file: string } | { kind: 'from-scratch' } | { kind: 'random' } {
  const init = config.model.segmenter.init;
  if (init === null) return { kind: 'from-scratch' };
  if (init === undefined) return { kind: 'random' };
  return { kind: 'file', file: init };
}

/** Throws a `ConfigError` (exit 2) when `model.segmenter.init` names a file that is not there. */
export function checkSegmenterInit(config: RunConfig): void {
  const init = segmenterInitOf(config);
  if (init.kind !== 'file' || fs.existsSync(init.file)) return;
  const paper = PAPER_INIT_WEIGHTS[config.model.segmenter.arch];
  const how =
    init.file === paper.file
      ? `it is made from ${paper.from}: ${paper.command}`
      : `convert your .pth with tools/convert_pth_to_safetensors.py --arch ${config.model.segmenter.arch} SRC.pth ${init.file}`;
  throw new ConfigError([
    `model.segmenter.init: ${path.resolve(init.file)} not found${config.preset ? ` (preset ${config.preset} starts from it)` : ''}; ${how}. ` +
      'To train from random weights instead (not the paper\'s experiment), pass --from-scratch.',
  ]);
}

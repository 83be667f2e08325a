/**
 * The datasets of a run, opened from the `data` section through the reader
 * packages (SPEC §5): source train (labelled GTA5 or SYNTHIA), target train
 * (Cityscapes train, labels dropped — unsupervised — except for the oracle)
 * and target val (labelled). Training pipelines (resize, crop, flip) are
 * data-core's and yield RGB pixels (the models normalise); derived sets (translated source,
 * pseudo-labelled target) pair files written by earlier stages.
 */
import * as path from 'path';
import { PairedFileDataset, SamplePipeline } from '@semadapt/data-core';
import { openCityscapes } from '@semadapt/data-cityscapes';
import { openGta5 } from '@semadapt/data-gta5';
import { openSynthia } from '@semadapt/data-synthia';
import { DataConfig, RunConfig } from '../config/run-config';
import { pngName } from './inference';

function limited(ds: PairedFileDataset, limit: number): PairedFileDataset {
  if (limit <= 0 || ds.length <= limit) return ds;
  return ds.subset(Array.from({ length: limit }, (_, i) => i));
}

function withoutLabels(ds: PairedFileDataset, title: string): PairedFileDataset {
  return new PairedFileDataset(title, ds.allSpecs().map((s) => ({ name: s.name, image: s.image })), ds.pipeline);
}

export class Datasets {
  readonly sourceTrain: PairedFileDataset;
  readonly targetTrain: PairedFileDataset;
  readonly targetVal: PairedFileDataset;
  private readonly targetTrainWithLabels: PairedFileDataset;

  constructor(readonly data: DataConfig, log: (m: string) => void = () => undefined) {
    const src = data.source;
    const common = { sizeMismatch: src.skipSizeMismatch ? ('skip' as const) : ('error' as const), strictLabelIds: data.strictLabelIds };
    const source =
      src.dataset === 'gta5'
        ? openGta5(src.root, { ...common, list: src.split })
        : openSynthia(src.root, { ...common, list: src.split, classes: src.classes });
    for (const w of source.warnings) log(`warning: ${w.path}: ${w.message}`);
    this.sourceTrain = limited(source, data.limit);
    const tgt = data.target;
    this.targetTrainWithLabels = limited(openCityscapes(tgt.root, { split: tgt.trainSplit as 'train', strictLabelIds: data.strictLabelIds }), data.limit);
    this.targetTrain = withoutLabels(this.targetTrainWithLabels, 'cityscapes train (unlabelled)');
    this.targetVal = limited(openCityscapes(tgt.root, { split: tgt.valSplit as 'val', strictLabelIds: data.strictLabelIds }), data.limit);
    log(`data: source ${src.dataset} ${this.sourceTrain.length} images (${src.root}); target train ${this.targetTrain.length}, val ${this.targetVal.length} (${tgt.root})`);
  }

  /** Target train with its labels: only the oracle (upper bound) and `evaluate --split train` use them. */
  targetTrainLabelled(): PairedFileDataset {
    return this.targetTrainWithLabels;
  }

  private training(crop: readonly [number, number] | null): SamplePipeline {
    return {
      resize: { kind: 'size', width: this.data.resize[0], height: this.data.resize[1] },
      crop: crop ? { width: crop[0], height: crop[1] } : undefined,
      flipProbability: this.data.flip ? 0.5 : 0,
    };
  }

  /** Translator training pipeline: resize, translator crop, flip (SPEC §2); RGB pixels. */
  forTranslator(ds: PairedFileDataset): PairedFileDataset {
    return ds.withPipeline(this.training(this.data.translatorCrop));
  }

  /** Segmenter training pipeline: resize, segmenter crop, flip (SPEC §3); RGB pixels. */
  forSegmenter(ds: PairedFileDataset): PairedFileDataset {
    return ds.withPipeline(this.training(this.data.segmenterCrop));
  }

  /** Translated source images (from `translate`) with the source labels. */
  translatedSource(dir: string): PairedFileDataset {
    const specs = this.sourceTrain.allSpecs().map((s) => ({ name: s.name, image: path.join(dir, pngName(s.name)), label: s.label }));
    return new PairedFileDataset('translated source', specs, { labelLut: this.sourceTrain.pipeline.labelLut });
  }

  /** Target train images with the pseudo-labels of `pseudo-label` (trainId PNGs, 255 ignored). */
  pseudoLabelledTarget(dir: string): PairedFileDataset {
    const specs = this.targetTrain.allSpecs().map((s) => ({ name: s.name, image: s.image, label: path.join(dir, pngName(s.name)) }));
    return new PairedFileDataset('pseudo-labelled target', specs, {});
  }
}

export function openDatasets(config: RunConfig, log: (m: string) => void): Datasets {
  return new Datasets(config.data, log);
}

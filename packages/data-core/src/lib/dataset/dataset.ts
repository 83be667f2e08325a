/**
 * Datasets: anything with a length, an item by index and a name by index.
 * File-backed datasets also expose each item as a serializable
 * {@link SampleSpec} so the {@link DataLoader} can decode them in workers.
 */
import { hashSeed } from '../random/rng';
import { loadSample, validatePipeline, type Sample, type SampleSpec, type SamplePipeline } from './sample';

/** A random-access collection. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): Promise<T>;
  name(index: number): string;
}

/** A dataset of image/label files that workers can decode from specs. */
export interface FileDataset extends Dataset<Sample> {
  readonly pipeline: SamplePipeline;
  spec(index: number): SampleSpec;
}

/** Checks `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, what: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new RangeError(`${what}: index ${index} outside 0..${length - 1}`);
  }
}

/**
 * Image(/label) file pairs with a sample pipeline. `get(i)` decodes in the
 * calling thread with seed `hashSeed(seed, 0, i)`; the loader passes
 * per-epoch seeds instead.
 */
export class PairedFileDataset implements FileDataset {
  readonly length: number;

  /** @param title what the dataset is (e.g. 'gta5 train'), for messages. */
  constructor(
    readonly title: string,
    private readonly specs: readonly SampleSpec[],
    readonly pipeline: SamplePipeline = {},
    private readonly seed = 0,
  ) {
    validatePipeline(pipeline);
    this.length = specs.length;
  }

  spec(index: number): SampleSpec {
    checkIndex(index, this.length, this.title);
    return this.specs[index];
  }

  name(index: number): string {
    return this.spec(index).name;
  }

  async get(index: number): Promise<Sample> {
    return loadSample(this.spec(index), index, this.pipeline, hashSeed(this.seed, 0, index));
  }

  /** The same files with another pipeline (the dataset's label table and id limit are kept unless given). */
  withPipeline(pipeline: SamplePipeline, seed = this.seed): PairedFileDataset {
    return new PairedFileDataset(this.title, this.specs, { labelLut: this.pipeline.labelLut, labelIdLimit: this.pipeline.labelIdLimit, ...pipeline }, seed);
  }

  /** A subset by indices (e.g. a split or a debugging slice). */
  subset(indices: readonly number[], title = this.title): PairedFileDataset {
    return new PairedFileDataset(title, indices.map((i) => this.spec(i)), this.pipeline, this.seed);
  }

  /** All specs (copies of the list). */
  allSpecs(): SampleSpec[] {
    return this.specs.slice();
  }
}

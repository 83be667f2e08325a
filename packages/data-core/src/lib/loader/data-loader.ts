/**
 * The DataLoader: decodes a {@link FileDataset} in worker threads with a
 * bounded prefetch queue, in a deterministic order — shuffled from
 * (seed, epoch), sharded by rank/world size — and resumable at any
 * (epoch, index) position. Samples come out in order whatever the number of
 * workers, and each sample's crop/flip seed is (seed, epoch, dataset index),
 * so a run resumed at a position sees exactly what an uninterrupted one would.
 */
import { hashSeed, permutation } from '../random/rng';
import type { FileDataset } from '../dataset/dataset';
import { loadSample, type Sample } from '../dataset/sample';
import { makeShard, shardFromEnv, shardOrder, type Shard } from './shard';
import { WorkerPool } from './worker-pool';

/** Where a stream of samples is: `index` samples of `epoch` (of this shard's order) are consumed. */
export interface LoaderPosition {
  readonly epoch: number;
  readonly index: number;
}

/** One loaded sample and where it sits in the stream. */
export interface LoaderItem {
  readonly sample: Sample;
  /** This sample's position. */
  readonly position: LoaderPosition;
  /** The position to resume from after this sample (save it in checkpoints). */
  readonly next: LoaderPosition;
}

/** DataLoader options. */
export interface DataLoaderOptions {
  /** Decode workers. Default 2 (SPEC machine: 2 cores); 0 decodes in the calling thread. */
  readonly workers?: number;
  /** Most samples decoded ahead of the consumer (in flight + ready). Default 2 × workers (≥ 1). */
  readonly prefetch?: number;
  /** Shuffle each epoch from (seed, epoch). Default true. */
  readonly shuffle?: boolean;
  /** Seed of the order and of the augmentation. Default 0. */
  readonly seed?: number;
  /** This process's shard: explicit, 'env' ({@link shardFromEnv}), or default rank 0 of 1. */
  readonly shard?: { rank: number; worldSize: number } | 'env';
}

/** Streams samples of a dataset; call {@link DataLoader.close} when done. */
export class DataLoader {
  readonly shard: Shard;
  readonly workers: number;
  readonly prefetch: number;
  readonly shuffle: boolean;
  readonly seed: number;
  private pool: WorkerPool | undefined;

  constructor(readonly dataset: FileDataset, options: DataLoaderOptions = {}) {
    this.workers = options.workers ?? 2;
    if (!Number.isInteger(this.workers) || this.workers < 0) throw new RangeError(`DataLoader: workers must be an integer ≥ 0, got ${options.workers}`);
    this.prefetch = options.prefetch ?? Math.max(1, 2 * this.workers);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1) throw new RangeError(`DataLoader: prefetch must be an integer ≥ 1, got ${options.prefetch}`);
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    const s = options.shard;
    this.shard = s === undefined ? makeShard(0, 1, 'single') : s === 'env' ? shardFromEnv() : makeShard(s.rank, s.worldSize);
    if (dataset.length === 0) throw new RangeError('DataLoader: the dataset is empty');
  }

  /** Samples per epoch in this shard. */
  get epochLength(): number {
    return this.order(0).length;
  }

  /** Dataset indices of `epoch` for this shard, in order. */
  order(epoch: number): Uint32Array {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader: epoch must be an integer ≥ 0, got ${epoch}`);
    const n = this.dataset.length;
    let full: ArrayLike<number>;
    if (this.shuffle) full = permutation(n, this.seed, epoch);
    else {
      const id = new Uint32Array(n);
      for (let i = 0; i < n; i++) id[i] = i;
      full = id;
    }
    return shardOrder(full, this.shard);
  }

  /** The samples of one epoch from position `start` (default its beginning). */
  async *epoch(epoch: number, start = 0): AsyncGenerator<LoaderItem> {
    const order = this.order(epoch);
    if (!Number.isInteger(start) || start < 0 || start > order.length) {
      throw new RangeError(`DataLoader: start index ${start} outside 0..${order.length} for epoch ${epoch}`);
    }
    const inFlight = new Map<number, Promise<Sample>>();
    let dispatched = start;
    for (let k = start; k < order.length; k++) {
      while (dispatched < order.length && dispatched - k < this.prefetch) {
        const p = this.decode(order[dispatched], epoch);
        p.catch(() => undefined); // surfaced when awaited below
        inFlight.set(dispatched, p);
        dispatched++;
      }
      const pending = inFlight.get(k);
      if (!pending) throw new Error(`DataLoader: internal error, sample ${k} of epoch ${epoch} was never dispatched`);
      const sample = await pending;
      inFlight.delete(k);
      yield { sample, position: { epoch, index: k }, next: k + 1 < order.length ? { epoch, index: k + 1 } : { epoch: epoch + 1, index: 0 } };
    }
  }

  /** An endless stream over epochs from `from` (default epoch 0, index 0). */
  async *stream(from: LoaderPosition = { epoch: 0, index: 0 }): AsyncGenerator<LoaderItem> {
    let epoch = from.epoch;
    let index = from.index;
    for (;;) {
      yield* this.epoch(epoch, index);
      epoch++;
      index = 0;
    }
  }

  private decode(datasetIndex: number, epoch: number): Promise<Sample> {
    const seed = hashSeed(this.seed, epoch, datasetIndex);
    const spec = this.dataset.spec(datasetIndex);
    if (this.workers === 0) {
      try {
        return Promise.resolve(loadSample(spec, datasetIndex, this.dataset.pipeline, seed));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    this.pool ??= new WorkerPool(this.workers, this.dataset.pipeline);
    return this.pool.run(spec, datasetIndex, seed);
  }

  /** Stops the workers. The loader can be used again afterwards (new workers start on demand). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

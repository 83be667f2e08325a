/**
 * Batches for the training stages from data-core's `DataLoader`: a
 * deterministic, endless stream (shuffled from (seed, epoch); crop/flip
 * seeded per sample) whose position is part of every checkpoint, so a
 * resumed run draws exactly the batches an uninterrupted one would.
 * Images are handed on as RGB pixels in [0, 255]: each model owns its
 * normalisation (the segmenters inside `forward`, the translator's [−1, 1]
 * through `rgbToTranslatorImage`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataLoader, FileDataset, ImageU8, LabelMap, LoaderItem, LoaderPosition } from '@semadapt/data-core';

export interface Batch {
  /** NHWC float32 images, RGB in [0, 255]. */
  images: tf.Tensor4D;
  /** [N, H, W] int32 labels (trainIds, 255 ignored), when the dataset has labels. */
  labels?: tf.Tensor3D;
  names: string[];
}

export class BatchStream {
  private loader: DataLoader;
  private iter: AsyncGenerator<LoaderItem> | undefined;
  private pos: LoaderPosition = { epoch: 0, index: 0 };

  private readonly warned = new Set<string>();
  private readonly onWarning: (message: string) => void;

  /** `onWarning` hears about each file once: label ids outside the data set's map (read as ignore). */
  constructor(readonly dataset: FileDataset, readonly batchSize: number, options: { seed: number; workers: number; prefetch: number; onWarning?: (message: string) => void }) {
    this.loader = new DataLoader(dataset, { seed: options.seed, workers: options.workers, prefetch: options.prefetch, shuffle: true });
    this.onWarning = options.onWarning ?? ((m) => console.warn(m));
  }

  /** Where the next batch starts (store in checkpoints). */
  position(): LoaderPosition {
    return { ...this.pos };
  }

  /** Resume from a stored position (before the first `next`). */
  seek(pos: LoaderPosition): void {
    if (this.iter) throw new Error('BatchStream.seek after reading started');
    this.pos = { ...pos };
  }

  /** The next `batchSize` samples as tensors (caller disposes). */
  async next(): Promise<Batch> {
    this.iter ??= this.loader.stream(this.pos);
    const images: ImageU8[] = [];
    const labels: LabelMap[] = [];
    const names: string[] = [];
    for (let i = 0; i < this.batchSize; i++) {
      const r = await this.iter.next();
      if (r.done) throw new Error(`${this.dataset.constructor.name}: data stream ended`);
      const s = r.value.sample;
      if (s.outOfRangeIds && !this.warned.has(s.name)) {
        this.warned.add(s.name);
        this.onWarning(`warning: label of ${s.name}: ${s.outOfRangeIds} pixels with label ids outside the data set's map, read as ignore (255); data.strictLabelIds true refuses such files`);
      }
      images.push(s.image);
      if (s.label) labels.push(s.label);
      names.push(s.name);
      this.pos = r.value.next;
    }
    const { width: w, height: h } = images[0];
    for (const im of images) {
      if (im.width !== w || im.height !== h) throw new Error(`BatchStream: images of one batch differ in size (${w}×${h} vs ${im.width}×${im.height}); set data.resize or a crop`);
    }
    const data = new Float32Array(images.length * w * h * 3);
    images.forEach((im, i) => data.set(im.data, i * w * h * 3));
    const batch: Batch = { images: tf.tensor4d(data, [images.length, h, w, 3]), names };
    if (labels.length === images.length) {
      const l = new Int32Array(labels.length * w * h);
      labels.forEach((lab, i) => l.set(lab.data, i * w * h));
      batch.labels = tf.tensor3d(l, [labels.length, h, w], 'int32');
    }
    return batch;
  }

  async close(): Promise<void> {
    await this.iter?.return(undefined);
    this.iter = undefined;
    await this.loader.close();
  }
}

export function disposeBatch(b: Batch | undefined): void {
  if (!b) return;
  b.images.dispose();
  b.labels?.dispose();
}

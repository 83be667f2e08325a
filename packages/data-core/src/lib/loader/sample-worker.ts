/**
 * Worker-thread side of the DataLoader: receives sample specs, decodes and
 * transforms them with the loader's pipeline (from `workerData`), and sends
 * the typed arrays back as transferables. Loaded through the bootstrap in
 * `worker-pool.ts`, which makes the TypeScript source loadable when the
 * parent runs from source (ts-jest, ts-node) and plain JS when built.
 */
import { parentPort, workerData } from 'worker_threads';
import { loadSample, type Sample, type SampleSpec, type SamplePipeline } from '../dataset/sample';

/** A decode request. */
export interface WorkerTask {
  readonly id: number;
  readonly spec: SampleSpec;
  readonly index: number;
  readonly seed: number;
}

/** A decode result: the sample, or the error message (naming the file). */
export type WorkerReply = { readonly id: number; readonly sample: Sample } | { readonly id: number; readonly error: string };

/** An ArrayBuffer that exactly backs `a` (copied if `a` is a view into a larger or shared buffer). */
function ownBuffer(a: Uint8Array | Uint16Array | Float32Array): ArrayBuffer {
  if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer) return a.buffer;
  return a.slice().buffer as ArrayBuffer;
}

function run(): void {
  const port = parentPort;
  if (!port) return;
  const pipeline = (workerData as { pipeline: SamplePipeline }).pipeline;
  port.on('message', (task: WorkerTask) => {
    try {
      const s = loadSample(task.spec, task.index, pipeline, task.seed);
      const imageData = s.image.data;
      const imageBuf = ownBuffer(imageData);
      const image = { ...s.image, data: imageBuf === imageData.buffer ? imageData : new (imageData.constructor as Float32ArrayConstructor)(imageBuf) };
      const transfer: ArrayBuffer[] = [imageBuf];
      let label = s.label;
      if (label) {
        const labelBuf = ownBuffer(label.data);
        label = { ...label, data: labelBuf === label.data.buffer ? label.data : new Uint8Array(labelBuf) };
        transfer.push(labelBuf);
      }
      const reply: WorkerReply = { id: task.id, sample: { ...s, image: image as Sample['image'], label } };
      port.postMessage(reply, transfer);
    } catch (err) {
      const reply: WorkerReply = { id: task.id, error: (err as Error).message ?? String(err) };
      port.postMessage(reply);
    }
  });
}

run();

/**
 * Training hears about label ids outside the data set's map: the batch
 * stream warns once per file (they are read as ignore), and with
 * `data.strictLabelIds` the data set refuses the file instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { openGta5 } from '@semadapt/data-gta5';
import { writeGta5Fixture } from '@semadapt/data-core/testing';
import { BatchStream } from './batches';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-batch-warn-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('BatchStream and out-of-range label ids', () => {
  it('warns once per file over two epochs, naming it; strictLabelIds refuses it', async () => {
    writeGta5Fixture(dir, { count: 3, broken: ['out-of-range-id'] });
    const warnings: string[] = [];
    const ds = openGta5(dir).withPipeline({});
    const stream = new BatchStream(ds, 3, { seed: 1, workers: 0, prefetch: 1, onWarning: (m) => warnings.push(m) });
    try {
      for (let i = 0; i < 2; i++) {
        const b = await stream.next();
        b.images.dispose();
        b.labels?.dispose();
      }
    } finally {
      await stream.close();
    }
    expect(warnings).toEqual([
      "warning: label of images/00002.png: 2 pixels with label ids outside the data set's map, read as ignore (255); data.strictLabelIds true refuses such files",
    ]);
    const strict = new BatchStream(openGta5(dir, { strictLabelIds: true }).withPipeline({}), 3, { seed: 1, workers: 0, prefetch: 1 });
    try {
      await expect(strict.next()).rejects.toThrow(/labels\/00002\.png: 2 pixels with label ids outside 0\.\.33 \(ids 40\); refused/);
    } finally {
      await strict.close();
    }
  });
});

/**
 * What training batches hold: the decoded RGB pixels, unnormalised (each
 * model normalises its own input), stacked NHWC as float32 — checked against
 * the fixture's PNGs decoded on their own.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { decodePng } from '@semadapt/data-core';
import { openGta5 } from '@semadapt/data-gta5';
import { writeGta5Fixture } from '@semadapt/data-core/testing';
import { BatchStream } from './batches';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-batches-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('BatchStream', () => {
  it('batch of 3 GTA5 images 20×12: images are the PNG bytes as float32 RGB in [0, 255] (NHWC), labels int32', async () => {
    const manifest = writeGta5Fixture(dir, { count: 3, width: 20, height: 12 });
    const stream = new BatchStream(openGta5(dir).withPipeline({}), 3, { seed: 3, workers: 0, prefetch: 1 });
    try {
      const b = await stream.next();
      expect(b.images.shape).toEqual([3, 12, 20, 3]);
      expect(b.images.dtype).toBe('float32');
      expect(b.labels?.dtype).toBe('int32');
      const got = b.images.dataSync();
      b.names.forEach((name, i) => {
        const pair = manifest.pairs.find((p) => p.image.endsWith(name));
        const png = decodePng(fs.readFileSync(pair!.image));
        expect(Array.from(got.subarray(i * 12 * 20 * 3, (i + 1) * 12 * 20 * 3))).toEqual(Array.from(png.data));
      });
      b.images.dispose();
      b.labels?.dispose();
    } finally {
      await stream.close();
    }
  });
});

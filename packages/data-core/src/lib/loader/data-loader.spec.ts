import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePngAtomic } from '../codec/png';
import { PairedFileDataset } from '../dataset/dataset';
import type { SampleSpec } from '../dataset/sample';
import { permutation } from '../random/rng';
import { DataLoader, type LoaderItem } from './data-loader';

/**
 * Twelve 6×4 images whose pixels all equal their index i (R=i, G=2i, B=3i)
 * and labels filled with 100+i: every decoded sample says which file it came
 * from, so order, sharding and resume are checked against the files themselves.
 */
const N = 12;
let dir: string;
let specs: SampleSpec[];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-loader-'));
  specs = [];
  for (let i = 0; i < N; i++) {
    const rgb = new Uint8Array(6 * 4 * 3);
    for (let p = 0; p < 24; p++) rgb.set([i, 2 * i, 3 * i], 3 * p);
    const image = path.join(dir, `img${i}.png`);
    const label = path.join(dir, `lab${i}.png`);
    writePngAtomic(image, { width: 6, height: 4, channels: 3, data: rgb });
    writePngAtomic(label, { width: 6, height: 4, channels: 1, data: new Uint8Array(24).fill(100 + i) });
    specs.push({ name: `s${i}`, image, label });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<LoaderItem>, limit = Infinity): Promise<LoaderItem[]> {
  const out: LoaderItem[] = [];
  for await (const item of it) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

/** The file index a decoded sample came from, read from its pixels. */
function fileIndexOf(item: LoaderItem): number {
  const i = item.sample.image.data[0];
  expect(item.sample.label?.data[0]).toBe(100 + i);
  return i;
}

describe('DataLoader', () => {
  it('workers=2 yields every sample once, in the seeded order, identical to workers=0', async () => {
    const ds = new PairedFileDataset('toy', specs);
    const threaded = new DataLoader(ds, { workers: 2, prefetch: 3, seed: 5 });
    const inline = new DataLoader(ds, { workers: 0, seed: 5 });
    try {
      const a = await collect(threaded.epoch(0));
      const b = await collect(inline.epoch(0));
      expect(a.map(fileIndexOf)).toEqual(Array.from(permutation(N, 5, 0)));
      expect(b.map(fileIndexOf)).toEqual(a.map((x) => x.sample.index));
      expect(a.map((x) => x.sample.name)).toEqual(a.map((x) => `s${x.sample.index}`));
      expect(a[0].sample.image).toMatchObject({ width: 6, height: 4, channels: 3 });
    } finally {
      await threaded.close();
    }
  });

  it('worker decode errors reject with the file path', async () => {
    const bad = path.join(dir, 'bad.png');
    fs.writeFileSync(bad, 'not a png');
    const ds = new PairedFileDataset('bad', [{ name: 'bad', image: bad }]);
    const loader = new DataLoader(ds, { workers: 1, shuffle: false });
    try {
      await expect(collect(loader.epoch(0))).rejects.toThrow(`${bad}: neither a PNG nor a JPEG (unknown signature)`);
    } finally {
      await loader.close();
    }
  });
});

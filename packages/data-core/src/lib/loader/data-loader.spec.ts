import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePngAtomic } from '../codec/png';
import { PairedFileDataset } from '../dataset/dataset';
import type { Sample, SampleSpec, SamplePipeline } from '../dataset/sample';
import type { FileDataset } from '../dataset/dataset';
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

  it('3 sharded loaders over the same (seed, epoch) are disjoint and cover the dataset', async () => {
    const ds = new PairedFileDataset('toy', specs);
    const parts: number[][] = [];
    for (let rank = 0; rank < 3; rank++) {
      const loader = new DataLoader(ds, { workers: 0, seed: 9, shard: { rank, worldSize: 3 } });
      expect(loader.epochLength).toBe(4);
      parts.push((await collect(loader.epoch(2))).map(fileIndexOf));
    }
    const all = parts.flat();
    expect(new Set(all).size).toBe(N);
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    // Strided over the epoch's permutation: rank r holds positions r, r+3, r+6, r+9.
    const perm = Array.from(permutation(N, 9, 2));
    expect(parts[1].length).toBe(4);
    expect(new Set(parts[1])).toEqual(new Set([perm[1], perm[4], perm[7], perm[10]]));
  });

  it("shard: 'env' reads SLURM_PROCID/SLURM_NTASKS", () => {
    const saved = { ...process.env };
    try {
      process.env.SLURM_PROCID = '1';
      process.env.SLURM_NTASKS = '4';
      const loader = new DataLoader(new PairedFileDataset('toy', specs), { workers: 0, shard: 'env' });
      expect([loader.shard.rank, loader.shard.worldSize, loader.epochLength]).toEqual([1, 4, 3]);
    } finally {
      process.env = saved;
    }
  });

  it('resuming at (epoch 1, index 5) gives exactly the rest of an uninterrupted run, augmentation included (2 workers)', async () => {
    // Crop 3×2 + flip: the decoded pixels depend on the per-sample seed, so equality checks the seed too.
    const pipeline: SamplePipeline = { resize: { kind: 'size', width: 12, height: 8 }, crop: { width: 3, height: 2 }, flipProbability: 0.5 };
    const ds = new PairedFileDataset('toy', specs, pipeline);
    const full = new DataLoader(ds, { workers: 2, seed: 4 });
    const resumed = new DataLoader(ds, { workers: 2, seed: 4 });
    try {
      const run = await collect(full.stream({ epoch: 0, index: 0 }), N + N);
      const cut = run[N + 4];
      expect(cut.position).toEqual({ epoch: 1, index: 4 });
      expect(cut.next).toEqual({ epoch: 1, index: 5 });
      const rest = await collect(resumed.stream(cut.next), N - 5);
      expect(rest.map((r) => r.position)).toEqual(run.slice(N + 5).map((r) => r.position));
      expect(rest.map((r) => r.sample.index)).toEqual(run.slice(N + 5).map((r) => r.sample.index));
      rest.forEach((r, i) => expect(Array.from(r.sample.image.data)).toEqual(Array.from(run[N + 5 + i].sample.image.data)));
      expect(run[N - 1].next).toEqual({ epoch: 1, index: 0 });
      expect(rest[0].sample.image).toMatchObject({ width: 3, height: 2, channels: 3 });
      expect(rest[0].sample.image.data).toBeInstanceOf(Uint8Array);
    } finally {
      await full.close();
      await resumed.close();
    }
  });

  it('prefetch bounds the decode-ahead: after m samples consumed, exactly min(N, m − 1 + prefetch) were requested', async () => {
    const base = new PairedFileDataset('toy', specs);
    let requested = 0;
    const counting: FileDataset = {
      length: base.length,
      pipeline: base.pipeline,
      name: (i) => base.name(i),
      get: (i): Promise<Sample> => base.get(i),
      spec: (i) => {
        requested++;
        return base.spec(i);
      },
    };
    const loader = new DataLoader(counting, { workers: 1, prefetch: 3, shuffle: false });
    try {
      const it = loader.epoch(0);
      for (let m = 1; m <= 5; m++) {
        const r = await it.next();
        expect(r.done).toBe(false);
        expect(requested).toBe(Math.min(N, m - 1 + 3));
      }
      await it.return(undefined);
    } finally {
      await loader.close();
    }
  });

  it('without shuffle the order is 0..N−1; a start index past the end is refused', async () => {
    const loader = new DataLoader(new PairedFileDataset('toy', specs), { workers: 0, shuffle: false });
    expect((await collect(loader.epoch(0, 9))).map(fileIndexOf)).toEqual([9, 10, 11]);
    await expect(collect(loader.epoch(0, 13))).rejects.toThrow(/start index 13 outside 0\.\.12 for epoch 0/);
  });
});

/**
 * The decode workers, run from TypeScript sources, cache transpiled modules.
 * A cached file is code the worker executes, so it must come from a place no
 * other local user can write: a file planted in the old shared folder
 * (`/tmp/semadapt-worker-ts-cache/<hash>.js`) or a group/other-writable file
 * in the project's cache is never run.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePngAtomic } from '../codec/png';
import { PairedFileDataset } from '../dataset/dataset';
import { DataLoader } from './data-loader';
import { workerTsCacheDir } from './worker-pool';

const entry = path.join(__dirname, 'sample-worker.ts');
/** The cache key of a module, as the worker bootstrap computes it. */
const keyOf = (file: string): string => createHash('sha1').update(file + '\0' + fs.readFileSync(file, 'utf8')).digest('hex');

let dir: string;
let marker: string;
let ds: PairedFileDataset;

/** A module that, if executed, leaves `marker` behind. */
const planted = (): string => `require('fs').writeFileSync(${JSON.stringify(marker)}, 'foreign code ran');\n`;

async function decodeOnceInAWorker(): Promise<void> {
  const loader = new DataLoader(ds, { workers: 1, shuffle: false });
  try {
    for await (const item of loader.epoch(0)) void item;
  } catch {
    /* a planted module that does not behave as the worker fails the pool; what matters is whether it ran */
  } finally {
    await loader.close();
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-worker-cache-'));
  marker = path.join(dir, 'ran');
  const image = path.join(dir, 'img.png');
  writePngAtomic(image, { width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(7) });
  ds = new PairedFileDataset('toy', [{ name: 'a', image }]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('worker TS cache', () => {
  it('is an owner-only folder in the project (not the shared OS temp folder)', () => {
    const cache = workerTsCacheDir(require.resolve('typescript')) as string;
    expect(cache).toBeDefined();
    // Inside the workspace's own node_modules (the workspace itself may sit under /tmp, as a CI clone can).
    const workspaceModules = path.resolve(__dirname, '../../../../../node_modules');
    expect(path.resolve(cache)).toBe(path.join(workspaceModules, '.cache', 'semadapt-worker-ts'));
    expect(path.resolve(cache)).not.toBe(path.join(path.resolve(os.tmpdir()), 'semadapt-worker-ts-cache'));
    const st = fs.lstatSync(cache);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o077).toBe(0);
    if (process.getuid) expect(st.uid).toBe(process.getuid());
  });

  it('a file planted in /tmp/semadapt-worker-ts-cache is not executed', async () => {
    const shared = path.join(os.tmpdir(), 'semadapt-worker-ts-cache');
    const file = path.join(shared, `${keyOf(entry)}.js`);
    fs.mkdirSync(shared, { recursive: true });
    const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    fs.writeFileSync(file, planted());
    try {
      await decodeOnceInAWorker();
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      if (before) fs.writeFileSync(file, before);
      else fs.rmSync(file, { force: true });
    }
  });

  it('a group/other-writable file in the project cache is not executed (and a symlinked one neither)', async () => {
    const cache = workerTsCacheDir(require.resolve('typescript')) as string;
    const file = path.join(cache, `${keyOf(entry)}.js`);
    const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    try {
      fs.rmSync(file, { force: true });
      fs.writeFileSync(file, planted(), { mode: 0o666 });
      fs.chmodSync(file, 0o666);
      await decodeOnceInAWorker();
      expect(fs.existsSync(marker)).toBe(false);

      const outside = path.join(dir, 'outside.js');
      fs.writeFileSync(outside, planted(), { mode: 0o600 });
      fs.rmSync(file, { force: true });
      fs.symlinkSync(outside, file);
      await decodeOnceInAWorker();
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      fs.rmSync(file, { force: true });
      if (before) fs.writeFileSync(file, before, { mode: 0o600 });
    }
  });

  it('decoding through workers still works (and fills the cache with owner-only files)', async () => {
    const loader = new DataLoader(ds, { workers: 1, shuffle: false });
    try {
      const items = [];
      for await (const item of loader.epoch(0)) items.push(item);
      expect(items).toHaveLength(1);
      expect(Array.from(items[0].sample.image.data)).toEqual(new Array(12).fill(7));
    } finally {
      await loader.close();
    }
    const cache = workerTsCacheDir(require.resolve('typescript')) as string;
    const st = fs.lstatSync(path.join(cache, `${keyOf(entry)}.js`));
    expect(st.mode & 0o022).toBe(0);
  });
});

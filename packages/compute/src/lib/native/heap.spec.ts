/**
 * heap.ts against the kernel's own count of this process's memory (VmRSS in
 * /proc/self/status): 1 MiB blocks of the addon's malloc (`allocate`, pages
 * written so they are resident), every other one freed so that each freed
 * block lies between live ones (the heap's top cannot be trimmed past them).
 * Outside `withFreedMemoryReturned` glibc keeps the freed blocks until
 * `returnFreedHeapToOs`; inside, each is its own mapping and goes back at once.
 */
import * as fs from 'fs';
import { loadNativeKernels, type OneDnnKernels } from './addon';
import { returnFreedHeapToOs, STEADY_MMAP_THRESHOLD, withFreedMemoryReturned } from './heap';

const MIB = 1024 * 1024;
const BLOCKS = 64;

function rss(): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!kb) throw new Error('/proc/self/status has no VmRSS line');
  return Number(kb[1]) * 1024;
}

const addon = loadNativeKernels().addon;
const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
/** The addon's functions these specs use (all present when HEAP_CONTROLS). */
type HeapAddon = Required<Pick<OneDnnKernels, 'allocate' | 'release' | 'heapMmapThreshold' | 'heapTrimThreshold' | 'heapTrim'>>;
const HEAP_CONTROLS = Boolean(addon?.heapTrim && addon.heapMmapThreshold && addon.heapTrimThreshold) && glibc && fs.existsSync('/proc/self/status');

/**
 * Allocates 2·BLOCKS blocks of 1 MiB with every page written, frees the odd
 * ones; returns how much VmRSS fell on those frees, and a function freeing the rest.
 */
function freeEveryOther(a: HeapAddon): { rise: number; fallOnFree: number; releaseRest(): void } {
  const before = rss();
  const blocks = Array.from({ length: 2 * BLOCKS }, () => {
    const b = a.allocate(MIB, false);
    new Uint8Array(b).fill(1);
    return b;
  });
  const allocated = rss();
  for (let i = 1; i < blocks.length; i += 2) expect(a.release(blocks[i])).toBe(true);
  const freed = rss();
  return {
    rise: allocated - before,
    fallOnFree: allocated - freed,
    releaseRest: () => {
      for (let i = 0; i < blocks.length; i += 2) a.release(blocks[i]);
    },
  };
}

// Where they do nothing (no addon, not glibc) the last block checks that they only run build.
if (HEAP_CONTROLS) describe('glibc heap controls (native/src/heap.cc)', () => {
  const a = addon as HeapAddon;
  const freedBytes = BLOCKS * MIB;

  beforeEach(() => {
    // Start from the steady state with the heap's free pages already returned.
    expect(a.heapMmapThreshold(STEADY_MMAP_THRESHOLD)).toBe(true);
    returnFreedHeapToOs();
  });

  it('outside withFreedMemoryReturned freed 1 MiB blocks stay with the process until returnFreedHeapToOs', () => {
    const run = freeEveryOther(a);
    try {
      expect(run.rise).toBeGreaterThan(1.8 * freedBytes);
      expect(run.fallOnFree).toBeLessThan(0.25 * freedBytes);
      const kept = rss();
      expect(returnFreedHeapToOs()).toBe(true);
      expect(kept - rss()).toBeGreaterThan(0.75 * freedBytes);
    } finally {
      run.releaseRest();
    }
  });

  it('inside withFreedMemoryReturned each freed 1 MiB block goes back at once; afterwards they are kept again', async () => {
    const inside = await withFreedMemoryReturned(async () => {
      const run = freeEveryOther(a);
      run.releaseRest();
      return run;
    });
    expect(inside.rise).toBeGreaterThan(1.8 * freedBytes);
    expect(inside.fallOnFree).toBeGreaterThan(0.75 * freedBytes);
    const after = freeEveryOther(a);
    try {
      expect(after.fallOnFree).toBeLessThan(0.25 * freedBytes);
    } finally {
      after.releaseRest();
    }
  });

  it('overlapping calls keep blocks mapped on their own until the last one finishes', async () => {
    let finishFirst!: () => void;
    const first = withFreedMemoryReturned(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    await withFreedMemoryReturned(async () => undefined);
    const during = freeEveryOther(a);
    during.releaseRest();
    finishFirst();
    await first;
    expect(during.fallOnFree).toBeGreaterThan(0.75 * freedBytes);
    const after = freeEveryOther(a);
    after.releaseRest();
    expect(after.fallOnFree).toBeLessThan(0.25 * freedBytes);
  });

  it('afterwards memory freed at the heap’s top stays with the process (trim threshold 64 MiB, not frozen at 128 KiB)', async () => {
    // Freeze the trim threshold low first, as in a process that never freed a large block before its first session.
    expect(a.heapTrimThreshold(128 * 1024)).toBe(true);
    await withFreedMemoryReturned(async () => undefined);
    const blocks = Array.from({ length: BLOCKS / 2 }, () => {
      const b = a.allocate(MIB, false);
      new Uint8Array(b).fill(1);
      return b;
    });
    const allocated = rss();
    for (const b of blocks.reverse()) a.release(b); // the newest (topmost) first
    expect(allocated - rss()).toBeLessThan(0.25 * (BLOCKS / 2) * MIB);
  });

  it('returns what build returns, and rethrows its error with the steady threshold back', async () => {
    await expect(withFreedMemoryReturned(async () => 42)).resolves.toBe(42);
    await expect(withFreedMemoryReturned(async () => Promise.reject(new Error('bad model')))).rejects.toThrow('bad model');
    const after = freeEveryOther(a);
    after.releaseRest();
    expect(after.fallOnFree).toBeLessThan(0.25 * freedBytes);
  });

  it('refuses a threshold that is not a byte count', () => {
    expect(() => a.heapMmapThreshold(-1)).toThrow(/bytes must be in/);
    expect(() => (a.heapMmapThreshold as unknown as (x: unknown) => boolean)('1M')).toThrow(/bytes must be a number/);
    expect(() => a.heapTrimThreshold(-1)).toThrow(/bytes must be in/);
  });
});

describe('heap controls without the addon', () => {
  it('withFreedMemoryReturned only runs build and returnFreedHeapToOs reports false (SEMADAPT_NATIVE=0)', async () => {
    const saved = process.env['SEMADAPT_NATIVE'];
    process.env['SEMADAPT_NATIVE'] = '0';
    try {
      let heap!: typeof import('./heap');
      jest.isolateModules(() => {
        heap = require('./heap') as typeof import('./heap');
      });
      await expect(heap.withFreedMemoryReturned(async () => 'built')).resolves.toBe('built');
      expect(heap.returnFreedHeapToOs()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['SEMADAPT_NATIVE'];
      else process.env['SEMADAPT_NATIVE'] = saved;
    }
  });
});

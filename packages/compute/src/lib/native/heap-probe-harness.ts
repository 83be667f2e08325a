/**
 * The memory scenarios of heap.spec.ts, run in a fresh node process (the
 * spec starts one per scenario) so that VmRSS moves only with what the
 * scenario does: inside a jest worker, earlier specs' memory returning to
 * the system moved it by tens of MiB. Prints one JSON line of byte counts.
 *
 * Blocks are 1 MiB of the addon's malloc (`allocate`), every page written so
 * that it is resident; every other one is freed so that each freed block
 * lies between live ones (the heap's top cannot be trimmed past them).
 */
import * as fs from 'fs';
import { loadNativeKernels, type OneDnnKernels } from './addon';
import { returnFreedHeapToOs, STEADY_MMAP_THRESHOLD, withFreedMemoryReturned } from './heap';

export const MIB = 1024 * 1024;
export const BLOCKS = 64;

type HeapAddon = Required<Pick<OneDnnKernels, 'allocate' | 'release' | 'heapMmapThreshold' | 'heapTrimThreshold' | 'heapTrim'>>;

function rss(): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  if (!kb) throw new Error('/proc/self/status has no VmRSS line');
  return Number(kb[1]) * 1024;
}

/** Allocates 2·BLOCKS written blocks, frees the odd ones: the RSS rise, its fall on those frees, and a function freeing the rest. */
function freeEveryOther(a: HeapAddon): { rise: number; fallOnFree: number; releaseRest(): void } {
  const before = rss();
  const blocks = Array.from({ length: 2 * BLOCKS }, () => {
    const b = a.allocate(MIB, false);
    new Uint8Array(b).fill(1);
    return b;
  });
  const allocated = rss();
  for (let i = 1; i < blocks.length; i += 2) a.release(blocks[i]);
  const freed = rss();
  return {
    rise: allocated - before,
    fallOnFree: allocated - freed,
    releaseRest: () => {
      for (let i = 0; i < blocks.length; i += 2) a.release(blocks[i]);
    },
  };
}

const scenarios: Record<string, (a: HeapAddon) => Promise<Record<string, number | boolean>>> = {
  /** Outside the wrapper: freed blocks stay until returnFreedHeapToOs. */
  async outside(a) {
    const run = freeEveryOther(a);
    const kept = rss();
    const trimmed = returnFreedHeapToOs();
    const fallOnTrim = kept - rss();
    run.releaseRest();
    return { rise: run.rise, fallOnFree: run.fallOnFree, trimmed, fallOnTrim };
  },
  /** Inside: each freed block goes back at once; afterwards they are kept again. */
  async inside(a) {
    const inside = await withFreedMemoryReturned(async () => {
      const run = freeEveryOther(a);
      run.releaseRest();
      return run;
    });
    const after = freeEveryOther(a);
    after.releaseRest();
    return { rise: inside.rise, fallOnFree: inside.fallOnFree, afterFallOnFree: after.fallOnFree };
  },
  /** Overlapping calls keep the transient threshold until the last one finishes. */
  async overlap(a) {
    let finishFirst!: () => void;
    const first = withFreedMemoryReturned(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    await withFreedMemoryReturned(async () => undefined);
    const during = freeEveryOther(a);
    during.releaseRest();
    finishFirst();
    await first;
    const after = freeEveryOther(a);
    after.releaseRest();
    return { duringFallOnFree: during.fallOnFree, afterFallOnFree: after.fallOnFree };
  },
  /** A build that throws still leaves the steady threshold behind. */
  async error(a) {
    await withFreedMemoryReturned(async () => Promise.reject(new Error('bad model'))).catch(() => undefined);
    const after = freeEveryOther(a);
    after.releaseRest();
    return { afterFallOnFree: after.fallOnFree };
  },
  /**
   * The trim threshold after the wrapper: set low first (as in a process that froze it at 128 KiB),
   * then BLOCKS/2 blocks freed from the heap's top down.
   */
  async top(a) {
    a.heapTrimThreshold(128 * 1024);
    await withFreedMemoryReturned(async () => undefined);
    const blocks = Array.from({ length: BLOCKS / 2 }, () => {
      const b = a.allocate(MIB, false);
      new Uint8Array(b).fill(1);
      return b;
    });
    const allocated = rss();
    for (const b of blocks.reverse()) a.release(b);
    return { fallOnTopFree: allocated - rss() };
  },
};

/** The scenario named by SEMADAPT_HEAP_PROBE: how heap.spec.ts starts this file (`heapProbeCommand`). */
async function main(): Promise<void> {
  const name = process.env['SEMADAPT_HEAP_PROBE'] ?? '';
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`heap-probe: unknown scenario '${name}' (${Object.keys(scenarios).join(', ')})`);
  const a = loadNativeKernels().addon as HeapAddon;
  // Start from the steady state with the heap's free pages already returned.
  a.heapMmapThreshold(STEADY_MMAP_THRESHOLD);
  returnFreedHeapToOs();
  process.stdout.write(JSON.stringify(await scenario(a)) + '\n');
}

if (process.env['SEMADAPT_HEAP_PROBE']) {
  main().catch((e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}

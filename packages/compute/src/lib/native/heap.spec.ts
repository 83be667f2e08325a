/**
 * heap.ts against the kernel's own count of a process's memory (VmRSS in
 * /proc/self/status). The memory scenarios run in a fresh node process each
 * (heap-probe-harness.ts): inside a jest worker, memory that earlier specs
 * had freed went back to the system meanwhile and moved VmRSS by tens of
 * MiB. Outside `withFreedMemoryReturned` glibc keeps freed 1 MiB blocks until
 * `returnFreedHeapToOs`; inside, each is its own mapping and goes back at once;
 * afterwards the trim threshold is 64 MiB, not wherever it stood.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadNativeKernels, type OneDnnKernels } from './addon';
import { withFreedMemoryReturned } from './heap';
import { BLOCKS, MIB } from './heap-probe-harness';

/** Runs one scenario of heap-probe-harness.ts in a fresh node process; its JSON result. */
function probe(scenario: string): Record<string, number | boolean> {
  const tsNode = require.resolve('ts-node');
  const harness = path.join(__dirname, 'heap-probe-harness.ts');
  const script = `require(${JSON.stringify(tsNode)}).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } }); require(${JSON.stringify(harness)});`;
  const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, SEMADAPT_HEAP_PROBE: scenario }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

const addon = loadNativeKernels().addon;
const glibc = Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
/** The addon's functions these specs use (all present when HEAP_CONTROLS). */
type HeapAddon = Required<Pick<OneDnnKernels, 'allocate' | 'release' | 'heapMmapThreshold' | 'heapTrimThreshold' | 'heapTrim'>>;
const HEAP_CONTROLS = Boolean(addon?.heapTrim && addon.heapMmapThreshold && addon.heapTrimThreshold) && glibc && fs.existsSync('/proc/self/status');

// Where they do nothing (no addon, not glibc) the last block checks that they only run build.
if (HEAP_CONTROLS) describe('glibc heap controls (native/src/heap.cc)', () => {
  const a = addon as HeapAddon;
  const freedBytes = BLOCKS * MIB;

  it('outside withFreedMemoryReturned freed 1 MiB blocks stay with the process until returnFreedHeapToOs', () => {
    const r = probe('outside') as Record<string, number>;
    // 2 × freedBytes were written; V8 giving its own pages back meanwhile has taken up to 13 MiB off the rise.
    expect(r['rise']).toBeGreaterThan(1.5 * freedBytes);
    expect(r['fallOnFree']).toBeLessThan(0.25 * freedBytes);
    expect(r['trimmed']).toBe(true);
    expect(r['fallOnTrim']).toBeGreaterThan(0.75 * freedBytes);
  });

  it('inside withFreedMemoryReturned each freed 1 MiB block goes back at once; afterwards they are kept again', () => {
    const r = probe('inside') as Record<string, number>;
    expect(r['rise']).toBeGreaterThan(1.5 * freedBytes);
    expect(r['fallOnFree']).toBeGreaterThan(0.75 * freedBytes);
    expect(r['afterFallOnFree']).toBeLessThan(0.25 * freedBytes);
  });

  it('overlapping calls keep blocks mapped on their own until the last one finishes', () => {
    const r = probe('overlap') as Record<string, number>;
    expect(r['duringFallOnFree']).toBeGreaterThan(0.75 * freedBytes);
    expect(r['afterFallOnFree']).toBeLessThan(0.25 * freedBytes);
  });

  it('afterwards memory freed at the heap’s top stays with the process (trim threshold 64 MiB, not frozen at 128 KiB)', () => {
    const r = probe('top') as Record<string, number>;
    expect(r['fallOnTopFree']).toBeLessThan(0.25 * (BLOCKS / 2) * MIB);
  });

  it('returns what build returns, and rethrows its error with the steady threshold back', async () => {
    await expect(withFreedMemoryReturned(async () => 42)).resolves.toBe(42);
    await expect(withFreedMemoryReturned(async () => Promise.reject(new Error('bad model')))).rejects.toThrow('bad model');
    const r = probe('error') as Record<string, number>;
    expect(r['afterFallOnFree']).toBeLessThan(0.25 * freedBytes);
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

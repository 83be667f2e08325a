/**
 * Test helpers for kill tests: run the CLI with `fault-preload.js` (a SIGKILL
 * at a chosen file-system call of a checkpoint save), and compare a run
 * directory with an uninterrupted one — final weights and optimizer state,
 * loss log, evaluation log, best checkpoint.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SpawnSyncReturns } from 'child_process';
import { readSafetensors } from '@semadapt/core-layers';
import { runCli } from './run-cli';

export const FAULT_PRELOAD = path.join(__dirname, 'fault-preload.js');

/** Where to kill: the N-th counted call, or the NTH call matching a regular expression on "op path[ -> path]". */
export interface Fault {
  at?: number;
  match?: string;
  nth?: number;
  when?: 'before' | 'after';
}

/** Runs the CLI; with `fault`, SIGKILLs it at that point of a checkpoint save; `trace` records every counted call. */
export function runWithFault(args: string[], fault?: Fault, trace?: string): SpawnSyncReturns<string> {
  // One compute thread: the comparison is with a run made by another process, and multi-threaded
  // native reductions need not sum in the same order from one process to the next.
  const env: NodeJS.ProcessEnv = { SEMADAPT_FAULT_AT: '', SEMADAPT_FAULT_MATCH: '', SEMADAPT_FAULT_TRACE: '', SEMADAPT_THREADS: '1', OMP_NUM_THREADS: '1' };
  if (fault || trace) env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --require ${FAULT_PRELOAD}`.trim();
  if (fault?.at) env['SEMADAPT_FAULT_AT'] = String(fault.at);
  if (fault?.match) env['SEMADAPT_FAULT_MATCH'] = fault.match;
  env['SEMADAPT_FAULT_NTH'] = String(fault?.nth ?? 1);
  env['SEMADAPT_FAULT_WHEN'] = fault?.when ?? 'before';
  if (trace) env['SEMADAPT_FAULT_TRACE'] = trace;
  return runCli(args, { env });
}

/** The counted calls of a traced run: [n, op, paths]. */
export function readTrace(file: string): Array<{ n: number; op: string; paths: string }> {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [n, op, paths] = l.split('\t');
    return { n: Number(n), op, paths };
  });
}

async function tensors(file: string): Promise<Map<string, Float64Array>> {
  const st = await readSafetensors(file);
  const out = new Map<string, Float64Array>();
  for (const [name, t] of st.tensors) out.set(name, Float64Array.from(t.data as ArrayLike<number>, Number));
  return out;
}

/**
 * Largest |a − b| / max(1, |a|) over every tensor of two safetensors files with
 * the same names: absolute below 1, relative above (optimizer moments and
 * FCN8s' weights reach magnitudes where one float32 ulp exceeds 1e-6).
 */
export async function maxTensorDiff(a: string, b: string): Promise<number> {
  const ta = await tensors(a);
  const tb = await tensors(b);
  if ([...ta.keys()].sort().join() !== [...tb.keys()].sort().join()) return Infinity;
  let max = 0;
  for (const [k, va] of ta) {
    const vb = tb.get(k) as Float64Array;
    if (va.length !== vb.length) return Infinity;
    for (let i = 0; i < va.length; i++) max = Math.max(max, Math.abs(va[i] - vb[i]) / Math.max(1, Math.abs(va[i])));
  }
  return max;
}

type Rec = { stage: string; kind: string; step: number; values: Record<string, number> };

function records(runDir: string, stage: string, kind: string): Rec[] {
  return fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec)
    .filter((r) => r.stage === stage && r.kind === kind);
}

/**
 * Expects `run` to equal the uninterrupted `ref` for `stage`: the checkpoint
 * `file` of latest/ and best/ (≤ 1e-6), the train and eval records (same
 * steps, values ≤ 1e-6), best/eval.json's step, and no leftover staging,
 * `.old` or trash folders.
 */
export async function expectSameAsUninterrupted(ref: string, run: string, stage: string, file: string, hasEval: boolean): Promise<void> {
  const ck = (r: string, which: string) => path.join(r, 'checkpoints', stage, which, file);
  expect(await maxTensorDiff(ck(ref, 'latest'), ck(run, 'latest'))).toBeLessThanOrEqual(1e-6);
  for (const kind of ['train', 'eval']) {
    const a = records(ref, stage, kind);
    const b = records(run, stage, kind);
    expect(b.map((r) => r.step)).toEqual(a.map((r) => r.step));
    a.forEach((ra, i) => {
      expect(Object.keys(b[i].values).sort()).toEqual(Object.keys(ra.values).sort());
      for (const [k, v] of Object.entries(ra.values)) expect(Math.abs(v - b[i].values[k])).toBeLessThanOrEqual(1e-6);
    });
  }
  if (hasEval) {
    expect(records(ref, stage, 'eval').length).toBeGreaterThan(0);
    const evalOf = (r: string) => JSON.parse(fs.readFileSync(path.join(r, 'checkpoints', stage, 'best', 'eval.json'), 'utf8'));
    expect(evalOf(run).step).toBe(evalOf(ref).step);
    expect(Math.abs(evalOf(run).score - evalOf(ref).score)).toBeLessThanOrEqual(1e-6);
    expect(await maxTensorDiff(ck(ref, 'best'), ck(run, 'best'))).toBeLessThanOrEqual(1e-6);
  }
  const leftovers = fs.readdirSync(path.join(run, 'checkpoints', stage)).filter((n) => /\.(old|staging-\d+|trash-[\d-]+)$/.test(n));
  expect(leftovers).toEqual([]);
}

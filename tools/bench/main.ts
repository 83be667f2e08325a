/**
 * Benchmark runner (tools/bench/README.md). Times a case on the active tfjs
 * backend (warmup, then the median of --repeat runs), and, where
 * `/usr/bin/python3 -c "import torch"` works, the same case of
 * tools/bench/torch_reference.py in the same invocation, printing the
 * ratio. With --json the last output line is one JSON object per case (an
 * array when several cases ran).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@semadapt/compute';
import type { BenchCase, BenchContext } from './case';
import { formatProfile, installKernelTimer, resolveClassifier, summarize, type StepProfile } from './profile';

const ROOT = path.resolve(__dirname, '..', '..');
const CASES_DIR = path.join(__dirname, 'cases');
const PYTHON = process.env['SEMADAPT_PYTHON'] ?? '/usr/bin/python3';
/**
 * `SEMADAPT_TORCH_REFERENCE`, else the shared read-only original beside the
 * repository (`../shared/bench`), else the copy vendored here.
 */
const TORCH_REFERENCE =
  process.env['SEMADAPT_TORCH_REFERENCE'] ??
  [path.resolve(ROOT, '..', 'shared', 'bench', 'torch_reference.py'), path.join(__dirname, 'torch_reference.py')].find((f) => fs.existsSync(f)) ??
  path.join(__dirname, 'torch_reference.py');

/** One line of the --json output. */
export interface BenchResult {
  case: string;
  shape: number[];
  median_ms: number;
  /** PyTorch's median for the same case and --size, or null when unavailable. */
  reference_ms: number | null;
  /** median_ms / reference_ms (how many times slower than PyTorch), or null. */
  ratio: number | null;
  backend: string;
  gflops: number | null;
  repeat: number;
  min_ms: number;
  /** Median CPU time of this process per run (all threads): on a shared machine, wall time / cpu time shows contention. */
  cpu_ms: number;
  size: number;
  /** What the reference was (torch version, threads) or why it is missing. */
  reference: string;
  /** Peak resident memory of this process so far (set-up, warmup and runs; with several cases, the maximum over those run so far). */
  peak_rss_mb: number;
  /** Peak resident memory of the PyTorch reference process, or null. */
  reference_peak_rss_mb: number | null;
  /** peak_rss_mb / reference_peak_rss_mb, or null. */
  rss_ratio: number | null;
  /** cpu_ms / median_ms: how many cores our step kept busy (target ≥ 1.7 on 2 cores). */
  cpu_per_wall: number;
  /** 1-minute load average when our runs ended (`os.loadavg()[0]`): others' work on the machine. */
  load: number;
  /** With --profile: where a step's time goes, per kernel. */
  profile?: StepProfile;
}

const USAGE = `usage: npm run bench -- --case <name|all|paper|a,b> [--size <n>] [--repeat <k>] [--warmup <w>] [--json] [--profile] [--no-reference] [--backend native|wasm|cpu|node|node-gpu]
cases: ${listCases().join(', ')}`;

/** Case names: the files in tools/bench/cases. */
export function listCases(): string[] {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Loads and validates cases/<name>.ts. */
export function loadCase(name: string): BenchCase {
  if (!listCases().includes(name)) throw new Error(`unknown case '${name}'; known: ${listCases().join(', ')}`);
  const mod = require(path.join(CASES_DIR, `${name}.ts`)) as { default?: BenchCase; benchCase?: BenchCase };
  const c = mod.default ?? mod.benchCase;
  if (!c || typeof c.setup !== 'function' || typeof c.shape !== 'function') {
    throw new Error(`cases/${name}.ts must export a BenchCase as default or as 'benchCase'`);
  }
  if (c.name !== name) throw new Error(`cases/${name}.ts exports a case named '${c.name}'`);
  return c;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `BenchContext.settle` for a backend (see there). */
export function settleFor(backend: string): BenchContext['settle'] {
  if (backend === 'wasm' || backend === 'cpu') return async () => undefined;
  return async (tensors) => {
    await Promise.all(tensors.map((t) => t.data()));
  };
}

/** Times one case on the active backend; with `profile`, then runs it `repeat` more times with kernel timers on. */
export async function timeCase(
  c: BenchCase,
  size: number,
  repeat: number,
  warmup: number,
  profile = false,
): Promise<{ median: number; min: number; times: number[]; cpuMedian: number; profile?: StepProfile }> {
  const onTfjs = c.engine !== 'onnxruntime';
  // tf.getBackend() and tf.memory() would initialise a backend: an onnxruntime case asks neither.
  const backend = onTfjs ? tf.getBackend() : 'onnxruntime';
  const tensorCount = (): number => (onTfjs ? tf.memory().numTensors : 0);
  const run = await c.setup(size, { backend, settle: settleFor(backend) });
  try {
    for (let i = 0; i < warmup; i++) await run.run();
    const before = tensorCount();
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await run.run();
      times.push(performance.now() - t0);
      const dc = process.cpuUsage(c0);
      cpu.push((dc.user + dc.system) / 1000);
    }
    const after = tensorCount();
    if (after !== before) throw new Error(`case ${c.name}: tf.memory().numTensors went ${before} -> ${after} over ${repeat} runs (leak)`);
    let stepProfile: StepProfile | undefined;
    if (profile && onTfjs) {
      const { classify, source } = resolveClassifier();
      const timer = installKernelTimer(backend, classify);
      try {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < repeat; i++) await run.run();
        const wall = performance.now() - t0;
        const dc = process.cpuUsage(c0);
        stepProfile = summarize(timer.stats(), repeat, wall, source, (dc.user + dc.system) / 1000);
      } finally {
        timer.uninstall();
      }
    }
    return { median: median(times), min: Math.min(...times), times, cpuMedian: median(cpu), profile: stepProfile };
  } finally {
    run.dispose();
  }
}

/**
 * The environment of the reference process: only what locating programs and
 * files needs. Nothing of ours (OMP_*, KMP_*, GOMP_*, MKL_*, SEMADAPT_*,
 * NODE_* …) reaches PyTorch, so it runs as a user's shell would run it.
 */
export function referenceEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR'];
  const out: NodeJS.ProcessEnv = {};
  for (const k of keep) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

/** Whether PyTorch is importable by the reference interpreter (and why not). */
export function torchAvailable(): { ok: boolean; why: string } {
  if (!fs.existsSync(TORCH_REFERENCE)) return { ok: false, why: `${TORCH_REFERENCE} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120000, env: referenceEnv() });
  if (r.status !== 0) return { ok: false, why: `${PYTHON} -c "import torch" failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}` };
  return { ok: true, why: `torch ${r.stdout.trim()}` };
}

/**
 * Runs the reference script and reports the interpreter's peak RSS on stderr
 * afterwards (`getrusage`, KiB on Linux): the script itself is not ours to change.
 */
const PEAK_RSS_WRAPPER = [
  'import resource, runpy, sys',
  'sys.argv = sys.argv[1:]',
  'try:',
  "    runpy.run_path(sys.argv[0], run_name='__main__')",
  'finally:',
  "    sys.stderr.write('\\nSEMADAPT_PEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
].join('\n');

/** PyTorch's figures for one case. */
export interface ReferenceResult {
  ms: number;
  peakRssMb: number | null;
  what: string;
}

/**
 * Runs torch_reference.py for one case in a fresh interpreter with
 * `referenceEnv()`; returns its median, its peak RSS (MiB, null if
 * unreported) and a description.
 */
export function torchReference(torchCase: string, size: number, repeat: number): ReferenceResult {
  const args = ['-c', PEAK_RSS_WRAPPER, TORCH_REFERENCE, '--case', torchCase, '--size', String(size), '--repeat', String(repeat), '--json'];
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 3600000, maxBuffer: 1 << 24, env: referenceEnv() });
  if (r.status !== 0) throw new Error(`torch_reference.py ${torchCase} failed (${r.status ?? r.signal}): ${(r.stderr || String(r.error ?? '')).trim().split('\n').slice(-3).join(' | ')}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const parsed = JSON.parse(last) as { case: string; median_ms: number; threads: number; torch: string; shape: number[] }[];
  const hit = parsed.find((p) => p.case === torchCase);
  if (!hit) throw new Error(`torch_reference.py printed no result for ${torchCase}: ${last}`);
  const rss = /SEMADAPT_PEAK_RSS_KB=(\d+)/.exec(r.stderr ?? '');
  return {
    ms: hit.median_ms,
    peakRssMb: rss ? Number(rss[1]) / 1024 : null,
    what: `torch ${hit.torch}, ${hit.threads} threads, shape [${hit.shape}] (NCHW), run first in a clean environment`,
  };
}

/**
 * `--case paper`: issue 22's cases at the paper's resolution (segmenters and
 * translate-infer 512×1024, translator-step 512×512 crops; translator-step
 * with recomputed activations, the configuration that trains at that size).
 */
export const PAPER_CASES: ReadonlyArray<{ name: string; size: number }> = [
  { name: 'deeplab-step', size: 512 },
  { name: 'fcn8s-step', size: 512 },
  { name: 'translator-step-recompute', size: 512 },
  { name: 'deeplab-infer', size: 512 },
  { name: 'translate-infer', size: 512 },
];

/** Runs each case in its own `node run.js` child (same options; `size` overrides --size) and collects their JSON lines. */
function runEachInChild(cases: ReadonlyArray<{ name: string; size?: number }>, argv: string[], json: boolean): number {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--case' || a === '--size') i++;
    else if (a.startsWith('--case=') || a.startsWith('--size=') || a === '--json') continue;
    else rest.push(a);
  }
  const sizeArg = argv.find((a, i) => argv[i - 1] === '--size') ?? argv.find((a) => a.startsWith('--size='))?.slice(7);
  const results: unknown[] = [];
  let code = 0;
  for (const { name, size } of cases) {
    const sz = size !== undefined ? ['--size', String(size)] : sizeArg !== undefined ? ['--size', sizeArg] : [];
    const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), '--case', name, ...sz, '--json', ...rest], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    });
    const lines = (r.stdout ?? '').trim().split('\n');
    const last = lines.pop() ?? '';
    process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
    if (r.status !== 0) {
      console.log(`[bench] ${name} failed (exit ${r.status ?? r.signal})`);
      code = 1;
      continue;
    }
    results.push(JSON.parse(last));
  }
  if (json) console.log(JSON.stringify(results));
  return code;
}

/** Entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      case: { type: 'string' },
      size: { type: 'string', default: '64' },
      repeat: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-reference': { type: 'boolean', default: false },
      backend: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || values.list || !values.case) {
    console.log(USAGE);
    return values.case || values.help || values.list ? 0 : 2;
  }
  const size = Number(values.size);
  const repeat = Number(values.repeat);
  const warmup = Number(values.warmup);
  for (const [k, v] of [['size', size], ['repeat', repeat]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer, got '${values[k]}'`);
  }
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup must be a non-negative integer, got '${values.warmup}'`);

  if (values.case === 'paper') return runEachInChild(PAPER_CASES, argv, values.json);
  const names = values.case === 'all' ? listCases() : values.case.split(',');
  names.forEach(loadCase);
  if (names.length > 1) return runEachInChild(names.map((name) => ({ name })), argv, values.json);
  const c = loadCase(names[0]);

  // PyTorch first: nothing of ours (backend, thread pool, OMP settings) exists yet.
  const torch = values['no-reference'] ? { ok: false, why: 'disabled by --no-reference' } : torchAvailable();
  if (!torch.ok) console.log(`[bench] PyTorch reference unavailable: ${torch.why}`);
  let ref: ReferenceResult | null = null;
  let reference = torch.ok ? '' : torch.why;
  if (!c.torchCase) reference = 'no torch_reference.py case';
  else if (torch.ok) {
    try {
      ref = torchReference(c.torchCase, size, repeat);
      reference = ref.what;
      const rss = ref.peakRssMb === null ? '' : `  peak RSS ${ref.peakRssMb.toFixed(0)} MiB`;
      console.log(`${c.name}  PyTorch (${ref.what}): median ${ref.ms.toFixed(1)} ms${rss}  load ${os.loadavg()[0].toFixed(2)}`);
    } catch (e) {
      reference = (e as Error).message;
      console.log(`[bench] ${reference}`);
    }
  }

  const choice = c.engine === 'onnxruntime' ? { kind: 'onnxruntime' } : await initBackend({ backend: values.backend, log: (m) => console.log(m) });
  const t = await timeCase(c, size, repeat, warmup, values.profile);
  const load = os.loadavg()[0];
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const flops = c.flops ? c.flops(size) : null;
  const gflops = flops ? flops / (t.median * 1e6) : null;
  const cpuPerWall = t.cpuMedian / t.median;
  console.log(
    `${c.name}  shape [${c.shape(size)}]  ${choice.kind}: median ${t.median.toFixed(1)} ms (min ${t.min.toFixed(1)}, cpu ${t.cpuMedian.toFixed(1)}, cpu/wall ${cpuPerWall.toFixed(2)}; ${repeat} runs after ${warmup} warmup)` +
      (gflops !== null ? `  ${gflops.toFixed(2)} GFLOP/s` : '') +
      `  peak RSS ${peakRssMb.toFixed(0)} MiB  load ${load.toFixed(2)}`,
  );
  if (ref) {
    const rss = ref.peakRssMb === null ? '' : `  peak RSS ours/torch ${(peakRssMb / ref.peakRssMb).toFixed(2)}`;
    console.log(`${c.name}  ratio ours/torch = ${(t.median / ref.ms).toFixed(2)}${rss}`);
  }
  if (t.profile) console.log(formatProfile(c.name, t.profile));
  else if (values.profile) console.log(`${c.name} profile: no tfjs kernels ran`);
  const result: BenchResult = {
    case: c.name,
    shape: c.shape(size),
    median_ms: Math.round(t.median * 10) / 10,
    reference_ms: ref ? ref.ms : null,
    ratio: ref ? Math.round((t.median / ref.ms) * 1000) / 1000 : null,
    backend: choice.kind,
    gflops: gflops === null ? null : Math.round(gflops * 100) / 100,
    repeat,
    min_ms: Math.round(t.min * 10) / 10,
    cpu_ms: Math.round(t.cpuMedian * 10) / 10,
    size,
    reference,
    peak_rss_mb: Math.round(peakRssMb),
    reference_peak_rss_mb: ref?.peakRssMb == null ? null : Math.round(ref.peakRssMb),
    rss_ratio: ref?.peakRssMb ? Math.round((peakRssMb / ref.peakRssMb) * 1000) / 1000 : null,
    cpu_per_wall: Math.round(cpuPerWall * 100) / 100,
    load: Math.round(load * 100) / 100,
    ...(t.profile ? { profile: t.profile } : {}),
  };
  if (values.json) console.log(JSON.stringify(result));
  return 0;
}

/**
 * The run manifests: one record per command run on a run directory, kept in
 * `<run>/manifests/` (never rewritten, so evaluating a run does not erase how
 * it was trained). Each holds what results depend on: the command and its
 * arguments, seed, the hash of the config it ran with (and the config), our
 * package versions and the key third-party ones, the tfjs backend, the native
 * kernels with the ISA they run, threads, the CPU's instruction sets, the git
 * commit (+dirty) and a fingerprint of every dataset (file list and sizes).
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeJsonAtomic } from './atomic';

/** Stable JSON: object keys sorted, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of a config, independent of key order. */
export function configHash(config: unknown): string {
  return sha256(canonicalJson(config));
}

/** Hash of a dataset's file list (sorted relative paths, one per line). */
export function fileListHash(relativePaths: readonly string[]): string {
  return sha256([...relativePaths].sort().join('\n'));
}

/** The git commit of the code (`<sha>+dirty` when tracked files have uncommitted changes), or 'unknown'. */
export function gitCommit(cwd = process.cwd()): string {
  try {
    const git = (args: string[]): string => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const head = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

const OUR_PACKAGES = [
  'compute', 'core-layers', 'losses', 'translator', 'segmenter', 'data-core',
  'data-cityscapes', 'data-gta5', 'data-synthia', 'metrics-fid-is', 'pipeline',
];
const THIRD_PARTY = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-node', 'onnxruntime-node', 'yargs', 'zod'];

function versionOf(pkg: string): string {
  try {
    // package.json of a dependency; resolve from here so the workspace links are used.
    const file = require.resolve(`${pkg}/package.json`, { paths: [__dirname, process.cwd()] });
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Versions of our packages and the main third-party ones, plus Node. */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const p of OUR_PACKAGES) out[`@semadapt/${p}`] = versionOf(`@semadapt/${p}`);
  for (const p of THIRD_PARTY) out[p] = versionOf(p);
  return out;
}

/** Instruction-set extensions that decide which kernels run (from /proc/cpuinfo's flags). */
const ISA_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile'];

/** The CPU: model name, logical cores and its ISA extensions among ISA_FLAGS (empty where /proc/cpuinfo is absent). */
export function cpuInfo(): { model: string; cores: number; isa: string[] } {
  const cpus = os.cpus();
  let flags: string[] = [];
  try {
    const m = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) flags = m[1].split(/\s+/);
  } catch {
    /* not Linux */
  }
  return { model: cpus[0]?.model ?? 'unknown', cores: cpus.length, isa: ISA_FLAGS.filter((f) => flags.includes(f)) };
}

/** A data set's identity: how many files, and a hash of their relative paths and sizes. */
export interface DatasetFingerprint {
  root: string;
  files: number;
  bytes: number;
  /** sha256 of "path\tsize" lines, sorted by path. */
  fingerprint: string;
}

/** Fingerprints the tree under `root` (file names and sizes; contents are not read). */
export function datasetFingerprint(root: string): DatasetFingerprint {
  const files = listFiles(root);
  let bytes = 0;
  const lines = files.map((f) => {
    const size = fs.statSync(path.join(root, f)).size;
    bytes += size;
    return `${f}\t${size}`;
  });
  return { root: path.resolve(root), files: files.length, bytes, fingerprint: sha256(lines.join('\n')) };
}

/** The compute side of a command: backend, native kernels, threads. */
export interface ComputeInfo {
  /** e.g. "wasm (tfjs 'wasm')", or 'onnxruntime-node' for inference-only commands. */
  backend: string;
  /**
   * The backend start-up's own account of what runs, e.g. "backend: wasm
   * (tfjs 'wasm'), …; convolutions: oneDNN 2.6.3 avx2, 2 threads; …".
   */
  kernels: string;
  /** Thread settings that change speed and, for reductions, the last bits of results (onnxruntime's, and the environment's). */
  threads: { onnx: number; env: Record<string, string> };
}

/** One command's record in `<run>/manifests/`. */
export interface Manifest {
  command: string;
  argv: string[];
  startedAt: string;
  seed: number;
  configHash: string;
  /** The config this command ran with (differs from config.json only in runtime keys, listed in `configChanges`). */
  config: unknown;
  configChanges: { path: string; stored: unknown; given: unknown }[];
  packageVersions: Record<string, string>;
  gitCommit: string;
  compute: ComputeInfo;
  host: { platform: string; hostname: string; cpu: { model: string; cores: number; isa: string[] }; memoryGiB: number };
  /** 'source' / 'target' → fingerprint of the tree. */
  datasets: Record<string, DatasetFingerprint>;
}

/** Environment variables that change what runs (kernels, threads, backend), recorded as they were. */
export function relevantEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && /^(SEMADAPT_|OMP_|DNNL_|ONEDNN_|TF_|UV_THREADPOOL_SIZE$)/.test(k)) out[k] = v;
  return out;
}

/** Builds a command's manifest record. */
export function buildManifest(info: {
  command: string;
  argv: string[];
  config: { optimization: { seed: number } };
  configChanges?: Manifest['configChanges'];
  compute: ComputeInfo;
  datasets: Record<string, DatasetFingerprint>;
}): Manifest {
  return {
    command: info.command,
    argv: info.argv,
    startedAt: new Date().toISOString(),
    seed: info.config.optimization.seed,
    configHash: configHash(info.config),
    config: info.config,
    configChanges: info.configChanges ?? [],
    packageVersions: packageVersions(),
    gitCommit: gitCommit(path.resolve(__dirname)),
    compute: info.compute,
    host: { platform: `${os.platform()}-${os.arch()}`, hostname: os.hostname(), cpu: cpuInfo(), memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1) },
    datasets: info.datasets,
  };
}

/** The folder of a run's manifests. */
export function manifestsDir(runRoot: string): string {
  return path.join(runRoot, 'manifests');
}

/**
 * Adds a command's record as a new file `<run>/manifests/<time>-<command>.json`
 * (atomic; existing records are never touched). Returns its path.
 */
export function appendManifest(runRoot: string, m: Manifest): string {
  const stamp = m.startedAt.replace(/[:.]/g, '-');
  const base = `${stamp}-${m.command.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
  let file = path.join(manifestsDir(runRoot), `${base}.json`);
  for (let i = 2; fs.existsSync(file); i++) file = path.join(manifestsDir(runRoot), `${base}-${i}.json`);
  writeJsonAtomic(file, m);
  return file;
}

/** Every manifest record of a run, oldest first. */
export function readManifests(runRoot: string): Manifest[] {
  const dir = manifestsDir(runRoot);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Manifest);
}

/** Collects the relative paths of every file under `root` (sorted). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) out.push(path.relative(root, full));
    }
  };
  if (fs.existsSync(root)) walk(root);
  return out.sort();
}

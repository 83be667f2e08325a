/**
 * The run manifest: what is needed to know what produced a run directory —
 * seed, a hash of the resolved config, the versions of our packages and of
 * the key third-party ones, the tfjs backend, the git commit of the code and a
 * hash of every dataset's file list (issue 9 §1).
 */
import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

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

/** The git commit of the working tree (with `+dirty` when it has changes), or 'unknown'. */
export function gitCommit(cwd = process.cwd()): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return head;
  } catch {
    return 'unknown';
  }
}

const OUR_PACKAGES = [
  'core-layers', 'losses', 'translator', 'segmenter', 'data-core',
  'data-cityscapes', 'data-gta5', 'data-synthia', 'metrics-fid-is', 'pipeline',
];
const THIRD_PARTY = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'onnxruntime-node', 'yargs'];

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

/** What `manifest.json` holds. */
export interface Manifest {
  command: string;
  argv: string[];
  createdAt: string;
  seed: number;
  configHash: string;
  packageVersions: Record<string, string>;
  backend: string;
  gitCommit: string;
  /** Dataset name → hash of its file list and the count of files. */
  datasets: Record<string, { files: number; fileListHash: string }>;
  host: { platform: string; cpus: number };
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

/**
 * A pool of decode workers. Each worker evaluates a tiny bootstrap that
 * `require`s `sample-worker` next to this file: the compiled `.js` when we
 * run built code, or the `.ts` source (transpiled on load with the
 * `typescript` package, which the workspace has) when we run from source under
 * ts-jest or ts-node. Only the worker module and its relative imports are
 * transpiled, so this does not depend on a test runner's hooks; the output is
 * cached by content hash in the project's own cache, `node_modules/.cache/
 * semadapt-worker-ts/` — never a shared folder such as /tmp, where another
 * local user could plant a file the worker would run. The folder must be a
 * real directory owned by the current user with no group/other access, and a
 * cached file owned by the user and not group/other-writable; otherwise the
 * cache is not used (the worker transpiles in memory).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Sample, SampleSpec, SamplePipeline } from '../dataset/sample';
import type { WorkerReply, WorkerTask } from './sample-worker';

const BOOTSTRAP = `
const { workerData } = require('worker_threads');
const boot = workerData.boot;
if (boot.entry.endsWith('.ts')) {
  const fs = require('fs');
  const path = require('path');
  const crypto = require('crypto');
  let ts;
  // Ours only: not a symlink, owned by this user, no write access for anyone else (no access at all for the folder).
  const trusted = (file, dir) => {
    try {
      const st = fs.lstatSync(file);
      if (st.isSymbolicLink() || (dir ? !st.isDirectory() : !st.isFile())) return false;
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
      return (st.mode & (dir ? 0o077 : 0o022)) === 0;
    } catch {
      return false;
    }
  };
  const cacheOk = boot.cacheDir !== undefined && trusted(boot.cacheDir, true);
  require.extensions['.ts'] = function (module, filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const key = crypto.createHash('sha1').update(filename + '\\0' + source).digest('hex');
    const cached = cacheOk ? path.join(boot.cacheDir, key + '.js') : undefined;
    let js;
    if (cached !== undefined && trusted(cached, false)) js = fs.readFileSync(cached, 'utf8');
    if (js === undefined) {
      ts = ts || require(boot.typescript);
      js = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
      }).outputText;
      if (cached !== undefined) {
        try {
          const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
          fs.writeFileSync(tmp, js, { mode: 0o600, flag: 'wx' });
          fs.renameSync(tmp, cached);
        } catch {
          /* the cache is optional */
        }
      }
    }
    module._compile(js, filename);
  };
}
require(boot.entry);
`;

/**
 * The cache folder for transpiled worker modules: `.cache/semadapt-worker-ts`
 * in the `node_modules` that holds `typescript` (the project's own), created
 * owner-only (0700). Undefined — no cache — when it cannot be made so or is
 * not ours (owned by another user, a symlink, or open to group/others).
 */
export function workerTsCacheDir(typescript: string): string | undefined {
  const parts = typescript.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const dir = path.join(parts.slice(0, at + 1).join(path.sep) || path.sep, '.cache', 'semadapt-worker-ts');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    if (st.isSymbolicLink() || !st.isDirectory() || (uid !== undefined && st.uid !== uid)) return undefined;
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
    return dir;
  } catch {
    return undefined;
  }
}

/** Where the worker module is, and how to load it. */
function bootInfo(): { entry: string; typescript?: string; cacheDir?: string } {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `sample-worker${ext}`);
  if (ext === '.ts') {
    // Transpiled modules are cached by content hash, so only the first worker of a run pays for loading typescript.
    const typescript = require.resolve('typescript');
    return { entry, typescript, cacheDir: workerTsCacheDir(typescript) };
  }
  return { entry };
}

interface Pending {
  resolve: (s: Sample) => void;
  reject: (e: Error) => void;
  worker: number;
}

/** N workers sharing one pipeline; `run` sends a spec to the least-busy worker. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(size: number, pipeline: SamplePipeline) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool: size must be an integer ≥ 1, got ${size}`);
    const boot = bootInfo();
    for (let w = 0; w < size; w++) {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { boot, pipeline } });
      worker.on('message', (reply: WorkerReply) => this.onReply(reply));
      worker.on('error', (err) => this.fail(new Error(`data loader worker ${w} crashed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`data loader worker ${w} exited with code ${code}`));
      });
      worker.unref();
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Decodes one sample in a worker. */
  run(spec: SampleSpec, index: number, seed: number): Promise<Sample> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('WorkerPool: closed'));
    let w = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i] < this.busy[w]) w = i;
    const id = this.nextId++;
    const task: WorkerTask = { id, spec, index, seed };
    return new Promise<Sample>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      // A worker with work keeps the process alive; idle workers do not.
      if (this.busy[w]++ === 0) this.workers[w].ref();
      this.workers[w].postMessage(task);
    });
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (--this.busy[p.worker] === 0) this.workers[p.worker].unref();
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(reply.sample);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    void this.close();
  }

  /** Terminates the workers; pending decodes are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new Error('WorkerPool: closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

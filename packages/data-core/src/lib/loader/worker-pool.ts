/**
 * A pool of decode workers. Each worker evaluates a tiny bootstrap that
 * `require`s `sample-worker` next to this file: the compiled `.js` when we
 * run built code, or the `.ts` source (transpiled on load with the
 * `typescript` package, which the workspace has) when we run from source under
 * ts-jest or ts-node. Only the worker module and its relative imports are
 * transpiled, so this does not depend on a test runner's hooks; the output is
 * cached in the OS temp folder by content hash.
 */
import * as os from 'os';
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
  require.extensions['.ts'] = function (module, filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const key = crypto.createHash('sha1').update(filename + '\\0' + source).digest('hex');
    const cached = path.join(boot.cacheDir, key + '.js');
    let js;
    try {
      js = fs.readFileSync(cached, 'utf8');
    } catch {
      ts = ts || require(boot.typescript);
      js = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true },
      }).outputText;
      fs.mkdirSync(boot.cacheDir, { recursive: true });
      const tmp = cached + '.' + process.pid + '.' + Math.random().toString(36).slice(2);
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, cached);
    }
    module._compile(js, filename);
  };
}
require(boot.entry);
`;

/** Where the worker module is, and how to load it. */
function bootInfo(): { entry: string; typescript?: string; cacheDir?: string } {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `sample-worker${ext}`);
  if (ext === '.ts') {
    // Transpiled modules are cached by content hash, so only the first worker of a run pays for loading typescript.
    return { entry, typescript: require.resolve('typescript'), cacheDir: path.join(os.tmpdir(), 'semadapt-worker-ts-cache') };
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

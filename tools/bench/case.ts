/**
 * The contract of a benchmark case (tools/bench/cases/<name>.ts). A case
 * file's default export — or its export named `benchCase` — is a `BenchCase`.
 * The runner (main.ts) initialises the backend (for a tfjs case), calls `setup` once, `run`
 * `warmup + repeat` times, reports the median, and `dispose`s.
 */

/** What `setup` returns: the timed step and its cleanup. */
export interface BenchRun {
  /**
   * One timed iteration. It must leave no work pending when its promise
   * resolves (`await ctx.settle(results)`, or read back what a real step
   * reads, e.g. its losses), and keep `tf.memory().numTensors` flat (the
   * runner checks).
   */
  run(): Promise<void>;
  /** Releases everything `setup` allocated. */
  dispose(): void;
}

/** Facts about the run a case may use. */
export interface BenchContext {
  /** Active tfjs backend (`wasm`, `cpu`, `tensorflow`). */
  backend: string;
  /**
   * Resolves once `tensors` are computed, without copying them out — the
   * counterpart of torch_reference.py's `sync` (a no-op on CPU,
   * `torch.cuda.synchronize` on a GPU). The wasm and cpu backends run every
   * kernel to completion before the op returns, so there it resolves at
   * once; on tfjs-node (possibly a GPU device) it reads the tensors back.
   */
  settle(tensors: readonly { data(): Promise<unknown> }[]): Promise<void>;
}

/** A benchmark case. */
export interface BenchCase {
  /** Case name, equal to the file name (`conv-step` for cases/conv-step.ts). */
  name: string;
  /** One line: what one `run()` does. */
  description: string;
  /**
   * The matching case of tools/bench/torch_reference.py (same network,
   * same `--size` meaning), if any; the runner then times PyTorch in the same
   * invocation and reports the ratio.
   */
  torchCase?: string;
  /**
   * What runs the case: tfjs (the default; the runner initialises the
   * backend first) or onnxruntime alone (no tfjs backend is initialised: an
   * evaluator's process holds onnxruntime and the model, nothing else).
   */
  engine?: 'tfjs' | 'onnxruntime';
  /** The input shape for `--size n`, as reported in the JSON (NHWC). */
  shape(size: number): number[];
  /** Floating-point operations of one `run()` (2 per multiply-add), for GFLOP/s. */
  flops?(size: number): number;
  /** Builds inputs/weights for `--size n`; not timed. */
  setup(size: number, ctx: BenchContext): Promise<BenchRun>;
}

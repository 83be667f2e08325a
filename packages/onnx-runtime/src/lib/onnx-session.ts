/**
 * The one onnxruntime-node session type of the workspace. Export parity
 * checks (core-layers, the model packages), the pipeline's inference stages
 * (translate, pseudo-label, evaluate) and FID/IS (metrics-fid-is) all run
 * their ONNX models through it, with one tensor type crossing the boundary.
 * onnxruntime-node is loaded on the first `open`, so importing this package
 * does not load the native binding.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';

/** A dense float32 tensor crossing the onnxruntime boundary (row-major, e.g. NCHW). */
export interface OnnxTensor {
  data: Float32Array;
  dims: number[];
}

/** What onnxruntime reports of a model input or output (name, element type, shape with symbolic dims). */
export type OnnxValueMetadata = InferenceSession.ValueMetadata;
/** The metadata of a tensor input or output (`isTensor: true`: element type and shape). */
export type OnnxTensorMetadata = InferenceSession.TensorValueMetadata;

/** Graph optimisation levels of onnxruntime that {@link OnnxSessionOptions.optimization} accepts. */
export type OnnxOptimization = 'basic' | 'extended' | 'all';

/**
 * Options of {@link OnnxSession.open}. The memory settings change where and
 * how onnxruntime keeps weights and activations, never the outputs (the spec
 * runs a model under each and compares).
 */
export interface OnnxSessionOptions {
  /** Intra-op threads. Default: onnxruntime's own choice (one per physical core). */
  threads?: number;
  /**
   * onnxruntime's CPU memory arena (`enableCpuMemArena`): activations come
   * from a pool that grows in powers of two and is never returned to the
   * system. Default false: off, the translator at 512×1024 peaks at 941
   * instead of 1,774 MiB (README, "Memory").
   */
  memoryArena?: boolean;
  /**
   * Memory-pattern planning (`enableMemPattern`): one block per run laid out
   * from the first run's shapes. Default true (off lowered DeepLabV2's peak
   * at 512×1024 by 84 MiB, not the translator's; its time cost was not
   * resolvable on the loaded machine).
   */
  memoryPattern?: boolean;
  /**
   * Weight pre-packing (session config `session.disable_prepacking` is its
   * negation): kernels keep a re-laid-out copy of their weights. Default
   * true (off saved no memory measurably on either network).
   */
  prepacking?: boolean;
  /** Graph optimisation level. Default 'all'. */
  optimization?: OnnxOptimization;
}

/** Defaults of the memory options, chosen by measurement (README, "Memory"). */
export const ONNX_SESSION_DEFAULTS: Readonly<Required<Pick<OnnxSessionOptions, 'memoryArena' | 'memoryPattern' | 'prepacking'>>> = {
  memoryArena: false,
  memoryPattern: true,
  prepacking: true,
};
const DEFAULTS = ONNX_SESSION_DEFAULTS;

const OPTION_NAMES: readonly (keyof OnnxSessionOptions)[] = ['threads', 'memoryArena', 'memoryPattern', 'prepacking', 'optimization'];
const OPTIMIZATIONS: readonly OnnxOptimization[] = ['basic', 'extended', 'all'];

/** Checks `options` and maps them to onnxruntime's session options (sequential execution). */
export function ortSessionOptions(options: OnnxSessionOptions): InferenceSession.SessionOptions {
  for (const key of Object.keys(options)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) throw new Error(`OnnxSession: unknown option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
  }
  const { threads, memoryArena = DEFAULTS.memoryArena, memoryPattern = DEFAULTS.memoryPattern, prepacking = DEFAULTS.prepacking, optimization = 'all' } = options;
  for (const [name, value] of [['memoryArena', memoryArena], ['memoryPattern', memoryPattern], ['prepacking', prepacking]] as const) {
    if (typeof value !== 'boolean') throw new TypeError(`OnnxSession: ${name} must be true or false, received ${String(value)}`);
  }
  if (!OPTIMIZATIONS.includes(optimization)) throw new RangeError(`OnnxSession: optimization must be one of ${OPTIMIZATIONS.join(', ')}, received ${String(optimization)}`);
  const sessionOptions: InferenceSession.SessionOptions = {
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: optimization,
    enableCpuMemArena: memoryArena,
    enableMemPattern: memoryPattern,
    extra: { session: { disable_prepacking: prepacking ? '0' : '1' } },
  };
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`OnnxSession: threads must be an integer ≥ 1, received ${threads}`);
    sessionOptions.intraOpNumThreads = threads;
  }
  return sessionOptions;
}

function ort(): typeof import('onnxruntime-node') {
  return require('onnxruntime-node') as typeof import('onnxruntime-node');
}

/** An output as float32: float32 data is handed over as is, other numeric types are converted. */
function toOnnxTensor(t: Tensor, where: string): OnnxTensor {
  if (t.type === 'float32') return { data: t.data as Float32Array, dims: t.dims.slice() };
  if (t.type === 'string' || t.type === 'bool') throw new Error(`${where}: a ${t.type} output cannot be read as float32`);
  return { data: Float32Array.from(t.data as ArrayLike<number | bigint>, Number), dims: t.dims.slice() };
}

/** An onnxruntime-node inference session on the CPU (sequential execution; optimisation level and memory settings from {@link OnnxSessionOptions}). */
export class OnnxSession {
  private constructor(
    private readonly session: InferenceSession,
    /** The file the model came from, or `<onnx model>` for bytes (used in errors). */
    readonly source: string,
  ) {}

  /** Opens a model from a file or from its bytes. */
  static async open(model: string | Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    const sessionOptions = ortSessionOptions(options);
    const { InferenceSession: Session } = ort();
    const source = typeof model === 'string' ? model : '<onnx model>';
    const session = typeof model === 'string' ? await Session.create(model, sessionOptions) : await Session.create(model, sessionOptions);
    return new OnnxSession(session, source);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }
  get inputMetadata(): readonly OnnxValueMetadata[] {
    return this.session.inputMetadata;
  }
  get outputMetadata(): readonly OnnxValueMetadata[] {
    return this.session.outputMetadata;
  }

  /** Runs with inputs in `inputNames` order; returns every output in `outputNames` order. */
  async run(inputs: readonly OnnxTensor[]): Promise<OnnxTensor[]> {
    const names = this.inputNames;
    if (inputs.length !== names.length) throw new Error(`${this.source}: expects inputs ${names.join(', ')}; got ${inputs.length}`);
    const out = await this.runNamed(Object.fromEntries(names.map((n, i) => [n, inputs[i]])));
    return this.outputNames.map((n) => out[n]);
  }

  /** Runs with inputs by name; returns the outputs named in `fetches` (default: all) by name. */
  async runNamed(feeds: Record<string, OnnxTensor>, fetches?: readonly string[]): Promise<Record<string, OnnxTensor>> {
    const { Tensor: OrtTensor } = ort();
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new OrtTensor('float32', t.data, t.dims);
    const results = fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds);
    const out: Record<string, OnnxTensor> = {};
    for (const [name, t] of Object.entries(results)) out[name] = toOnnxTensor(t, `${this.source}: output '${name}'`);
    return out;
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

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

/** Options of {@link OnnxSession.open}. */
export interface OnnxSessionOptions {
  /** Intra-op threads. Default: onnxruntime's own choice (one per physical core). */
  threads?: number;
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

/** An onnxruntime-node inference session on the CPU (sequential execution, all graph optimisations). */
export class OnnxSession {
  private constructor(
    private readonly session: InferenceSession,
    /** The file the model came from, or `<onnx model>` for bytes (used in errors). */
    readonly source: string,
  ) {}

  /** Opens a model from a file or from its bytes. */
  static async open(model: string | Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
    const { InferenceSession: Session } = ort();
    const sessionOptions: InferenceSession.SessionOptions = { interOpNumThreads: 1, graphOptimizationLevel: 'all' };
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`OnnxSession: threads must be an integer ≥ 1, received ${options.threads}`);
      sessionOptions.intraOpNumThreads = options.threads;
    }
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

import * as fs from 'fs';
import { OnnxSession, OnnxTensorMetadata, OnnxValueMetadata } from '@semadapt/onnx-runtime';
import { sha256OfFile } from './model-digest';
import { InceptionNormalization, preprocessForInception, ResizeMode, RgbImageLike } from './preprocess';

/** How to find and feed the user's InceptionV3 ONNX model. */
export interface InceptionModelOptions {
  /** Preprocessing protocol (recorded in results). Default 'legacy'. */
  mode?: ResizeMode;
  /** Input scaling the model expects. Default 'minusOneOne' (FID-Inception weights). */
  normalization?: InceptionNormalization;
  /** Output holding the 2048-d pool3 features; default: the output whose last non-unit dimension is 2048. */
  featuresOutput?: string;
  /** Output holding class logits or probabilities; default: the output whose last dimension is 1000 or 1008. */
  logitsOutput?: string;
  /** Whether `logitsOutput` already holds probabilities (softmax applied in the graph). Default: false. */
  outputsProbabilities?: boolean;
  /** onnxruntime intra-op threads. Default: onnxruntime's own choice (all cores). */
  threads?: number;
}

export interface InceptionBatchOutput {
  /** rows × featureDim, row-major. */
  features?: Float32Array;
  /** rows × classes (logits or probabilities, see `outputsProbabilities`). */
  logits?: Float32Array;
}

const INPUT_SIZE = 299;

/**
 * An InceptionV3 ONNX model given by the user (weights cannot be downloaded
 * here; SPEC §6). The contract: one float input of shape [N, 3, 299, 299]
 * (NCHW) or [N, 299, 299, 3] (NHWC), a pool3 output with 2048 features
 * ([N, 2048] or [N, 2048, 1, 1]), and optionally a class output with 1000
 * or 1008 entries. Outputs are found by name when given, else by shape; a
 * model that does not fit gets an error that lists what it has.
 */
export class InceptionModel {
  readonly mode: ResizeMode;
  readonly normalization: InceptionNormalization;
  readonly featureDim: number;
  readonly classes: number;
  readonly outputsProbabilities: boolean;

  private constructor(
    private readonly session: OnnxSession,
    readonly file: string,
    /** SHA-256 of the model file's bytes: identifies the weights (recorded in statistics files and results). */
    readonly sha256: string,
    private readonly inputName: string,
    private readonly layout: 'NCHW' | 'NHWC',
    readonly featuresOutput: string | undefined,
    readonly logitsOutput: string | undefined,
    options: InceptionModelOptions,
    dims: { features: number; classes: number },
  ) {
    this.mode = options.mode ?? 'legacy';
    this.normalization = options.normalization ?? 'minusOneOne';
    this.outputsProbabilities = options.outputsProbabilities ?? false;
    this.featureDim = dims.features;
    this.classes = dims.classes;
  }

  static async load(file: string, options: InceptionModelOptions = {}): Promise<InceptionModel> {
    if (!fs.existsSync(file)) throw new Error(`Inception model not found: ${file} (give an InceptionV3 ONNX file; see the metrics-fid-is README)`);
    // Hashed before the session opens: the digest describes the bytes onnxruntime is about to read.
    let sha256: string;
    try {
      sha256 = await sha256OfFile(file);
    } catch (e) {
      throw new Error(`Inception model ${file} cannot be read: ${(e as Error).message}`);
    }
    let session: OnnxSession;
    try {
      session = await OnnxSession.open(file, options.threads ? { threads: options.threads } : {});
    } catch (e) {
      throw new Error(`Inception model ${file} could not be loaded by onnxruntime: ${(e as Error).message}`);
    }
    const describe = (m: readonly OnnxValueMetadata[]) =>
      m.map((v) => (v.isTensor ? `${v.name} ${v.type} [${v.shape.join(', ')}]` : `${v.name} (non-tensor)`)).join('; ');
    const found = `inputs: ${describe(session.inputMetadata)}; outputs: ${describe(session.outputMetadata)}`;
    const fail = (why: string): never => {
      throw new Error(`Inception model ${file} does not fit the InceptionV3 contract: ${why}. Found ${found}`);
    };

    if (session.inputMetadata.length !== 1) fail(`expected exactly one input, found ${session.inputMetadata.length}`);
    const input = session.inputMetadata[0];
    if (!input.isTensor || input.type !== 'float32' || input.shape.length !== 4) fail(`the input must be a float32 4-D tensor`);
    const shape = (input as OnnxTensorMetadata).shape;
    const layout = shape[1] === 3 ? 'NCHW' : shape[3] === 3 ? 'NHWC' : fail(`the input must have 3 channels in dimension 1 (NCHW) or 3 (NHWC)`);
    for (const d of layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]]) {
      if (typeof d === 'number' && d !== INPUT_SIZE) fail(`the input must be ${INPUT_SIZE}×${INPUT_SIZE}, found ${d}`);
    }

    const tensors = session.outputMetadata.filter((o): o is OnnxTensorMetadata => o.isTensor);
    const lastDim = (o: OnnxTensorMetadata) => {
      const dims = o.shape.filter((d, i) => i > 0 && d !== 1);
      return dims.length === 1 && typeof dims[0] === 'number' ? dims[0] : undefined;
    };
    const byName = (name: string, what: string) =>
      tensors.find((o) => o.name === name) ?? fail(`no output named '${name}' for the ${what}`);
    const featuresMeta = options.featuresOutput
      ? byName(options.featuresOutput, 'pool3 features')
      : tensors.find((o) => lastDim(o) === 2048);
    const logitsMeta = options.logitsOutput
      ? byName(options.logitsOutput, 'class logits')
      : tensors.find((o) => lastDim(o) === 1000 || lastDim(o) === 1008);
    if (!featuresMeta && !logitsMeta) fail('no output with 2048 features (pool3) nor with 1000/1008 classes');
    return new InceptionModel(session, file, sha256, input.name, layout, featuresMeta?.name, logitsMeta?.name, options, {
      features: featuresMeta ? (lastDim(featuresMeta) ?? 2048) : 0,
      classes: logitsMeta ? (lastDim(logitsMeta) ?? 0) : 0,
    });
  }

  /** Preprocess and run a batch of images. */
  async run(images: RgbImageLike[]): Promise<InceptionBatchOutput> {
    const n = images.length;
    const per = 3 * INPUT_SIZE * INPUT_SIZE;
    const chw = new Float32Array(n * per);
    images.forEach((img, i) => preprocessForInception(img, this.mode, this.normalization, INPUT_SIZE, chw, i * per));
    const data = this.layout === 'NCHW' ? chw : chwToHwc(chw, n, INPUT_SIZE);
    const dims = this.layout === 'NCHW' ? [n, 3, INPUT_SIZE, INPUT_SIZE] : [n, INPUT_SIZE, INPUT_SIZE, 3];
    const fetches = [this.featuresOutput, this.logitsOutput].filter((x): x is string => !!x);
    const result = await this.session.runNamed({ [this.inputName]: { data, dims } }, fetches);
    const take = (name: string | undefined, width: number): Float32Array | undefined => {
      if (!name) return undefined;
      const t = result[name];
      if (t.data.length !== n * width) throw new Error(`Inception model ${this.file}: output '${name}' has ${t.data.length} values for ${n} images, expected ${n}×${width}`);
      return Float32Array.from(t.data);
    };
    return { features: take(this.featuresOutput, this.featureDim), logits: take(this.logitsOutput, this.classes) };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function chwToHwc(chw: Float32Array, n: number, size: number): Float32Array {
  const out = new Float32Array(chw.length);
  const plane = size * size;
  for (let b = 0; b < n; b++)
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < plane; p++) out[b * 3 * plane + p * 3 + c] = chw[b * 3 * plane + c * plane + p];
  return out;
}

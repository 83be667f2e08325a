/**
 * The one onnxruntime-node session type of the workspace. Export parity
 * checks (core-layers, the model packages), the pipeline's inference stages
 * (translate, pseudo-label, evaluate) and FID/IS (metrics-fid-is) all run
 * their ONNX models through it, with one tensor type crossing the boundary.
 * onnxruntime-node is loaded on the first `open`, so importing this package
 * does not load the native binding.
 */
import type { InferenceSession } from 'onnxruntime-node';
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
/** An onnxruntime-node inference session on the CPU (sequential execution, all graph optimisations). */
export declare class OnnxSession {
    private readonly session;
    /** The file the model came from, or `<onnx model>` for bytes (used in errors). */
    readonly source: string;
    private constructor();
    /** Opens a model from a file or from its bytes. */
    static open(model: string | Uint8Array, options?: OnnxSessionOptions): Promise<OnnxSession>;
    get inputNames(): readonly string[];
    get outputNames(): readonly string[];
    get inputMetadata(): readonly OnnxValueMetadata[];
    get outputMetadata(): readonly OnnxValueMetadata[];
    /** Runs with inputs in `inputNames` order; returns every output in `outputNames` order. */
    run(inputs: readonly OnnxTensor[]): Promise<OnnxTensor[]>;
    /** Runs with inputs by name; returns the outputs named in `fetches` (default: all) by name. */
    runNamed(feeds: Record<string, OnnxTensor>, fetches?: readonly string[]): Promise<Record<string, OnnxTensor>>;
    /** Frees the native session. */
    release(): Promise<void>;
}

/**
 * The contract between layers and the ONNX exporter. A layer that can be
 * exported implements `OnnxExportable`: given the name of its input tensor
 * (NCHW in the ONNX graph — the exporter transposes at the model's edges
 * never inside) it adds its nodes and initializers and returns the name of
 * its output. Initializers are named by the parameter's dotted path
 * (`scope + '.weight'`), so an exported file's initializers map back to
 * `namedParameters()` one to one (weight import relies on this).
 */
export type OnnxAttribute = number | number[] | string | Float32Array | { floats: number[] } | { ints: number[] };

export type OnnxDataType = 'float32' | 'int64' | 'int32';

export interface OnnxGraph {
  /** Opset of the model being built (default-domain); layers whose op signatures changed (Reduce* in 18) read it. Absent means 17. */
  readonly opset?: number;
  /** Add a constant tensor (already in ONNX layout, e.g. OIHW filters); returns its name. */
  initializer(name: string, data: Float32Array | Int32Array | BigInt64Array, dims: number[], dtype?: OnnxDataType): string;
  /** Add a node; returns its output names (fresh unless `outputs` is given). */
  node(opType: string, inputs: string[], attributes?: Record<string, OnnxAttribute>, options?: { outputs?: string[]; numOutputs?: number; name?: string }): string[];
  /** A fresh tensor name from a readable stem. */
  fresh(stem: string): string;
}

export interface OnnxExportable {
  /** Emit this layer (eval-mode semantics) reading `input`; return the output tensor's name. */
  toOnnx(graph: OnnxGraph, input: string, scope: string): string;
}

/**
 * Layers that take a second, guidance input (SPADE, SPADE residual blocks;
 * SPEC §2). `toOnnx(graph, input, scope)` cannot express them, so they
 * implement this instead: `guidance` names the (NCHW) guidance tensor already
 * in the graph, typically a model input declared to `exportOnnx`.
 */
export interface OnnxGuidedExportable {
  /** Emit this layer (eval-mode semantics) reading `input` and `guidance`; return the output tensor's name. */
  toOnnxGuided(graph: OnnxGraph, input: string, guidance: string, scope: string): string;
}

/** Dotted parameter path: `scopedName('enc.conv', 'weight') === 'enc.conv.weight'`, `scopedName('', 'weight') === 'weight'`. */
export function scopedName(scope: string, name: string): string {
  return scope ? `${scope}.${name}` : name;
}

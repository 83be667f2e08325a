/**
 * The `OnnxGraph` implementation: collects nodes and initializers as
 * `onnx-proto` messages (protobufjs code generated from the official
 * onnx.proto), so no byte is hand-encoded.
 *
 * Attribute typing: ONNX distinguishes INT from FLOAT but a JS number does
 * not, so a plain number is a FLOAT when its attribute name is one of ONNX's
 * float attributes (`FLOAT_ATTRIBUTES`: epsilon, alpha, …) or it is not an
 * integer, else an INT. `number[]` is INTS, `Float32Array` or `{floats}` is
 * FLOATS, `{ints}` is INTS, a string is STRING.
 */
import { onnx } from 'onnx-proto';
import { OnnxAttribute, OnnxDataType, OnnxGraph } from './onnx-graph';

/** Attribute names that ONNX types as FLOAT in the operators we emit. */
export const FLOAT_ATTRIBUTES: ReadonlySet<string> = new Set(['epsilon', 'alpha', 'beta', 'gamma', 'momentum', 'cubic_coeff_a', 'extrapolation_value', 'bias', 'lambd', 'ratio', 'seed', 'scale']);

const DATA_TYPE: Record<OnnxDataType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
};

export class OnnxGraphBuilder implements OnnxGraph {
  /** @param opset the model's default-domain opset (≥ 17). */
  constructor(readonly opset = 17) {}

  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly initializerDims = new Map<string, number[]>();
  /** Names handed out by `fresh` and not yet defined by a node or initializer. */
  private readonly pending = new Set<string>();

  /** Reserve a name: a graph input (`defined`), or a graph output a node will define later. */
  reserve(name: string, defined = true): void {
    if (this.names.has(name)) throw new Error(`OnnxGraph: tensor name '${name}' is already used`);
    this.names.add(name);
    if (!defined) this.pending.add(name);
  }

  fresh(stem: string): string {
    const base = stem || 't';
    let candidate = base;
    for (let i = 1; this.names.has(candidate); i++) candidate = `${base}_${i}`;
    this.names.add(candidate);
    this.pending.add(candidate);
    return candidate;
  }

  initializer(name: string, data: Float32Array | Int32Array | BigInt64Array, dims: number[], dtype: OnnxDataType = 'float32'): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`OnnxGraph: initializer '${name}' has ${data.length} values, dims [${dims}] need ${size}`);
    const previous = this.initializerDims.get(name);
    if (previous) {
      // The same parameter emitted twice (a module used twice): one initializer.
      if (previous.length === dims.length && previous.every((d, i) => d === dims[i])) return name;
      throw new Error(`OnnxGraph: initializer '${name}' added twice with dims [${previous}] and [${dims}]`);
    }
    if (this.names.has(name) && !this.pending.has(name)) throw new Error(`OnnxGraph: initializer name '${name}' is already used by another tensor`);
    this.names.add(name);
    this.pending.delete(name);
    this.initializerDims.set(name, dims.slice());
    const expected = dtype === 'float32' ? Float32Array : dtype === 'int64' ? BigInt64Array : Int32Array;
    if (!(data instanceof expected)) throw new Error(`OnnxGraph: initializer '${name}' is ${dtype} but data is a ${data.constructor.name}`);
    // rawData is little-endian; typed arrays are host-endian, little on every platform Node supports.
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: DATA_TYPE[dtype], rawData: raw }));
    return name;
  }

  node(opType: string, inputs: string[], attributes: Record<string, OnnxAttribute> = {}, options: { outputs?: string[]; numOutputs?: number; name?: string } = {}): string[] {
    for (const i of inputs) {
      if (i !== '' && !this.names.has(i)) throw new Error(`OnnxGraph: ${opType} reads '${i}', which no input, initializer or node defines`);
    }
    const outputs = options.outputs ?? Array.from({ length: options.numOutputs ?? 1 }, () => this.fresh(`${options.name ?? opType}_out`));
    for (const o of outputs) {
      if (this.names.has(o) && !this.pending.has(o)) throw new Error(`OnnxGraph: ${opType} output '${o}' is already defined`);
      this.names.add(o);
      this.pending.delete(o);
    }
    let name = options.name ?? `${opType}_${this.nodes.length}`;
    if (this.nodeNames.has(name)) {
      let i = 1;
      while (this.nodeNames.has(`${name}_${i}`)) i++;
      name = `${name}_${i}`;
    }
    this.nodeNames.add(name);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name,
        input: inputs,
        output: outputs,
        attribute: Object.entries(attributes).map(([k, v]) => toAttribute(k, v)),
      }),
    );
    return outputs;
  }
}

function toAttribute(name: string, value: OnnxAttribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value)) return { name, type: T.FLOAT, f: value };
    return { name, type: T.INT, i: value };
  }
  if (value instanceof Float32Array) return { name, type: T.FLOATS, floats: Array.from(value) };
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) throw new Error(`OnnxGraph: attribute '${name}' given as number[] must hold integers (use {floats} for floats), received [${value}]`);
    return { name, type: T.INTS, ints: value };
  }
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  if ('ints' in value) return { name, type: T.INTS, ints: value.ints };
  throw new Error(`OnnxGraph: unsupported attribute '${name}': ${JSON.stringify(value)}`);
}

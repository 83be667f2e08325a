/**
 * Export to an ONNX `ModelProto` (SPEC §7): opset 17, named inputs and
 * outputs, dynamic batch/height/width (`dim_param` N, H, W), an NCHW graph
 * with OIHW initializers named by dotted parameter path, spectral norm folded
 * into the weights, eval-mode semantics (layers' `toOnnx` always emit eval
 * behaviour: stored spectral-norm vectors, no dropout, running BN stats).
 *
 * - `exportLayer(layer, …)`: one input, one output.
 * - `exportGuidedLayer(layer, …)`: image + guidance inputs (SPADE blocks).
 * - `exportOnnx({ inputs, outputs, build })`: anything else — `build` receives
 *   the graph and the input tensor names and returns the output tensor names.
 *
 * With `layout: 'NHWC'` the model's inputs/outputs are NHWC and the exporter
 * inserts one Transpose at each edge; the graph inside stays NCHW.
 */
import { onnx } from 'onnx-proto';
import { OnnxGraphBuilder } from './onnx-builder';
import { OnnxGraph, OnnxExportable, OnnxGuidedExportable } from './onnx-graph';

/** The default and minimum opset. */
export const ONNX_OPSET = 17;
/** IR version matching opset 17 (ONNX 1.12). */
export const ONNX_IR_VERSION = 8;

/** A model input. */
export interface OnnxInputSpec {
  /** Tensor name in the model, e.g. 'image'. */
  name: string;
  /** Channel count (a fixed dim); batch, height, width are dynamic. */
  channels: number;
}

/** A model output. */
export interface OnnxOutputSpec {
  /** Tensor name in the model, e.g. 'logits'. */
  name: string;
  /** Channel count if known (else a dim_param). */
  channels?: number;
}

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  inputs: OnnxInputSpec[];
  outputs: OnnxOutputSpec[];
  /** Emit the graph; return one tensor name per output, in order. */
  build: (graph: OnnxGraph, inputs: string[]) => string[];
  /** Layout of the model's inputs and outputs. Default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
  /** Opset version, ≥ 17. Default 17. */
  opset?: number;
  /** Graph name. Default 'semadapt'. */
  graphName?: string;
  /** Free text stored in the model. */
  docString?: string;
}

function valueInfo(name: string, channels: number | undefined, layout: 'NCHW' | 'NHWC', suffix: string): onnx.IValueInfoProto {
  const c: onnx.TensorShapeProto.IDimension = channels === undefined ? { dimParam: `C${suffix}` } : { dimValue: channels };
  const n = { dimParam: 'N' };
  const h = { dimParam: `H${suffix}` };
  const w = { dimParam: `W${suffix}` };
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: layout === 'NCHW' ? [n, c, h, w] : [n, h, w, c] } } },
  };
}

/** Build a `ModelProto`. */
export function exportOnnx(options: ExportOnnxOptions): onnx.ModelProto {
  const layout = options.layout ?? 'NCHW';
  const opset = options.opset ?? ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < ONNX_OPSET) throw new Error(`exportOnnx: opset must be an integer >= ${ONNX_OPSET}, received ${JSON.stringify(options.opset)}`);
  if (options.inputs.length === 0 || options.outputs.length === 0) throw new Error(`exportOnnx: need at least one input and one output, received ${options.inputs.length} and ${options.outputs.length}`);
  const graph = new OnnxGraphBuilder(opset);
  for (const i of options.inputs) graph.reserve(i.name);
  for (const o of options.outputs) graph.reserve(o.name, false);
  const internal = options.inputs.map((i) =>
    layout === 'NCHW' ? i.name : graph.node('Transpose', [i.name], { perm: [0, 3, 1, 2] }, { name: `${i.name}_toNCHW`, outputs: [graph.fresh(`${i.name}_nchw`)] })[0],
  );
  const results = options.build(graph, internal);
  if (results.length !== options.outputs.length) throw new Error(`exportOnnx: build returned ${results.length} tensors for ${options.outputs.length} outputs`);
  results.forEach((r, k) => {
    const out = options.outputs[k].name;
    if (layout === 'NCHW') graph.node('Identity', [r], {}, { name: `${out}_identity`, outputs: [out] });
    else graph.node('Transpose', [r], { perm: [0, 2, 3, 1] }, { name: `${out}_toNHWC`, outputs: [out] });
  });
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'semadapt',
    producerVersion: '0.1.0',
    docString: options.docString ?? '',
    graph: {
      name: options.graphName ?? 'semadapt',
      node: graph.nodes,
      initializer: graph.initializers,
      input: options.inputs.map((i) => valueInfo(i.name, i.channels, layout, '')),
      output: options.outputs.map((o) => valueInfo(o.name, o.channels, layout, `_${o.name}`)),
    },
  });
}

/** Options shared by `exportLayer` and `exportGuidedLayer`. */
export interface ExportLayerOptions {
  /** Input channels. Required. */
  inputChannels: number;
  /** Output channels if known. */
  outputChannels?: number;
  /** Input tensor name. Default 'input'. */
  inputName?: string;
  /** Output tensor name. Default 'output'. */
  outputName?: string;
  /** Scope prefixing initializer names. Default '' (names as `layer.namedParameters()`). */
  scope?: string;
  layout?: 'NCHW' | 'NHWC';
  opset?: number;
}

/** Export a one-input layer. */
export function exportLayer(layer: OnnxExportable, options: ExportLayerOptions): onnx.ModelProto {
  return exportOnnx({
    inputs: [{ name: options.inputName ?? 'input', channels: options.inputChannels }],
    outputs: [{ name: options.outputName ?? 'output', channels: options.outputChannels }],
    build: (graph, [x]) => [layer.toOnnx(graph, x, options.scope ?? '')],
    layout: options.layout,
    opset: options.opset,
  });
}

/** Export a guided layer (SPADE, SPADE residual block): inputs `input` and `guidance`. */
export function exportGuidedLayer(
  layer: OnnxGuidedExportable,
  options: ExportLayerOptions & { guidanceChannels: number; guidanceName?: string },
): onnx.ModelProto {
  return exportOnnx({
    inputs: [
      { name: options.inputName ?? 'input', channels: options.inputChannels },
      { name: options.guidanceName ?? 'guidance', channels: options.guidanceChannels },
    ],
    outputs: [{ name: options.outputName ?? 'output', channels: options.outputChannels }],
    build: (graph, [x, g]) => [layer.toOnnxGuided(graph, x, g, options.scope ?? '')],
    layout: options.layout,
    opset: options.opset,
  });
}

/** Serialize a model to bytes (an `.onnx` file's content). */
export function encodeOnnx(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Parse `.onnx` bytes. */
export function decodeOnnx(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

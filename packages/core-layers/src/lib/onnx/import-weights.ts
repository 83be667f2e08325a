/**
 * ONNX weight import (issue 4, item 5): load the initializers of an `.onnx`
 * file (and the tensors of its `Constant` nodes) into a module through a
 * name-mapping table, converting layouts on the way. This is how ImageNet or
 * published weights exported from PyTorch (`torch.onnx.export`) reach our
 * networks.
 *
 * Layouts: ONNX/PyTorch conv weights are OIHW and transposed-conv weights
 * IOHW; ours are HWIO and HWOI (see `layout.ts`). Each mapping entry says
 * which conversion applies (`'conv'`, `'convTranspose'` or `'none'`); a 4-D
 * tensor defaults to `'conv'`, anything else to `'none'`.
 *
 * Storage: `raw_data` (little-endian) and the typed fields (`float_data`,
 * `double_data`, `int32_data`, `int64_data`) are read for FLOAT, DOUBLE,
 * FLOAT16, BFLOAT16 and the integer types. Tensors stored as external data
 * (a side file) are refused with a clear error: re-save the model with
 * `onnx.save_model(model, path, save_as_external_data=False)`.
 *
 * The file is decoded with `onnx-proto` (protobufjs code generated from the
 * official onnx.proto).
 */
import { promises as fsp } from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { onnx } from 'onnx-proto';
import { Module } from '../module/module';
import { iohwToHwoi, oihwToHwio } from '../layout';
import { bfloat16ToFloat as bfloatBitsToNumber, halfToFloat as halfBitsToNumber } from '../checkpoint/safetensors';

/** How an ONNX tensor's layout becomes ours. */
export type WeightLayout =
  /** OIHW (ONNX `Conv` W, PyTorch `Conv2d.weight`) → HWIO. */
  | 'conv'
  /** IOHW (ONNX `ConvTranspose` W, PyTorch `ConvTranspose2d.weight`) → HWOI. */
  | 'convTranspose'
  /** As stored (biases, norm parameters, running statistics). */
  | 'none';

/** Where one ONNX tensor goes. */
export interface WeightMappingEntry {
  /** Dotted name in the module's `stateDict()` (parameter or buffer). */
  to: string;
  /** Default: `'conv'` for 4-D tensors, else `'none'`. */
  layout?: WeightLayout;
}

/**
 * The name-mapping table: `{ onnxName: ourDottedName | entry }`, or a
 * function from an ONNX tensor name to our name/entry (`undefined`: skip it).
 * With a table, every listed ONNX name must exist in the file (strict).
 */
export type WeightMapping =
  | Readonly<Record<string, string | WeightMappingEntry>>
  | ((onnxName: string) => string | WeightMappingEntry | undefined);

export interface ImportOnnxWeightsOptions {
  mapping: WeightMapping;
  /** Throw on any problem, changing nothing (default true); otherwise load what fits and report. */
  strict?: boolean;
  /** Module tensors allowed to stay unloaded even in strict mode (e.g. a new classifier head). */
  ignoreMissing?: (ourName: string) => boolean;
}

/** One loaded tensor. */
export interface ImportedWeight {
  onnxName: string;
  to: string;
  layout: WeightLayout;
}

/** What an import did and did not do. */
export interface WeightImportReport {
  loaded: ImportedWeight[];
  /** ONNX tensors the mapping does not cover. */
  skipped: string[];
  /** Module tensors (stateDict names) nothing was loaded into (excluding `ignoreMissing` ones). */
  missing: string[];
  /** Table entries whose ONNX name is not in the file. */
  notInFile: string[];
  /** Mapped to names the module does not have. */
  unknownTargets: Array<{ onnxName: string; to: string }>;
  /** Shapes that differ after the layout conversion (`onnxDims`: as stored). */
  misShaped: Array<{ onnxName: string; to: string; layout: WeightLayout; onnxDims: number[]; expected: number[]; found: number[] }>;
  /** Type combinations that cannot be loaded (e.g. a float tensor into an int32 buffer). */
  wrongDtype: Array<{ onnxName: string; to: string; expected: string; found: string }>;
  /** Several ONNX tensors mapped to the same target. */
  duplicateTargets: Array<{ to: string; onnxNames: string[] }>;
}

/** An import that failed in strict mode; `report` has the details. */
export class OnnxWeightImportError extends Error {
  constructor(readonly file: string, readonly report: WeightImportReport) {
    super(`${file}: ONNX weights do not fit the module\n${describeImportReport(report)}`);
    this.name = 'OnnxWeightImportError';
  }
}

/** A tensor read from the file, in ONNX layout. */
export interface OnnxTensorData {
  dims: number[];
  /** ONNX `TensorProto.DataType` name, e.g. 'FLOAT'. */
  dataType: string;
  values: Float32Array | Int32Array;
}

/** Read an `.onnx` file and import its weights into `module` (see the file comment). */
export async function importOnnxWeights(file: string, module: Module, options: ImportOnnxWeightsOptions): Promise<WeightImportReport> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  return importOnnxWeightsFromBytes(bytes, module, options, file);
}

/** Same as `importOnnxWeights` for a model already in memory; `file` names it in errors. */
export function importOnnxWeightsFromBytes(
  bytes: Uint8Array,
  module: Module,
  options: ImportOnnxWeightsOptions,
  file = '<onnx model>',
): WeightImportReport {
  const strict = options.strict ?? true;
  const tensors = onnxTensorProtos(bytes, file);
  const targets = module.stateDict();
  const report: WeightImportReport = {
    loaded: [], skipped: [], missing: [], notInFile: [], unknownTargets: [], misShaped: [], wrongDtype: [], duplicateTargets: [],
  };

  // Resolve the mapping.
  const planned: Array<{ onnxName: string; to: string; layout: WeightLayout; proto: onnx.ITensorProto }> = [];
  const resolve = (onnxName: string, entry: string | WeightMappingEntry, proto: onnx.ITensorProto): void => {
    const e: WeightMappingEntry = typeof entry === 'string' ? { to: entry } : entry;
    const dims = dimsOf(proto);
    const layout = e.layout ?? (dims.length === 4 ? 'conv' : 'none');
    if (!targets.has(e.to)) report.unknownTargets.push({ onnxName, to: e.to });
    else planned.push({ onnxName, to: e.to, layout, proto });
  };
  if (typeof options.mapping === 'function') {
    for (const [name, proto] of tensors) {
      const entry = options.mapping(name);
      if (entry === undefined) report.skipped.push(name);
      else resolve(name, entry, proto);
    }
  } else {
    const table = options.mapping;
    for (const name of Object.keys(table)) if (!tensors.has(name)) report.notInFile.push(name);
    for (const [name, proto] of tensors) {
      if (Object.prototype.hasOwnProperty.call(table, name)) resolve(name, table[name], proto);
      else report.skipped.push(name);
    }
  }
  const byTarget = new Map<string, string[]>();
  for (const p of planned) byTarget.set(p.to, [...(byTarget.get(p.to) ?? []), p.onnxName]);
  for (const [to, onnxNames] of byTarget) if (onnxNames.length > 1) report.duplicateTargets.push({ to, onnxNames });
  const duplicated = new Set(report.duplicateTargets.map((d) => d.to));

  // Decode and check every planned tensor before changing anything.
  const ready: Array<{ entry: ImportedWeight; data: OnnxTensorData }> = [];
  for (const p of planned) {
    if (duplicated.has(p.to)) continue;
    const variable = targets.get(p.to) as tf.Variable;
    // Dims and storage are checked and shapes compared before any value is decoded (or allocated).
    const dims = checkedStorage(p.proto, p.onnxName, file);
    if ((p.layout === 'conv' || p.layout === 'convTranspose') && dims.length !== 4) {
      throw new Error(`${file}: '${p.onnxName}' → '${p.to}': layout '${p.layout}' needs a 4-D tensor, found dims [${dims}]`);
    }
    const converted = p.layout === 'none' ? dims : [dims[2], dims[3], dims[1], dims[0]];
    if (!sameShape(converted, variable.shape)) {
      report.misShaped.push({ onnxName: p.onnxName, to: p.to, layout: p.layout, onnxDims: dims, expected: variable.shape.slice(), found: converted });
      continue;
    }
    const data = decodeTensorProto(p.proto, p.onnxName, file);
    if (variable.dtype === 'int32' && data.values instanceof Float32Array) {
      report.wrongDtype.push({ onnxName: p.onnxName, to: p.to, expected: 'int32', found: data.dataType });
    } else if (variable.dtype !== 'int32' && variable.dtype !== 'float32') {
      report.wrongDtype.push({ onnxName: p.onnxName, to: p.to, expected: variable.dtype, found: data.dataType });
    } else {
      ready.push({ entry: { onnxName: p.onnxName, to: p.to, layout: p.layout }, data });
    }
  }
  const loadedTargets = new Set(ready.map((r) => r.entry.to));
  for (const name of targets.keys()) {
    if (!loadedTargets.has(name) && !(options.ignoreMissing?.(name) ?? false)) report.missing.push(name);
  }
  report.loaded = ready.map((r) => r.entry);
  const problems =
    report.missing.length + report.notInFile.length + report.unknownTargets.length + report.misShaped.length +
    report.wrongDtype.length + report.duplicateTargets.length;
  if (strict && problems > 0) throw new OnnxWeightImportError(file, report);

  for (const { entry, data } of ready) {
    const variable = targets.get(entry.to) as tf.Variable;
    tf.tidy(() => {
      const values = variable.dtype === 'int32' ? Int32Array.from(data.values) : Float32Array.from(data.values);
      const t = tf.tensor(values, data.dims, variable.dtype as 'float32' | 'int32');
      const converted =
        entry.layout === 'conv' ? oihwToHwio(t as tf.Tensor4D) : entry.layout === 'convTranspose' ? iohwToHwoi(t as tf.Tensor4D) : t;
      variable.assign(converted);
    });
  }
  return report;
}

/** Every initializer and `Constant` node tensor of a model, decoded (no external data), in ONNX layout. */
export async function readOnnxInitializers(file: string): Promise<Map<string, OnnxTensorData>> {
  return readOnnxInitializersFromBytes(await fsp.readFile(file), file);
}

/** `readOnnxInitializers` of bytes in memory; `file` names them in errors. */
export function readOnnxInitializersFromBytes(bytes: Uint8Array, file = '<onnx model>'): Map<string, OnnxTensorData> {
  const out = new Map<string, OnnxTensorData>();
  for (const [name, proto] of onnxTensorProtos(bytes, file)) out.set(name, decodeTensorProto(proto, name, file));
  return out;
}

/** A multi-line description of a report's problems ('' if none). */
export function describeImportReport(report: WeightImportReport, limit = 50): string {
  const lines: string[] = [];
  const list = (title: string, items: string[]): void => {
    if (items.length === 0) return;
    const more = items.length > limit ? ` … and ${items.length - limit} more` : '';
    lines.push(`  ${title} (${items.length}): ${items.slice(0, limit).join(', ')}${more}`);
  };
  list('missing from the file (module tensors not loaded)', report.missing);
  list('mapped ONNX names not in the file', report.notInFile);
  list('unknown targets', report.unknownTargets.map((u) => `${u.onnxName} → ${u.to}`));
  list(
    'mis-shaped',
    report.misShaped.map(
      (m) => `${m.onnxName} → ${m.to}: module [${m.expected.join(',')}], file [${m.found.join(',')}] (ONNX dims [${m.onnxDims.join(',')}], layout ${m.layout})`,
    ),
  );
  list('wrong dtype', report.wrongDtype.map((w) => `${w.onnxName} → ${w.to}: module ${w.expected}, file ${w.found}`));
  list('several ONNX tensors for one target', report.duplicateTargets.map((d) => `${d.to} ← ${d.onnxNames.join(' & ')}`));
  return lines.join('\n');
}

function onnxTensorProtos(bytes: Uint8Array, file: string): Map<string, onnx.ITensorProto> {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${file}: not a readable ONNX model: ${(e as Error).message}`);
  }
  if (!model.graph) throw new Error(`${file}: ONNX model has no graph`);
  const out = new Map<string, onnx.ITensorProto>();
  for (const init of model.graph.initializer ?? []) {
    const name = init.name ?? '';
    if (out.has(name)) throw new Error(`${file}: two initializers are named '${name}'`);
    out.set(name, init);
  }
  for (const node of model.graph.node ?? []) {
    if (node.opType !== 'Constant') continue;
    const value = (node.attribute ?? []).find((a) => a.name === 'value' && a.t);
    const name = node.output?.[0];
    if (value?.t && name && !out.has(name)) out.set(name, value.t);
  }
  return out;
}

const DT = onnx.TensorProto.DataType;

/** Bytes per element and little-endian reader of the raw_data of each supported type. */
const RAW: Partial<Record<number, { bytes: number; float: boolean; read: (v: DataView, o: number) => number }>> = {
  [DT.FLOAT]: { bytes: 4, float: true, read: (v, o) => v.getFloat32(o, true) },
  [DT.DOUBLE]: { bytes: 8, float: true, read: (v, o) => v.getFloat64(o, true) },
  [DT.FLOAT16]: { bytes: 2, float: true, read: (v, o) => halfBitsToNumber(v.getUint16(o, true)) },
  [DT.BFLOAT16]: { bytes: 2, float: true, read: (v, o) => bfloatBitsToNumber(v.getUint16(o, true)) },
  [DT.INT8]: { bytes: 1, float: false, read: (v, o) => v.getInt8(o) },
  [DT.UINT8]: { bytes: 1, float: false, read: (v, o) => v.getUint8(o) },
  [DT.INT16]: { bytes: 2, float: false, read: (v, o) => v.getInt16(o, true) },
  [DT.UINT16]: { bytes: 2, float: false, read: (v, o) => v.getUint16(o, true) },
  [DT.INT32]: { bytes: 4, float: false, read: (v, o) => v.getInt32(o, true) },
  [DT.INT64]: { bytes: 8, float: false, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [DT.BOOL]: { bytes: 1, float: false, read: (v, o) => v.getUint8(o) },
};

/** Decode one TensorProto's values (refusing external data), in ONNX layout. */
export function decodeTensorProto(proto: onnx.ITensorProto, name: string, file = '<onnx model>'): OnnxTensorData {
  const dataType = proto.dataType ?? 0;
  const typeName = DT[dataType] ?? `type ${dataType}`;
  const dims = checkedStorage(proto, name, file);
  const spec = RAW[dataType] as NonNullable<(typeof RAW)[number]>;
  const numel = dims.reduce((a, d) => a * d, 1);
  const raw = proto.rawData;
  const values = spec.float ? new Float32Array(numel) : new Int32Array(numel);
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < numel; i++) values[i] = spec.read(view, i * spec.bytes);
    return { dims, dataType: typeName, values };
  }
  const typed = typedDataOf(proto, dataType);
  for (let i = 0; i < numel; i++) {
    const v = (typed as ArrayLike<number | { toNumber(): number }>)[i];
    let x = typeof v === 'number' ? v : v.toNumber();
    if (dataType === DT.FLOAT16) x = halfBitsToNumber(x);
    else if (dataType === DT.BFLOAT16) x = bfloatBitsToNumber(x);
    values[i] = x;
  }
  return { dims, dataType: typeName, values };
}

function dimsOf(proto: onnx.ITensorProto): number[] {
  return (proto.dims ?? []).map((d) => (typeof d === 'number' ? d : (d as { toNumber(): number }).toNumber()));
}

/** Largest element count decoded: 2^30 (4 GiB of float32), below V8's typed-array limit. */
const MAX_ELEMENTS = 2 ** 30;

/** The dims of an initializer: non-negative safe integers, else an error naming the file and the tensor. */
function checkedDims(proto: onnx.ITensorProto, name: string, file: string): number[] {
  const dims = dimsOf(proto);
  if (dims.length > 8) throw new Error(`${file}: initializer '${name}' has ${dims.length} dims; at most 8 are supported`);
  const bad = dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined) throw new Error(`${file}: initializer '${name}' has an invalid dim ${bad} in [${dims}] (dims must be integers ≥ 0)`);
  return dims;
}

/**
 * The dims of an initializer after checking them against what the file
 * actually holds — supported type, not segmented, dims integers ≥ 0, element
 * count within limits, raw_data or the typed field of exactly that size —
 * all before anything is allocated: a 100-byte file declaring dims [2^31]
 * must not allocate 8 GB. Errors name the file and the initializer.
 */
function checkedStorage(proto: onnx.ITensorProto, name: string, file: string): number[] {
  const dataType = proto.dataType ?? 0;
  const typeName = DT[dataType] ?? `type ${dataType}`;
  const external = proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (proto.externalData?.length ?? 0) > 0;
  if (external) {
    const location = proto.externalData?.find((e) => e.key === 'location')?.value;
    throw new Error(
      `${file}: initializer '${name}' stores its data externally${location ? ` (in '${location}')` : ''}; external data is not supported — ` +
        'merge it into the model, e.g. onnx.save_model(onnx.load(path), out, save_as_external_data=False)',
    );
  }
  if (proto.segment) throw new Error(`${file}: initializer '${name}' is a segment of a larger tensor; segmented tensors are not supported`);
  const spec = RAW[dataType];
  if (!spec) throw new Error(`${file}: initializer '${name}' has unsupported data type ${typeName}`);
  const dims = checkedDims(proto, name, file);
  const numel = dims.reduce((a, d) => a * d, 1);
  if (!Number.isSafeInteger(numel) || numel > MAX_ELEMENTS) {
    throw new Error(`${file}: initializer '${name}' declares dims [${dims}] (${numel} elements), more than a tensor can hold (${MAX_ELEMENTS})`);
  }
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== numel * spec.bytes) {
      throw new Error(`${file}: initializer '${name}' raw_data has ${raw.length} bytes, dims [${dims}] of ${typeName} need ${numel * spec.bytes}`);
    }
  } else {
    const held = typedDataOf(proto, dataType)?.length ?? 0;
    if (held !== numel) throw new Error(`${file}: initializer '${name}' holds ${held} ${typeName} values (no raw_data), dims [${dims}] need ${numel}`);
  }
  return dims;
}

/** The typed-field values of an initializer without raw_data. */
function typedDataOf(proto: onnx.ITensorProto, dataType: number): ArrayLike<number | { toNumber(): number }> | null | undefined {
  switch (dataType) {
    case DT.FLOAT:
      return proto.floatData;
    case DT.DOUBLE:
      return proto.doubleData;
    case DT.INT64:
      return proto.int64Data as ArrayLike<number | { toNumber(): number }> | null | undefined;
    default:
      // int32_data holds INT32, INT16, INT8, UINT16, UINT8, BOOL, and the bits of FLOAT16/BFLOAT16.
      return proto.int32Data;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

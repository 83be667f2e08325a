import { onnx } from 'onnx-proto';

/**
 * A small ONNX network with InceptionV3's input/output contract, for tests
 * and for trying the metrics without the real weights (which cannot be
 * downloaded here): input `images` float32 [N, 3, 299, 299]; `pool3`
 * [N, 2048] (conv 13×13 stride 13 → ReLU → conv 1×1 → global average
 * pool → flatten); `logits` [N, 1008] (a dense layer on pool3).
 * Deterministic weights from `seed`. It is *not* Inception: its FID values
 * mean nothing beyond tests.
 */
export interface TinyInception {
  bytes: Uint8Array;
  /** The weights, to evaluate the same network independently in tests. */
  conv1: { weight: Float32Array; bias: Float32Array; out: number; kernel: number };
  conv2: { weight: Float32Array; bias: Float32Array };
  fc: { weight: Float32Array; bias: Float32Array };
}

export const TINY_HIDDEN = 8;

/**
 * @param featureDim pool3 width: 2048 is the contract; tests of the FID arithmetic use fewer so a d×d eigensolve stays fast.
 */
export function buildTinyInception(seed = 1, classes = 1008, featureDim = 2048): TinyInception {
  let s = seed >>> 0;
  const rand = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 4294967296 - 0.5) * 2 * scale;
    });
  const k = 13;
  const conv1 = { weight: rand(TINY_HIDDEN * 3 * k * k, 0.05), bias: rand(TINY_HIDDEN, 0.1), out: TINY_HIDDEN, kernel: k };
  const conv2 = { weight: rand(featureDim * TINY_HIDDEN, 0.5), bias: rand(featureDim, 0.1) };
  const fc = { weight: rand(classes * featureDim, 0.05), bias: rand(classes, 0.1) };

  const init = (name: string, dims: number[], data: Float32Array) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) });
  const ints = (name: string, v: number[]) => onnx.AttributeProto.create({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS });
  const int = (name: string, v: number) => onnx.AttributeProto.create({ name, i: v, type: onnx.AttributeProto.AttributeType.INT });
  const valueInfo = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'tiny_inception',
    node: [
      { opType: 'Conv', input: ['images', 'c1.w', 'c1.b'], output: ['h1'], attribute: [ints('kernel_shape', [k, k]), ints('strides', [k, k])] },
      { opType: 'Relu', input: ['h1'], output: ['h2'] },
      { opType: 'Conv', input: ['h2', 'c2.w', 'c2.b'], output: ['h3'], attribute: [ints('kernel_shape', [1, 1])] },
      { opType: 'GlobalAveragePool', input: ['h3'], output: ['h4'] },
      { opType: 'Flatten', input: ['h4'], output: ['pool3'], attribute: [int('axis', 1)] },
      { opType: 'Gemm', input: ['pool3', 'fc.w', 'fc.b'], output: ['logits'], attribute: [int('transB', 1)] },
    ],
    initializer: [
      init('c1.w', [TINY_HIDDEN, 3, k, k], conv1.weight),
      init('c1.b', [TINY_HIDDEN], conv1.bias),
      init('c2.w', [featureDim, TINY_HIDDEN, 1, 1], conv2.weight),
      init('c2.b', [featureDim], conv2.bias),
      init('fc.w', [classes, featureDim], fc.weight),
      init('fc.b', [classes], fc.bias),
    ],
    input: [valueInfo('images', ['N', 3, 299, 299])],
    output: [valueInfo('pool3', ['N', featureDim]), valueInfo('logits', ['N', classes])],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'semadapt-tests', graph });
  return { bytes: onnx.ModelProto.encode(model).finish(), conv1, conv2, fc };
}

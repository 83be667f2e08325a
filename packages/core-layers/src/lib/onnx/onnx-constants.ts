/**
 * Small helpers layers use to emit ONNX initializers: parameters (by dotted
 * path, in ONNX layout) and anonymous constants (int64 shapes, float scalars).
 */
import * as tf from '@tensorflow/tfjs-core';
import { hwioToOihwArray, hwoiToIohwArray } from '../layout';
import { OnnxGraph, scopedName } from './onnx-graph';

/** Add a 1-D (or any already-ONNX-layout) float tensor as initializer `scope.name`. */
export function addParameter(graph: OnnxGraph, scope: string, name: string, value: tf.Tensor): string {
  return graph.initializer(scopedName(scope, name), Float32Array.from(value.dataSync()), value.shape.slice(), 'float32');
}

/** Add an HWIO conv filter as OIHW initializer `scope.name`. */
export function addConvFilter(graph: OnnxGraph, scope: string, name: string, hwio: tf.Tensor): string {
  const { data, dims } = hwioToOihwArray(hwio.dataSync(), hwio.shape);
  return graph.initializer(scopedName(scope, name), data, dims, 'float32');
}

/** Add an HWOI transposed-conv filter as IOHW initializer `scope.name`. */
export function addConvTransposeFilter(graph: OnnxGraph, scope: string, name: string, hwoi: tf.Tensor): string {
  const { data, dims } = hwoiToIohwArray(hwoi.dataSync(), hwoi.shape);
  return graph.initializer(scopedName(scope, name), data, dims, 'float32');
}

/** An anonymous int64 constant (shapes, pads, axes). */
export function int64Constant(graph: OnnxGraph, stem: string, values: number[]): string {
  return graph.initializer(graph.fresh(stem), BigInt64Array.from(values.map((v) => BigInt(v))), [values.length], 'int64');
}

/** An anonymous float constant of the given dims (default a scalar). */
export function floatConstant(graph: OnnxGraph, stem: string, values: number[], dims: number[] = []): string {
  return graph.initializer(graph.fresh(stem), Float32Array.from(values), dims, 'float32');
}

/**
 * A Reduce* node over `axes` that is valid in the graph's opset: axes as an
 * attribute up to opset 17, as an int64 input from opset 18 on.
 */
export function reduceNode(graph: OnnxGraph, op: string, input: string, axes: number[], keepdims: boolean, output: string): string {
  if ((graph.opset ?? 17) >= 18) {
    return graph.node(op, [input, int64Constant(graph, `${output}_axes`, axes)], { keepdims: keepdims ? 1 : 0 }, { outputs: [output] })[0];
  }
  return graph.node(op, [input], { axes, keepdims: keepdims ? 1 : 0 }, { outputs: [output] })[0];
}

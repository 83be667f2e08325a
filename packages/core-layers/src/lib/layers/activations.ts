/** Pointwise activations as layers (SPEC §2–3): ReLU, LeakyReLU, Tanh, Sigmoid. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, numberIn } from './layer';

function pointwise(graph: OnnxGraph, op: string, input: string, scope: string, attrs: Record<string, number> = {}): string {
  return graph.node(op, [input], attrs, { name: scopedName(scope, op), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
}

export class ReLU extends Module implements Layer {
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.relu(x);
  }
  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return pointwise(graph, 'Relu', input, scope);
  }
}

/** Options of `LeakyReLU`. */
export interface LeakyReLUOptions {
  /** Slope for x < 0. Default 0.01 (PyTorch); the discriminators use 0.2 (SPEC §2–3). */
  negativeSlope?: number;
}

export class LeakyReLU extends Module implements Layer {
  readonly negativeSlope: number;
  constructor(options: LeakyReLUOptions = {}) {
    super();
    this.negativeSlope = numberIn(options.negativeSlope ?? 0.01, 'negativeSlope', 'LeakyReLU', 0, 1);
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.leakyRelu(x, this.negativeSlope);
  }
  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return pointwise(graph, 'LeakyRelu', input, scope, { alpha: this.negativeSlope });
  }
}

export class Tanh extends Module implements Layer {
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tanh(x);
  }
  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return pointwise(graph, 'Tanh', input, scope);
  }
}

export class Sigmoid extends Module implements Layer {
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.sigmoid(x);
  }
  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return pointwise(graph, 'Sigmoid', input, scope);
  }
}

/** Pointwise activations as layers (SPEC §2–3): ReLU, LeakyReLU, Tanh, Sigmoid. */
import * as tf from '@tensorflow/tfjs-core';
import { reluGrad } from '@semadapt/compute';
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

/**
 * relu(a + b) for tensors of one shape (a ResNet block's residual join),
 * keeping only its output for the backward pass: ∂/∂a = ∂/∂b = dy·[y > 0].
 * `tf.relu(tf.add(a, b))` would keep the sum as well (ReLU saves its input).
 */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`addRelu: shapes differ, [${a.shape}] and [${b.shape}]`);
  const op = tf.customGrad(((ai: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const value = tf.tidy(() => tf.relu(tf.add(ai, bi)));
    save([value]);
    const gradFunc = (dy: tf.Tensor, [y]: tf.Tensor[]) => {
      const g = reluGrad(dy, y); // dy·[y > 0] in one pass
      // Two tensor objects: a walk that frees one input's gradient must not free the other's.
      return [g, g.clone()];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(a, b) as T;
}

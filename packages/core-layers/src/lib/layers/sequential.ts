/**
 * A chain of layers, `torch.nn.Sequential`-style. Children are named by index
 * (`'0'`, `'1'`, …) when given as an array, or by key when given as an object
 * (`{ conv: ..., norm: ..., act: ... }`, in insertion order).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, LayerModule } from './layer';

export class Sequential extends Module implements Layer {
  readonly layers: ReadonlyArray<readonly [string, LayerModule]>;

  constructor(layers: LayerModule[] | Record<string, LayerModule>) {
    super();
    const entries: Array<[string, LayerModule]> = Array.isArray(layers) ? layers.map((l, i) => [String(i), l]) : Object.entries(layers);
    for (const [name, layer] of entries) {
      if (!(layer instanceof Module) || typeof layer.forward !== 'function' || typeof layer.toOnnx !== 'function') {
        throw new Error(`Sequential: '${name}' is not a layer (a Module with forward and toOnnx), received ${layer === null ? 'null' : typeof layer === 'object' ? layer.constructor.name : typeof layer}`);
      }
      this.registerModule(name, layer);
    }
    this.layers = entries;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.layers.reduce((h, [, layer]) => layer.forward(h), x));
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return this.layers.reduce((h, [name, layer]) => layer.toOnnx(graph, h, scopedName(scope, name)), input);
  }
}

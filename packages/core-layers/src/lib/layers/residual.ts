/**
 * A residual connection `shortcut(x) + body(x)` (identity shortcut by
 * default). The encoder's residual block of SPEC §2 is
 * `new Residual({ body: new Sequential([conv3, IN, ReLU, conv3, IN]) })`;
 * ResNet bottlenecks pass a projection `shortcut` and a trailing ReLU outside.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, LayerModule } from './layer';

/** Options of `Residual`. */
export interface ResidualOptions {
  /** The residual branch. Required. Child name `body`. */
  body: LayerModule;
  /** The shortcut branch. Default identity. Child name `shortcut`. */
  shortcut?: LayerModule;
}

export class Residual extends Module implements Layer {
  readonly body: LayerModule;
  readonly shortcut: LayerModule | null;

  constructor(options: ResidualOptions) {
    super();
    if (!(options?.body instanceof Module)) throw new Error(`Residual: body must be a layer Module, received ${JSON.stringify(options?.body)}`);
    this.body = this.registerModule('body', options.body);
    this.shortcut = options.shortcut ? this.registerModule('shortcut', options.shortcut) : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.add(this.shortcut ? this.shortcut.forward(x) : x, this.body.forward(x)));
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    const b = this.body.toOnnx(graph, input, scopedName(scope, 'body'));
    const s = this.shortcut ? this.shortcut.toOnnx(graph, input, scopedName(scope, 'shortcut')) : input;
    return graph.node('Add', [s, b], {}, { name: scopedName(scope, 'add'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
  }
}

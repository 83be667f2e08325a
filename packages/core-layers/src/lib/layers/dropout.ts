/**
 * Inverted dropout (`torch.nn.Dropout`): in training, zero each element with
 * probability p and scale survivors by 1/(1−p); identity in eval. With
 * `channelwise` it is `torch.nn.Dropout2d`: one draw per (sample, channel),
 * zeroing whole feature maps (BDL's FCN-8s). The mask is drawn from a seeded
 * `Rng`, so a resumed run drops the same units.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { replayable } from '../module/recompute';
import { Rng } from '../init/rng';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Layer, numberIn } from './layer';

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** Drop probability in [0, 1). Default 0.5. */
  p?: number;
  /** Mask stream. Default `new Rng(0)` (seed it explicitly for independent layers). */
  rng?: Rng;
  /** Drop whole channels of an NHWC input (`Dropout2d`) instead of single elements. Default false. */
  channelwise?: boolean;
}

export class Dropout extends Module implements Layer {
  readonly p: number;
  readonly rng: Rng;
  readonly channelwise: boolean;

  constructor(options: DropoutOptions = {}) {
    super();
    this.p = numberIn(options.p ?? 0.5, 'p', 'Dropout', 0, 1);
    if (this.p >= 1) throw new Error(`Dropout: p must be < 1, received ${JSON.stringify(options.p)}`);
    this.rng = options.rng ?? new Rng(0);
    this.channelwise = options.channelwise ?? false;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (!this.training || this.p === 0) return tf.clone(x);
    const keep = 1 - this.p;
    return tf.tidy(() => {
      // Drawn once per training forward; a recomputed block's second run reuses it (module/recompute.ts).
      const [mask] = replayable(() => {
        // Dropout2d: one value per (n, c), broadcast over H×W.
        const shape = this.channelwise ? [x.shape[0], 1, 1, x.shape[3]] : x.shape;
        const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
        for (let i = 0; i < values.length; i++) values[i] = this.rng.uniform() < keep ? 1 / keep : 0;
        return [tf.tensor(values, shape)];
      });
      return tf.mul(x, mask);
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    return graph.node('Identity', [input], {}, { name: scopedName(scope, 'dropout'), outputs: [graph.fresh(scopedName(scope, 'out'))] })[0];
  }
}

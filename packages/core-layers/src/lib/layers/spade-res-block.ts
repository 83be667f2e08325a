/**
 * The generator's SPADE residual block, SPEC §2 exactly:
 * `h = ReLU(N1(conv1(x), g)); out = x + N2(conv2(h), g)` with N the SPADE
 * normalization, conv3 at constant width, reflect padding 1 and spectral norm
 * on both convs (SPEC §2: "all convs spectrally normalized"). Note that this is
 * conv→norm, as SPEC states, not SPADE's original norm→ReLU→conv order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { initRng } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { Conv2d } from './conv2d';
import { GuidedLayer, LayerModule, positiveInt } from './layer';
import { Spade } from './spade';
import { SpectralNorm } from './spectral-norm';
import { addSameShape } from './affine-ops';

/** Options of `SpadeResBlock`. */
export interface SpadeResBlockOptions {
  /** Width of the block. Required (SPEC §2: 256). */
  channels: number;
  /** Guidance channels. Default 19. */
  labelChannels?: number;
  /** SPADE hidden width. Default 128 (SPEC §2). */
  hidden?: number;
  /** Spectral norm on conv1/conv2. Default true (SPEC §2). */
  spectralNorm?: boolean;
  /** Spectral norm inside the SPADE branches. Default false (SPEC §2, (R)). */
  spadeSpectralNorm?: boolean;
  /** Initializer stream, shared by every layer of the block. Default a new stream seeded `DEFAULT_INIT_SEED`. */
  rng?: Rng;
}

export class SpadeResBlock extends Module implements GuidedLayer {
  readonly conv1: LayerModule;
  readonly norm1: Spade;
  readonly conv2: LayerModule;
  readonly norm2: Spade;

  constructor(options: SpadeResBlockOptions) {
    super();
    const c = positiveInt(options.channels, 'channels', 'SpadeResBlock');
    const rng = initRng(options.rng);
    const conv = (): LayerModule => {
      const k = new Conv2d({ inChannels: c, outChannels: c, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng });
      return (options.spectralNorm ?? true) ? new SpectralNorm(k, { rng }) : k;
    };
    const spade = () => new Spade({ channels: c, labelChannels: options.labelChannels, hidden: options.hidden, spectralNorm: options.spadeSpectralNorm, rng });
    this.conv1 = this.registerModule('conv1', conv());
    this.norm1 = this.registerModule('norm1', spade());
    this.conv2 = this.registerModule('conv2', conv());
    this.norm2 = this.registerModule('norm2', spade());
  }

  forward(x: tf.Tensor4D, guidance: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const h = tf.relu(this.norm1.forward(this.conv1.forward(x), guidance));
      return addSameShape(x, this.norm2.forward(this.conv2.forward(h), guidance));
    });
  }

  toOnnxGuided(graph: OnnxGraph, input: string, guidance: string, scope: string): string {
    const s = (n: string) => scopedName(scope, n);
    const n1 = this.norm1.toOnnxGuided(graph, this.conv1.toOnnx(graph, input, s('conv1')), guidance, s('norm1'));
    const h = graph.node('Relu', [n1], {}, { outputs: [graph.fresh(s('relu'))] })[0];
    const n2 = this.norm2.toOnnxGuided(graph, this.conv2.toOnnx(graph, h, s('conv2')), guidance, s('norm2'));
    return graph.node('Add', [input, n2], {}, { name: s('add'), outputs: [graph.fresh(s('out'))] })[0];
  }
}

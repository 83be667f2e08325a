/**
 * SPADE, spatially-adaptive normalization (Park et al. 2019), as SPEC §2 uses
 * it: `N(x, g) = IN(x)·(1 + γ(g)) + β(g)` with IN without affine, the guidance
 * nearest-resized to x's size, a shared conv3 (labelChannels → hidden) + ReLU,
 * and γ, β each a conv3 (hidden → channels). All convs zero-pad 1 (SPADE's
 * reference); spectral norm on them is off by default (SPEC §2, (R)).
 *
 * ONNX: `toOnnxGuided(graph, input, guidance, scope)` with `guidance` the NCHW
 * guidance tensor's name (e.g. a second model input).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module/module';
import { Rng } from '../init/rng';
import { initRng } from '../init/initializers';
import { OnnxGraph, scopedName } from '../onnx/onnx-graph';
import { floatConstant } from '../onnx/onnx-constants';
import { Conv2d } from './conv2d';
import { GuidedLayer, LayerModule, expectChannels, numberIn, positiveInt } from './layer';
import { instanceNormalize } from '@semadapt/compute';
import { onnxInstanceNorm } from './instance-norm';
import { onnxResizeLike, resize2d } from './resize';
import { SpectralNorm } from './spectral-norm';
import { spadeModulate } from './affine-ops';

/** Options of `Spade`. */
export interface SpadeOptions {
  /** Channels of the normalized activation. Required. */
  channels: number;
  /** Guidance channels. Default 19 (the Cityscapes classes; SPEC §2 guides with segmenter logits). */
  labelChannels?: number;
  /** Hidden channels of the shared conv. Default 128 (SPEC §2). */
  hidden?: number;
  /** Conv kernel size (odd; padding k//2). Default 3 (SPEC §2). */
  kernelSize?: number;
  /** Spectral norm on the shared/γ/β convs. Default false (SPEC §2, (R)). */
  spectralNorm?: boolean;
  /** Instance-norm eps. Default 1e-5. */
  eps?: number;
  /** Initializer stream, shared by the three convolutions. Default a new stream seeded `DEFAULT_INIT_SEED`. */
  rng?: Rng;
}

export class Spade extends Module implements GuidedLayer {
  readonly channels: number;
  readonly labelChannels: number;
  readonly eps: number;
  readonly shared: LayerModule;
  readonly gamma: LayerModule;
  readonly beta: LayerModule;

  constructor(options: SpadeOptions) {
    super();
    const owner = 'Spade';
    this.channels = positiveInt(options.channels, 'channels', owner);
    this.labelChannels = positiveInt(options.labelChannels ?? 19, 'labelChannels', owner);
    const hidden = positiveInt(options.hidden ?? 128, 'hidden', owner);
    const k = positiveInt(options.kernelSize ?? 3, 'kernelSize', owner);
    if (k % 2 !== 1) throw new Error(`Spade: kernelSize must be odd, received ${JSON.stringify(options.kernelSize)}`);
    this.eps = numberIn(options.eps ?? 1e-5, 'eps', owner, 0, 1);
    const rng = initRng(options.rng);
    const conv = (inChannels: number, outChannels: number): LayerModule => {
      const c = new Conv2d({ inChannels, outChannels, kernelSize: k, padding: { kind: 'zero', size: (k - 1) / 2 }, rng });
      return options.spectralNorm ? new SpectralNorm(c, { rng }) : c;
    };
    this.shared = this.registerModule('shared', conv(this.labelChannels, hidden));
    this.gamma = this.registerModule('gamma', conv(hidden, this.channels));
    this.beta = this.registerModule('beta', conv(hidden, this.channels));
  }

  forward(x: tf.Tensor4D, guidance: tf.Tensor4D): tf.Tensor4D {
    expectChannels(x, this.channels, 'Spade');
    expectChannels(guidance, this.labelChannels, 'Spade (guidance)');
    if (guidance.shape[0] !== x.shape[0]) throw new Error(`Spade: guidance batch ${guidance.shape[0]} differs from input batch ${x.shape[0]}`);
    return tf.tidy(() => {
      const g = resize2d(guidance, [x.shape[1], x.shape[2]], { kind: 'nearest' });
      const a = tf.relu(this.shared.forward(g));
      const normalized = instanceNormalize(x, this.eps);
      return spadeModulate(normalized, this.gamma.forward(a), this.beta.forward(a));
    });
  }

  toOnnxGuided(graph: OnnxGraph, input: string, guidance: string, scope: string): string {
    const one = (op: string, inputs: string[], stem: string) => graph.node(op, inputs, {}, { outputs: [graph.fresh(scopedName(scope, stem))] })[0];
    const g = onnxResizeLike(graph, guidance, input, { kind: 'nearest' }, scopedName(scope, 'guidance'));
    const a = one('Relu', [this.shared.toOnnx(graph, g, scopedName(scope, 'shared'))], 'actv');
    const normalized = onnxInstanceNorm(graph, input, scopedName(scope, 'norm'), this.channels, this.eps, null, null);
    const gamma = this.gamma.toOnnx(graph, a, scopedName(scope, 'gamma'));
    const beta = this.beta.toOnnx(graph, a, scopedName(scope, 'beta'));
    const onePlus = one('Add', [gamma, floatConstant(graph, scopedName(scope, 'one'), [1])], 'onePlusGamma');
    return one('Add', [one('Mul', [normalized, onePlus], 'scaled'), beta], 'out');
  }
}

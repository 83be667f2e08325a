/**
 * The output-space discriminator of AdaptSegNet (Tsai et al. 2018,
 * `model/discriminator.py` FCDiscriminator), SPEC §3: on softmax(S(x)),
 * conv4/s2/p1 classes→64→128→256→512 each followed by LeakyReLU 0.2, then a
 * conv4/s2/p1 classifier 512→1 giving a patch map of logits for BCE with
 * logits. Names `conv1..conv4`, `classifier` as upstream.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Module, OnnxGraph, Rng, initRng, scopedName, type Layer } from '@semadapt/core-layers';
import { resolveOutputDiscriminatorConfig, type OutputDiscriminatorConfigInput } from '../config/segmenter-config';

/**
 * Options of `OutputDiscriminator`: `baseChannels`, `negativeSlope` (the
 * trainer config's `discriminator` section) and `numClasses`, documented
 * with their defaults in `OutputDiscriminatorConfigSchema`.
 */
export interface OutputDiscriminatorOptions extends OutputDiscriminatorConfigInput {
  /** Random stream of the (PyTorch-default) initializers. Default a new stream seeded `DEFAULT_INIT_SEED` (core-layers). */
  rng?: Rng;
}

export class OutputDiscriminator extends Module implements Layer {
  readonly numClasses: number;
  readonly negativeSlope: number;
  readonly convs: Conv2d[];
  readonly classifier: Conv2d;

  constructor(options: OutputDiscriminatorOptions = {}) {
    super();
    const { rng: given, ...config } = options;
    const { numClasses, baseChannels: ndf, negativeSlope } = resolveOutputDiscriminatorConfig(config);
    this.numClasses = numClasses;
    this.negativeSlope = negativeSlope;
    const rng = initRng(given);
    const widths = [numClasses, ndf, ndf * 2, ndf * 4, ndf * 8];
    const conv = (i: number, o: number) => new Conv2d({ inChannels: i, outChannels: o, kernelSize: 4, stride: 2, padding: { kind: 'zero', size: 1 }, rng });
    this.convs = [1, 2, 3, 4].map((k) => this.registerModule(`conv${k}`, conv(widths[k - 1], widths[k])));
    this.classifier = this.registerModule('classifier', conv(widths[4], 1));
  }

  /** Patch logits `[N, ~H/32, ~W/32, 1]` of class probabilities `[N, H, W, classes]`. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    // Five conv4/s2/p1 layers: n → ⌊n/2⌋ each, so inputs under 32 pixels give an empty map.
    if (x.rank !== 4 || x.shape[3] !== this.numClasses || x.shape[1] < 32 || x.shape[2] < 32) {
      throw new Error(`OutputDiscriminator: expected [N, H ≥ 32, W ≥ 32, ${this.numClasses}] probabilities, received [${x.shape}]`);
    }
    return tf.tidy(() => {
      let h = x;
      for (const c of this.convs) h = tf.leakyRelu(c.forward(h), this.negativeSlope);
      return this.classifier.forward(h);
    });
  }

  toOnnx(graph: OnnxGraph, input: string, scope: string): string {
    let h = input;
    this.convs.forEach((c, i) => {
      h = c.toOnnx(graph, h, scopedName(scope, `conv${i + 1}`));
      h = graph.node('LeakyRelu', [h], { alpha: this.negativeSlope }, { outputs: [graph.fresh(scopedName(scope, `lrelu${i + 1}`))] })[0];
    });
    return this.classifier.toOnnx(graph, h, scopedName(scope, 'classifier'));
  }
}

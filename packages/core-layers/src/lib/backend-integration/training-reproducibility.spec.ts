/**
 * Training is reproducible within a process: the same small net, data and
 * optimizer trained twice in a row give bitwise-identical weights, on every
 * test backend. Kernel choices may depend on a convolution's geometry, never
 * on what ran before it (a stage run after others, or resumed, must compute
 * what a fresh run does). With the native kernels this failed when tiny
 * convolutions went native only from their third sighting (443 of 1,548
 * weights differed after 5 steps — the likely cause of the ±1 mIoU seen
 * between re-runs of a demo round).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { Conv2d } from '../layers/conv2d';
import { InstanceNorm } from '../layers/instance-norm';
import { ReLU } from '../layers/activations';
import { Sequential } from '../layers/sequential';
import { Sgd } from '../optim/sgd';

/** Reflect-padded k3, strided k4, zero-padded k3 (all below any "tiny" threshold), IN, ReLU. */
function buildNet(): Sequential {
  const rng = new Rng(5);
  return new Sequential([
    new Conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: { kind: 'reflect', size: 1 }, rng }),
    new InstanceNorm({ channels: 8 }),
    new ReLU(),
    new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 4, stride: 2, padding: { kind: 'zero', size: 1 }, rng }),
    new ReLU(),
    new Conv2d({ inChannels: 8, outChannels: 4, kernelSize: 3, padding: { kind: 'zero', size: 1 }, rng }),
  ]);
}

/** All weights after 5 SGD steps on a fixed batch. */
function trainedWeights(x: tf.Tensor4D, target: tf.Tensor): Float32Array {
  const net = buildNet();
  const opt = new Sgd(net, { lr: 0.05, momentum: 0.9 });
  try {
    for (let i = 0; i < 5; i++) opt.minimize(() => tf.tidy(() => tf.mean(tf.square(tf.sub(net.forward(x), target))) as tf.Scalar));
    return Float32Array.from(tf.tidy(() => tf.concat(net.parameters().map((p) => tf.reshape(p, [-1]))).dataSync()));
  } finally {
    opt.dispose();
    net.dispose();
  }
}

describe.each(testBackends())('training reproducibility on %s', (backend) => {
  it('two identical trainings in one process end with bitwise-identical weights', async () => {
    await setTestBackend(backend);
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const target = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 2);
    const first = trainedWeights(x, target);
    const second = trainedWeights(x, target);
    tf.dispose([x, target]);
    let differing = 0;
    for (let i = 0; i < first.length; i++) if (first[i] !== second[i]) differing++;
    expect(first.length).toBeGreaterThan(1000);
    expect(differing).toBe(0);
  });
});

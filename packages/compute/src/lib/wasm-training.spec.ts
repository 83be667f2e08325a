/**
 * End-to-end: a small conv net of the layers SPEC uses (reflect pad, conv
 * k3/s1, conv k4/s2, dilated conv, instance norm, LeakyReLU, nearest
 * upsampling, bilinear resize) trains on wasm: the loss falls and
 * `tf.memory().numTensors` stays flat across steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, setTestBackend } from '../testing';


describe('training on wasm', () => {
  it('conv net x=[2,12,10,3]: reflect-pad k3, k4/s2, dilated k3 d2, IN, LeakyReLU, upsampling — loss falls, no leak', async () => {
    await setTestBackend('wasm');
    const w1 = tf.variable(tf.tensor4d(lcgValues(3 * 3 * 3 * 8, 1, 0.3), [3, 3, 3, 8]));
    const w2 = tf.variable(tf.tensor4d(lcgValues(4 * 4 * 8 * 8, 2, 0.15), [4, 4, 8, 8]));
    const w3 = tf.variable(tf.tensor4d(lcgValues(3 * 3 * 8 * 3, 3, 0.15), [3, 3, 8, 3]));
    const b3 = tf.variable(tf.zeros([3]));
    const x = tf.tensor4d(lcgValues(2 * 12 * 10 * 3, 4, 1), [2, 12, 10, 3]);
    const target = tf.tidy(() => tf.tanh(tf.mul(tf.reverse(x, 2), 0.8)));
    const net = () => {
      let h: tf.Tensor4D = tf.conv2d(tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), w1, 1, 'valid');
      const m = tf.moments(h, [1, 2], true);
      h = tf.leakyRelu(tf.div(tf.sub(h, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), 0.2) as tf.Tensor4D;
      h = tf.leakyRelu(tf.conv2d(tf.mirrorPad(h, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), w2, 2, 'valid'), 0.2) as tf.Tensor4D; // 6x5
      h = tf.image.resizeNearestNeighbor(h, [12, 10]);
      h = tf.add(tf.conv2d(h, w3, 1, 'same', 'NHWC', 2), b3);
      return tf.tanh(h);
    };
    const opt = tf.train.adam(0.01);
    const losses: number[] = [];
    let baseline = -1;
    for (let step = 0; step < 40; step++) {
      const loss = opt.minimize(() => tf.mean(tf.abs(tf.sub(net(), target))) as tf.Scalar, true, [w1, w2, w3, b3]);
      if (!loss) throw new Error('minimize returned no loss');
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (step === 1) baseline = tf.memory().numTensors;
      if (step > 1) expect(tf.memory().numTensors).toBe(baseline);
    }
    console.log(`wasm training losses: ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}`);
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    opt.dispose();
    tf.dispose([w1, w2, w3, b3, x, target]);
  });
});

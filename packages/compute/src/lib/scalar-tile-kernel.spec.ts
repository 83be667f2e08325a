/**
 * The wasm `Tile` fix: a one-element tensor tiled (or broadcast) to any
 * shape is that value everywhere; other tiles and int32 go to the stock
 * kernel and agree with the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, setTestBackend } from '../testing';

describe('wasm Tile of one element', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it.each([
    { shape: [1, 1, 1, 1], reps: [2, 7, 5, 3] },
    { shape: [1], reps: [1000] },
    { shape: [1, 1], reps: [1, 1] },
  ])('x=$shape reps=$reps: the value at every position', ({ shape, reps }) => {
    const y = tf.tidy(() => tf.tile(tf.fill(shape, -2.375), reps));
    expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]));
    expect(Array.from(y.dataSync()).every((v) => v === -2.375)).toBe(true);
    y.dispose();
  });

  it('broadcastTo of a scalar fills the shape', () => {
    const y = tf.tidy(() => tf.broadcastTo(tf.scalar(0.5), [3, 4, 2]));
    expect(y.shape).toEqual([3, 4, 2]);
    expect(Array.from(y.dataSync())).toEqual(new Array(24).fill(0.5));
    y.dispose();
  });

  it.each([
    { what: 'a [2,3] float tensor', make: () => tf.tensor2d(lcgValues(6, 4), [2, 3]), reps: [3, 2] },
    { what: 'a one-element int32 tensor', make: () => tf.tensor2d([7], [1, 1], 'int32'), reps: [4, 3] },
  ])('$what goes to the stock kernel and matches cpu', async ({ make, reps }) => {
    const run = () => tf.tidy(() => Array.from(tf.tile(make(), reps).dataSync()));
    const onWasm = run();
    await setTestBackend('cpu');
    const onCpu = run();
    await setTestBackend('wasm');
    expect(onWasm).toEqual(onCpu);
  });
});

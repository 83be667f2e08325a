/**
 * One guidance representation everywhere (SPEC §2, §7): the `translate`
 * stage's ONNX pair (segmenter + translator, run by onnxruntime, the
 * independent reference) and in-framework translation of the same image
 * with the same weights agree to 1e-4 max abs per pixel — for DeepLabV2,
 * whose logits are at 1/8 of the image, and FCN8s; so does the single-file
 * translator with the segmenter embedded (SPEC §7).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import type { ImageU8 } from '@semadapt/data-core';
import { DeepLabV2, exportSegmenterOnnx, FCN8s, Segmenter } from '@semadapt/segmenter';
import { Translator, translatorOnnxBytes } from '@semadapt/translator';
import { openOnnx } from './open-onnx';
import { embeddedTranslatorOnnxBytes } from './embedded-translator-onnx';
import { translateImageInFramework, translateImageOnnx } from './translate-image';

function randomImage(width: number, height: number, seed: number): ImageU8 {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.uniform() * 256);
  return { width, height, channels: 3, data };
}

/** Random weights large enough that the logits vary across the image (so the guidance matters). */
function randomize(net: Segmenter, seed: number): void {
  net.parameters().forEach((p, i) => {
    if (p.shape.length !== 4) return;
    const fanIn = p.shape[0] * p.shape[1] * p.shape[2];
    const w = tf.randomNormal(p.shape, 0, Math.sqrt(2 / fanIn), 'float32', seed + i);
    p.assign(w);
    w.dispose();
  });
}

async function maxAbsDifference(net: Segmenter, seed: number): Promise<{ diff: number; embeddedDiff: number; guidanceEffect: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-guidance-'));
  const translator = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: net.numClasses, seed });
  try {
    fs.writeFileSync(path.join(dir, 'segmenter.onnx'), exportSegmenterOnnx(net));
    fs.writeFileSync(path.join(dir, 'translator.onnx'), translatorOnnxBytes(translator, 's2t'));
    fs.writeFileSync(path.join(dir, 'embedded.onnx'), embeddedTranslatorOnnxBytes(translator, net, 's2t'));
    const segOnnx = await openOnnx(path.join(dir, 'segmenter.onnx'), 1);
    const trOnnx = await openOnnx(path.join(dir, 'translator.onnx'), 1);
    const embedded = await openOnnx(path.join(dir, 'embedded.onnx'), 1);
    expect(embedded.inputNames).toEqual(['image']);
    let diff = 0;
    let embeddedDiff = 0;
    let guidanceEffect = 0;
    try {
      for (const [w, h] of [[48, 40], [64, 32]]) {
        const img = randomImage(w, h, seed + w);
        const onnx = await translateImageOnnx(trOnnx, segOnnx, img);
        const ours = await translateImageInFramework(translator, net, img);
        const single = await translateImageOnnx(embedded, undefined, img);
        expect(onnx.dims).toEqual([1, 3, h, w]);
        expect(ours.dims).toEqual(onnx.dims);
        const zero = tf.zeros([1, 1, 1, net.numClasses]) as tf.Tensor4D;
        const unguided = await translateImageInFramework(translator, net, img, zero);
        zero.dispose();
        for (let i = 0; i < onnx.data.length; i++) {
          diff = Math.max(diff, Math.abs(onnx.data[i] - ours.data[i]));
          embeddedDiff = Math.max(embeddedDiff, Math.abs(single.data[i] - ours.data[i]));
          guidanceEffect = Math.max(guidanceEffect, Math.abs(unguided.data[i] - ours.data[i]));
        }
      }
    } finally {
      await segOnnx.release();
      await trOnnx.release();
      await embedded.release();
    }
    return { diff, embeddedDiff, guidanceEffect };
  } finally {
    translator.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('translation s→t: ONNX translate stage vs in-framework (same weights, same images)', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it('DeepLabV2 (logits at 1/8): max abs ≤ 1e-4', async () => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, numClasses: 5, rng: new Rng(31), classifierInit: { kind: 'normal', std: 0.3 } }).eval();
    randomize(net, 100);
    const { diff, embeddedDiff, guidanceEffect } = await maxAbsDifference(net, 7);
    net.dispose();
    // The guidance must move the output by far more than the tolerance, or the comparison proves nothing.
    expect(guidanceEffect).toBeGreaterThan(1e-2);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(embeddedDiff).toBeLessThanOrEqual(1e-4);
  });

  it('FCN8s (logits at full size): max abs ≤ 1e-4', async () => {
    const net = new FCN8s({ width: 0.0625, numClasses: 5, rng: new Rng(32) }).eval();
    randomize(net, 200);
    const { diff, embeddedDiff, guidanceEffect } = await maxAbsDifference(net, 8);
    net.dispose();
    expect(guidanceEffect).toBeGreaterThan(1e-2);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(embeddedDiff).toBeLessThanOrEqual(1e-4);
  });

  it('in-framework translation leaks no tensors', async () => {
    const net = new FCN8s({ width: 0.0625, numClasses: 5, rng: new Rng(33) }).eval();
    const translator = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: 5, seed: 9 });
    const img = randomImage(32, 32, 1);
    await translateImageInFramework(translator, net, img);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await translateImageInFramework(translator, net, img);
    expect(tf.memory().numTensors).toBe(before);
    translator.dispose();
    net.dispose();
  });
});

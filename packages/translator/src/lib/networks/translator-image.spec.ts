/**
 * The translator's image space [−1, 1] (SPEC §2): the maps by hand, the
 * tfjs and host versions against each other (float32 rounding), 8-bit
 * round trip exact, and the ONNX nodes in onnxruntime against tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeOnnx, exportOnnx, fromNchw, runOnnx, toNchwFeed } from '@semadapt/core-layers';
import { expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { pixelsToTranslatorImage, rgbToTranslatorImage, translatorImageToPixels, translatorImageToRgb, translatorImageToRgbOnnx } from './translator-image';

describe('translator image space [−1, 1]', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);

  it('by hand: 0 → −1, 255 → 1, 51 → −0.6, 127.5 ↔ 0; host bytes round-trip exactly', () => {
    const x = pixelsToTranslatorImage([0, 255, 51]);
    expect(x[0]).toBe(-1);
    expect(x[1]).toBe(1);
    expect(x[2]).toBeCloseTo(-0.6, 6);
    expect(Array.from(translatorImageToPixels(pixelsToTranslatorImage(all)))).toEqual(Array.from(all));
    expect(Array.from(translatorImageToPixels([-1.5, 2, 0]))).toEqual([0, 255, 128]);
  });

  it('tfjs maps x=[1,16,16,3] (every 8-bit value): equal to the host map within one float32 ulp; inverse within 2e-5; no leak', async () => {
    const rgb = tf.tensor4d(Float32Array.from(all), [1, 16, 16, 3]);
    await expectNoTensorLeak(() => {
      const x = rgbToTranslatorImage(rgb);
      const host = pixelsToTranslatorImage(all);
      const ours = x.dataSync();
      for (let i = 0; i < host.length; i++) expect(Math.abs(ours[i] - host[i])).toBeLessThanOrEqual(2 ** -23);
      const rgbAgain = translatorImageToRgb(x);
      const back = rgbAgain.dataSync();
      for (let i = 0; i < all.length; i++) expect(Math.abs(back[i] - all[i])).toBeLessThan(2e-5);
      tf.dispose([x, rgbAgain]);
    });
    rgb.dispose();
  });

  it('translatorImageToRgbOnnx in onnxruntime = translatorImageToRgb (NCHW graph, dynamic size)', async () => {
    const model = exportOnnx({
      inputs: [{ name: 'image', channels: 3 }],
      outputs: [{ name: 'rgb', channels: 3 }],
      build: (graph, [image]) => [translatorImageToRgbOnnx(graph, image, 'in')],
    });
    const x = tf.randomUniform([1, 5, 7, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const out = await runOnnx(encodeOnnx(model), { image: toNchwFeed(x) });
    const theirs = fromNchw(out['rgb']);
    const ours = translatorImageToRgb(x);
    expect(Math.max(...Array.from(tf.abs(tf.sub(theirs, ours)).dataSync()))).toBeLessThan(1e-4);
    tf.dispose([x, theirs, ours]);
  });
});

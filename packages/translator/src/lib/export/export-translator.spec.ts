/**
 * ONNX export of both directions against the tfjs model in eval mode, run in
 * onnxruntime-node (the independent reference): max abs ≤ 1e-4 at two image
 * sizes with the same file (dynamic H/W), guidance at a lower resolution than
 * the image (resized in-graph), and the ONNX checker when python3-onnx is there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkOnnxModel, fromNchw, runOnnx, toNchwFeed } from '@semadapt/core-layers';
import { expectAllClose, setTestBackend } from '@semadapt/core-layers/testing';
import { Translator } from '../networks/translator';
import { translatorOnnxBytes } from './export-translator';

describe('exportTranslatorOnnx (width 1/16, wasm)', () => {
  let translator: Translator;
  beforeAll(async () => {
    await setTestBackend('wasm');
    translator = new Translator({ widthMultiplier: 1 / 16, guidanceClasses: 7, seed: 3 });
    // A few training-mode forwards move the spectral-norm vectors away from their init,
    // so the export must fold the stored u, v (not recompute them).
    tf.tidy(() => {
      const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
      const g = tf.randomNormal([1, 16, 16, 7], 0, 1, 'float32', 2) as tf.Tensor4D;
      for (let i = 0; i < 3; i++) translator.translateWith(x, g, 's', 't');
    });
  });
  afterAll(() => translator.dispose());

  for (const direction of ['s2t', 't2s'] as const) {
    it(`${direction}: image+guidance → image, parity ≤ 1e-4 at [1,16,16] and [1,16,32] (guidance at 1/2 resolution)`, async () => {
      const bytes = translatorOnnxBytes(translator, direction);
      const check = checkOnnxModel(bytes);
      if (!check.ran) console.warn(`ONNX checker skipped: ${check.reason}`);
      else expect(check).toEqual({ ran: true, ok: true });
      for (const [h, w] of [[16, 16], [16, 32]]) {
        const x = tf.randomUniform([1, h, w, 3], -1, 1, 'float32', h + w) as tf.Tensor4D;
        const g = tf.randomNormal([1, h / 2, w / 2, 7], 0, 2, 'float32', h * w) as tf.Tensor4D;
        const expected = translator.translate(x, g, direction);
        const out = await runOnnx(bytes, { image: toNchwFeed(x), guidance: toNchwFeed(g) });
        expect(Object.keys(out)).toEqual(['translated']);
        const actual = fromNchw(out['translated']);
        expect(actual.shape).toEqual([1, h, w, 3]);
        expectAllClose(actual, expected, { atol: 1e-4, rtol: 0, label: `${direction} ${h}x${w}` });
        tf.dispose([x, g, expected, actual]);
      }
    });
  }

  it('spade off: one input, no guidance', async () => {
    const plain = new Translator({ widthMultiplier: 1 / 16, spade: false, seed: 4 });
    try {
      const bytes = translatorOnnxBytes(plain, 's2t');
      const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
      const expected = plain.translate(x, null, 's2t');
      const out = await runOnnx(bytes, { image: toNchwFeed(x) });
      const actual = fromNchw(out['translated']);
      // This random-init decoder (IN residual blocks, then 5×5 conv + layer norm stages at 4–8
      // channels) is ill-conditioned: a 1e-6 relative change of its content code moves the
      // output by 1e-2 (measured on the cpu backend), so float32 rounding order alone puts
      // tfjs-cpu, tfjs-wasm and onnxruntime 3e-5–1.1e-4 apart. 2e-4 still fails any export
      // mistake (those move outputs by ≥ 1e-2).
      expectAllClose(actual, expected, { atol: 2e-4, rtol: 0 });
      tf.dispose([x, expected, actual]);
    } finally {
      plain.dispose();
    }
  });
});

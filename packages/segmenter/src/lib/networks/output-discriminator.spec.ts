import * as tf from '@tensorflow/tfjs-core';
import { Rng, encodeOnnx, exportLayer, fromNchw, runOnnx, toNchwFeed } from '@semadapt/core-layers';
import { expectNoTensorLeak, relativeError, setTestBackend } from '@semadapt/core-layers/testing';
import { OutputDiscriminator } from './output-discriminator';

describe('OutputDiscriminator', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it('AdaptSegNet sizes: params by hand; x=[1,64,96,19] → [1,2,3,1]; ONNX in onnxruntime ≤ 1e-4 rel; < 32 px throws', async () => {
    const d = new OutputDiscriminator({ rng: new Rng(1) });
    // conv4 layers: 16·cin·cout + cout each; 19→64→128→256→512→1.
    const widths = [19, 64, 128, 256, 512, 1];
    const expected = widths.slice(1).reduce((n, c, i) => n + 16 * widths[i] * c + c, 0);
    expect(d.parameterCount()).toBe(expected);
    const x = tf.softmax(tf.randomNormal([1, 64, 96, 19], 0, 2, 'float32', 3)) as tf.Tensor4D;
    await expectNoTensorLeak(() => {
      const y = d.forward(x);
      expect(y.shape).toEqual([1, 2, 3, 1]); // 64→32→16→8→4→2, 96→48→24→12→6→3
      y.dispose();
    });
    const bytes = encodeOnnx(exportLayer(d, { inputChannels: 19, outputChannels: 1 }));
    const out = await runOnnx(bytes, { input: toNchwFeed(x) });
    const theirs = fromNchw(out['output']);
    const ours = d.forward(x);
    expect(relativeError(theirs, ours)).toBeLessThan(1e-4);
    expect(() => d.forward(tf.zeros([1, 24, 64, 19]) as tf.Tensor4D)).toThrow(/H ≥ 32.*\[1,24,64,19\]/);
    tf.dispose([x, ours, theirs]);
    d.dispose();
  });
});

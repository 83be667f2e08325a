/**
 * ONNX export of the segmenters (SPEC §7): run in onnxruntime-node (the
 * independent reference) on raw RGB in [0, 255] — the normalisation is in
 * the graph, as in `forward` — and compare with our forward, ≤ 1e-4 relative
 * to the logit scale; the ONNX checker when python3-onnx is installed; the
 * input contract stated in the model's metadata.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, checkOnnxModel, decodeOnnx, fromNchw, runOnnx, toNchwFeed } from '@semadapt/core-layers';
import { relativeError, setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2 } from '../networks/deeplab-v2';
import { FCN8s } from '../networks/fcn8s';
import { logitsAtSize, type Segmenter } from '../networks/segmenter';
import type { InputNormalization } from '../networks/segmenter-input';
import { exportSegmenterOnnx, SEGMENTER_ONNX_INPUT, SEGMENTER_ONNX_NORMALIZATION_KEY } from './segmenter-onnx';

async function parity(net: Segmenter, shapes: Array<[number, number]>, upsample: boolean): Promise<void> {
  const bytes = exportSegmenterOnnx(net, { upsample });
  const check = checkOnnxModel(bytes);
  if (!check.ran) console.warn(`SKIPPED (loudly): ONNX checker — ${check.reason}`);
  else expect(check).toEqual({ ran: true, ok: true });
  const metadata = Object.fromEntries(decodeOnnx(bytes).metadataProps.map((p) => [p.key, p.value]));
  expect(metadata).toEqual({ [SEGMENTER_ONNX_INPUT.key]: 'rgb-0-255-nchw', [SEGMENTER_ONNX_NORMALIZATION_KEY]: net.inputNormalization.kind });
  // Dynamic H/W: one exported model, several input sizes.
  for (const [h, w] of shapes) {
    // Raw RGB pixels, what evaluators feed.
    const x = tf.tidy(() => tf.floor(tf.randomUniform([1, h, w, 3], 0, 256, 'float32', h * 100 + w))) as tf.Tensor4D;
    const ours = upsample ? logitsAtSize(net, x, h, w) : net.forward(x);
    const out = await runOnnx(bytes, { image: toNchwFeed(x) });
    const theirs = fromNchw(out['logits']);
    expect(theirs.shape).toEqual(ours.shape);
    const err = relativeError(theirs, ours);
    expect(err).toBeLessThan(1e-4);
    // `guidance`: S(x) at the network's resolution, what SPADE is trained on.
    const native = net.forward(x);
    const guidance = fromNchw(out['guidance']);
    expect(guidance.shape).toEqual(native.shape);
    expect(relativeError(guidance, native)).toBeLessThan(1e-4);
    tf.dispose([x, ours, theirs, native, guidance]);
  }
}

describe('exportSegmenterOnnx', () => {
  beforeAll(async () => {
    await setTestBackend('wasm');
  });

  it('DeepLabV2 blocks=[1,1,1,1] w=1/16 image→logits at input size, H×W 33×41 and 40×24: onnxruntime ≤ 1e-4 rel', async () => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(21), classifierInit: { kind: 'normal', std: 0.3 } }).eval();
    await parity(net, [[33, 41], [40, 24]], true);
    net.dispose();
  });

  it('DeepLabV2 upsample=false gives the 1/8 logits', async () => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(22), classifierInit: { kind: 'normal', std: 0.3 } }).eval();
    await parity(net, [[33, 41]], false);
    net.dispose();
  });

  it('FCN8s w=1/16 (score layers randomised so every path counts), H×W 37×45 and 32×32', async () => {
    const net = new FCN8s({ width: 0.0625, rng: new Rng(23) }).eval();
    for (const layer of [net.score_fr, net.score_pool4, net.score_pool3]) {
      const w = tf.randomNormal(layer.weight.shape, 0, 0.5, 'float32', 5);
      layer.weight.assign(w);
      w.dispose();
    }
    await parity(net, [[37, 45], [32, 32]], true);
    net.dispose();
  });

  it('FCN8s w=1/16 with imagenet input normalisation: the graph normalises as forward does', async () => {
    const inputNormalization: InputNormalization = { kind: 'imagenet' };
    const net = new FCN8s({ width: 0.0625, rng: new Rng(24), inputNormalization }).eval();
    const w = tf.randomNormal(net.score_fr.weight.shape, 0, 0.5, 'float32', 8);
    net.score_fr.weight.assign(w);
    w.dispose();
    await parity(net, [[32, 40]], true);
    net.dispose();
  });
});

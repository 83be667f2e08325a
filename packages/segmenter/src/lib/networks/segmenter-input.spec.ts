/**
 * The segmenters' input contract: RGB [0, 255] in, normalised inside
 * `forward`. The "old path" these tests compare with is what the loaders did
 * before the normalisation moved into the network — data-core's float64
 * `out[c] = in[src(c)]·scale + offset` on the host, stored as float32 and fed
 * to the network's first conv — computed here on the host independently,
 * and substituted for `normalizeInput` (the network's first step) to run
 * the old path through the same layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectNoTensorLeak, relativeError, setTestBackend } from '@semadapt/core-layers/testing';
import { SegmenterTrainer } from '../training/segmenter-trainer';
import { DeepLabV2 } from './deeplab-v2';
import { FCN8s } from './fcn8s';
import type { Segmenter } from './segmenter';
import { CAFFE_BGR_MEAN, IMAGENET_MEAN, IMAGENET_STD, normalizeSegmenterInput, type InputNormalization } from './segmenter-input';

/** Random 8-bit RGB pixels (as the decoders give them), NHWC. */
function rgbBytes(h: number, w: number, seed: number): { data: Uint8Array; shape: [number, number, number, number] } {
  const rng = new Rng(seed);
  return { data: Uint8Array.from({ length: h * w * 3 }, () => Math.floor(rng.uniform() * 256)), shape: [1, h, w, 3] };
}

/** The loaders' old host normalisation (data-core's presets 'deeplab'/'fcn8s' and 'imagenet'), in float64. */
function hostNormalize(bytes: Uint8Array, n: InputNormalization): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      out[i + c] = n.kind === 'caffe' ? bytes[i + 2 - c] - CAFFE_BGR_MEAN[c] : (bytes[i + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  }
  return out;
}

/**
 * Runs `net` on the RGB bytes, and again with its normalisation replaced by
 * the loaders' old host normalisation (the old path: normalise, then the
 * network). Returns what the first layer got in the first run, the old
 * input, and both logits.
 */
function bothPaths(net: Segmenter, img: { data: Uint8Array; shape: [number, number, number, number] }) {
  const rgb = tf.tensor4d(Float32Array.from(img.data), img.shape);
  const original = net.normalizeInput.bind(net);
  let seen: tf.Tensor4D | undefined;
  const capture = jest.spyOn(net, 'normalizeInput').mockImplementation((x: tf.Tensor4D) => {
    const y = original(x);
    seen = tf.keep(y.clone());
    return y;
  });
  const ours = net.forward(rgb);
  capture.mockRestore();
  const old = hostNormalize(img.data, net.inputNormalization);
  const replace = jest.spyOn(net, 'normalizeInput').mockImplementation(() => tf.tensor4d(old, img.shape));
  const reference = net.forward(rgb);
  replace.mockRestore();
  rgb.dispose();
  return { seen: seen as tf.Tensor4D, old, ours, reference };
}

/**
 * Both paths of `net` on the bytes agree: what the first conv sees is the
 * loaders' old input to float32 rounding (1 ulp of |x| ≤ 152), and the
 * logits match, rel ≤ 1e-6.
 */
function expectSameAsOldPath(net: Segmenter, img: { data: Uint8Array; shape: [number, number, number, number] }): void {
  const { seen, old, ours, reference } = bothPaths(net, img);
  const firstConvInput = seen.dataSync();
  let worst = 0;
  for (let i = 0; i < old.length; i++) worst = Math.max(worst, Math.abs(firstConvInput[i] - old[i]));
  expect(worst).toBeLessThanOrEqual(2 ** -16);
  expect(relativeError(ours, reference)).toBeLessThan(1e-6);
  tf.dispose([seen, ours, reference]);
}

describe('segmenter input contract: RGB [0, 255], normalised inside the network', () => {
  beforeAll(async () => {
    // wasm: a training step on the pure-JS cpu kernels takes minutes under jest; both paths run on the same backend.
    await setTestBackend('wasm');
  });

  it("caffe, by hand: RGB (10, 20, 30) → BGR minus (104.00698793, 116.66876762, 122.67891434); imagenet: (x/255 − mean)/std", () => {
    const px = tf.tensor4d([10, 20, 30, 255, 0, 128], [1, 1, 2, 3]);
    const caffe = Array.from(normalizeSegmenterInput(px, { kind: 'caffe' }).dataSync());
    const expected = [30 - 104.00698793, 20 - 116.66876762, 10 - 122.67891434, 128 - 104.00698793, 0 - 116.66876762, 255 - 122.67891434];
    caffe.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    const imagenet = Array.from(normalizeSegmenterInput(px, { kind: 'imagenet' }).dataSync());
    const byHand = [(10 / 255 - 0.485) / 0.229, (20 / 255 - 0.456) / 0.224, (30 / 255 - 0.406) / 0.225, (1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128 / 255 - 0.406) / 0.225];
    imagenet.forEach((v, i) => expect(v).toBeCloseTo(byHand[i], 5));
    px.dispose();
  });

  it.each([
    ['DeepLabV2 blocks=[1,1,1,1] w=1/16 caffe', { kind: 'caffe' } as const],
    ['DeepLabV2 blocks=[1,1,1,1] w=1/16 imagenet', { kind: 'imagenet' } as const],
  ])('%s x=[1,35,43] bytes: forward(RGB) equals the old path (host-normalised input → network), rel ≤ 1e-6', (_name, inputNormalization) => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(31), classifierInit: { kind: 'normal', std: 0.3 }, inputNormalization }).eval();
    expectSameAsOldPath(net, rgbBytes(35, 43, 5));
    net.dispose();
  });

  it('FCN8s w=1/16 (score layers randomised) x=[1,29,33] bytes: forward(RGB) equals the old path, rel ≤ 1e-6', () => {
    const net = new FCN8s({ width: 0.0625, rng: new Rng(32) }).eval();
    for (const layer of [net.score_fr, net.score_pool4, net.score_pool3]) {
      const w = tf.randomNormal(layer.weight.shape, 0, 0.5, 'float32', 9);
      layer.weight.assign(w);
      w.dispose();
    }
    expectSameAsOldPath(net, rgbBytes(29, 33, 6));
    net.dispose();
  });

  it('one adapt training step (DeepLabV2 w=1/16, x=[1,32,32,3] bytes) on RGB batches = the old path: losses and updated weights rel ≤ 1e-5', () => {
    const make = () => new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, asppDilations: [1, 2], rng: new Rng(34), classifierInit: { kind: 'normal', std: 0.1 } });
    const [ours, old] = [make(), make()];
    // The old path: the network fed the loaders' host normalisation of the same pixels.
    jest.spyOn(old, 'normalizeInput').mockImplementation((x: tf.Tensor4D) => tf.tensor4d(hostNormalize(Uint8Array.from(x.dataSync()), old.inputNormalization), x.shape));
    const batch = (seed: number) => {
      const img = rgbBytes(32, 32, seed);
      const labelRng = new Rng(seed + 100);
      const labels = Int32Array.from({ length: 32 * 32 }, () => (labelRng.uniform() < 0.1 ? 255 : Math.floor(labelRng.uniform() * 19)));
      return { image: tf.tensor4d(Float32Array.from(img.data), img.shape), labels: tf.tensor3d(labels, [1, 32, 32], 'int32') };
    };
    const [s, t] = [batch(8), batch(9)];
    const step = (net: DeepLabV2) => {
      const trainer = new SegmenterTrainer(net, { discriminator: { rng: new Rng(35) } });
      const losses = trainer.step({ source: s.image, sourceLabels: s.labels, target: t.image, targetLabels: t.labels });
      trainer.dispose();
      return losses;
    };
    const [a, b] = [step(ours), step(old)];
    for (const k of ['segSource', 'segTarget', 'adv', 'total', 'dSource', 'dTarget'] as const) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[k])));
    const theirs = new Map(old.namedParameters());
    for (const [name, p] of ours.namedParameters()) expect(relativeError(p, theirs.get(name) as tf.Variable)).toBeLessThan(1e-5);
    tf.dispose([s.image, s.labels, t.image, t.labels]);
    ours.dispose();
    old.dispose();
  });

  it('forward on RGB leaves no tensor behind (FCN8s w=1/16)', async () => {
    const net = new FCN8s({ width: 0.0625, rng: new Rng(33) }).eval();
    const img = rgbBytes(24, 20, 7);
    const rgb = tf.tensor4d(Float32Array.from(img.data), img.shape);
    await expectNoTensorLeak(() => {
      tf.dispose(net.forward(rgb));
    });
    rgb.dispose();
    net.dispose();
  });

  it('bad inputNormalization and a non-RGB input throw quoting what was received', () => {
    expect(() => new FCN8s({ width: 0.0625, inputNormalization: { kind: 'bgr' } as unknown as InputNormalization })).toThrow(/FCN8s: inputNormalization must be .*received \{"kind":"bgr"\}/);
    expect(() => new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, inputNormalization: 'caffe' as unknown as InputNormalization })).toThrow(/DeepLabV2: inputNormalization .*received "caffe"/);
    const gray = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    expect(() => normalizeSegmenterInput(gray, { kind: 'caffe' })).toThrow(/expected NHWC RGB \[N, H, W, 3\] in \[0, 255\], received \[1,8,8,1\]/);
    gray.dispose();
  });
});

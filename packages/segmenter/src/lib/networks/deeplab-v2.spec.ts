import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@semadapt/core-layers';
import { expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { DeepLabV2, type DeepLabV2Options } from './deeplab-v2';

/**
 * Parameter count of DeepLabV2-ResNet101 from the architecture, by hand (SPEC §3):
 * stem conv 7·7·3·64 + BN 2·64; per bottleneck (cin → p → p → 4p) 1·1·cin·p + 9·p·p + p·4p
 * + BN 2·(p + p + 4p); projection on the first block of each layer 1·1·cin·4p + BN 2·4p;
 * ASPP 4 × (9·2048·19 + 19).
 */
function deeplabParameterCount(blocks: number[], classes: number): number {
  let n = 7 * 7 * 3 * 64 + 2 * 64;
  let cin = 64;
  [64, 128, 256, 512].forEach((p, li) => {
    for (let j = 0; j < blocks[li]; j++) {
      n += cin * p + 9 * p * p + p * 4 * p + 2 * (6 * p);
      if (j === 0) n += cin * 4 * p + 2 * 4 * p;
      cin = 4 * p;
    }
  });
  return n + 4 * (9 * 2048 * classes + classes);
}

describe('DeepLabV2', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('resnet101 full depth (wasm): parameter count from the architecture, and forward x=[1,33,33,3] → logits [1,5,5,19]', async () => {
    // Constant init: 44M Box–Muller draws take minutes inside jest; this test is about structure and shapes.
    await setTestBackend('wasm');
    const constant = { kind: 'constant', value: 1e-3 } as const;
    const net = new DeepLabV2({ rng: new Rng(1), backboneInit: constant, classifierInit: constant });
    // 42,500,160 (ResNet-101 body without fc, torchvision's 44,549,160 − 2,049,000 fc) + 1,400,908 ASPP.
    expect(deeplabParameterCount([3, 4, 23, 3], 19)).toBe(42_500_160 + 1_400_908);
    expect(net.parameterCount()).toBe(deeplabParameterCount([3, 4, 23, 3], 19));
    expect(net.namedParameters().filter(([n]) => n.startsWith('layer3.')).length).toBe(23 * 9 + 3);
    // 33 → conv1 s2: 17 → maxpool ceil: 9 → layer2 s2: 5.
    expect(net.outputSize(33, 33)).toEqual([5, 5]);
    const x = tf.randomNormal([1, 33, 33, 3], 0, 50, 'float32', 3) as tf.Tensor4D;
    await expectNoTensorLeak(() => {
      const y = net.eval().forward(x);
      expect(y.shape).toEqual([1, 5, 5, 19]);
      expect(Number.isFinite(tf.tidy(() => tf.sum(y).dataSync()[0]))).toBe(true);
      tf.dispose(y);
    });
    x.dispose();
    net.dispose();
    await setTestBackend('cpu');
  });

  it('resnet50 depth and width 0.25: blocks [3,4,6,3], channels 16…512, ASPP on 512', () => {
    const constant = { kind: 'constant', value: 1e-3 } as const;
    const net = new DeepLabV2({ depth: { kind: 'resnet50' }, width: 0.25, rng: new Rng(2), backboneInit: constant, classifierInit: constant });
    expect(net.blocks).toEqual([3, 4, 6, 3]);
    const shapes = new Map(net.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes.get('conv1.weight')).toEqual([7, 7, 3, 16]);
    expect(shapes.get('layer4.2.conv3.weight')).toEqual([1, 1, 128, 512]);
    expect(shapes.get('aspp.3.weight')).toEqual([3, 3, 512, 19]);
    expect(shapes.has('layer3.0.downsample.0.weight')).toBe(true);
    expect(shapes.has('layer3.1.downsample.0.weight')).toBe(false);
    net.dispose();
  });

  it('frozen BN: only convs and the ASPP are trainable; ASPP has lr ×10 (SPEC §3)', () => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, rng: new Rng(3) });
    const trainable = net.trainableParameterEntries();
    expect(trainable.some(([n]) => /bn\d|downsample\.1/.test(n))).toBe(false);
    for (const [n, p] of trainable) expect(p.lrMultiplier).toBe(n.startsWith('aspp.') ? 10 : 1);
    // 4 stages × (3 convs) + 4 projections + stem conv + 8 ASPP tensors
    expect(trainable.length).toBe(12 + 4 + 1 + 8);
    net.dispose();
  });

  it("batchNorm 'batch': BN affines trainable too, running statistics move in training, eval output ignores the batch", () => {
    const net = new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, width: 0.0625, batchNorm: 'batch', rng: new Rng(3) });
    const bnCount = 1 + 4 * 3 + 4; // stem, 3 per bottleneck, 4 projections
    expect(net.trainableParameterEntries().length).toBe(12 + 4 + 1 + 8 + 2 * bnCount);
    const x = tf.randomNormal([2, 33, 33, 3], 0, 50, 'float32', 7) as tf.Tensor4D;
    net.train();
    tf.dispose(net.forward(x));
    const [, mean] = net.namedBuffers().find(([n]) => n === 'bn1.running_mean') ?? [];
    expect(mean && Math.max(...Array.from(mean.dataSync(), Math.abs))).toBeGreaterThan(0);
    // Eval: running statistics, so one image's logits do not depend on the rest of the batch.
    net.eval();
    const both = net.forward(x);
    const first = net.forward(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]));
    expect(tf.max(tf.abs(tf.sub(tf.slice(both, [0, 0, 0, 0], [1, -1, -1, -1]), first))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, both, first]);
    expect(() => new DeepLabV2({ batchNorm: 'train' as never })).toThrow(/batchNorm must be 'frozen' or 'batch', received "train"/);
    net.dispose();
  });

  it('outputStride 4: layer2 stride → dilation (2, 4, 8), logits twice as fine, the same parameters as output stride 8', () => {
    const opts: DeepLabV2Options = { width: 0.125, depth: { kind: 'custom', blocks: [1, 1, 1, 1] }, numClasses: 5, asppDilations: [1, 2] };
    const os8 = new DeepLabV2({ ...opts, rng: new Rng(2) });
    const os4 = new DeepLabV2({ ...opts, outputStride: 4, rng: new Rng(2) });
    const shapes = (net: DeepLabV2) => net.namedParameters().map(([n, v]) => `${n}:${v.shape}`);
    expect(shapes(os4)).toEqual(shapes(os8));
    const x = tf.randomNormal([1, 33, 65, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    // By hand: conv1 s2 p3: 33 → 17, 65 → 33; maxpool 3/2/1 ceil: → 9, 17; layer2 stride 2 at OS 8 only: → 5, 9.
    const y8 = os8.forward(x);
    const y4 = os4.forward(x);
    expect(y8.shape).toEqual([1, 5, 9, 5]);
    expect(y4.shape).toEqual([1, 9, 17, 5]);
    expect(os4.outputSize(33, 65)).toEqual([9, 17]);
    expect(os8.outputSize(33, 65)).toEqual([5, 9]);
    expect([os4.layer2, os4.layer3, os4.layer4].map((l) => (l.layers[0][1] as unknown as { conv2: { dilation: number[] } }).conv2.dilation[0])).toEqual([2, 4, 8]);
    expect(() => new DeepLabV2({ ...opts, outputStride: 16 as 8 })).toThrow(/outputStride must be 8 or 4, received 16/);
    tf.dispose([x, y8, y4]);
    os8.dispose();
    os4.dispose();
  });

  it('bad options throw quoting the value', () => {
    expect(() => new DeepLabV2({ depth: { kind: 'custom', blocks: [1, 0, 1, 1] } })).toThrow(/\[1,0,1,1\]/);
    expect(() => new DeepLabV2({ width: -1 })).toThrow(/width.*-1/);
    expect(() => new DeepLabV2({ asppDilations: [6, 1.5] })).toThrow(/asppDilations.*1\.5/);
  });
});

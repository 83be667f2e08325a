/** The typed factory of SPEC §3's architectures, built from resolved config sections. */
import { Rng } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { resolveSegmenterConfig, SEGMENTER_ARCHS } from '../config/segmenter-config';
import { DeepLabV2 } from './deeplab-v2';
import { FCN8s } from './fcn8s';
import { buildSegmenter, SEGMENTERS } from './segmenter-factory';

describe('SEGMENTERS', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('one entry per architecture of the config schema', () => {
    expect(Object.keys(SEGMENTERS).sort()).toEqual([...SEGMENTER_ARCHS].sort());
  });

  it('deeplabv2 from its config: ResNet stem 64·w channels (w = 1/16 → 4), ASPP to 19 classes, same seed same weights', () => {
    const { network } = resolveSegmenterConfig({ arch: 'deeplabv2', network: { widthMultiplier: 1 / 16, depth: { kind: 'custom', blocks: [1, 1, 1, 1] } } });
    const a = SEGMENTERS.deeplabv2(network as never, new Rng(3));
    const b = SEGMENTERS.deeplabv2(network as never, new Rng(3));
    expect(a).toBeInstanceOf(DeepLabV2);
    expect([a.kind, a.numClasses, a.widthMultiplier]).toEqual(['deeplabv2', 19, 1 / 16]);
    // conv1: 7×7, RGB → 64·(1/16) = 4 channels (HWIO); aspp.0: 2048·(1/16) = 128 → 19.
    expect(a.conv1.weight.shape).toEqual([7, 7, 3, 4]);
    expect(a.aspp.branches[0].weight.shape).toEqual([3, 3, 128, 19]);
    expect(Array.from(a.conv1.weight.dataSync())).toEqual(Array.from(b.conv1.weight.dataSync()));
    a.dispose();
    b.dispose();
  });

  it('buildSegmenter switches on the tagged config (fcn8s: conv1_1 64·w, fc6 4096·w)', () => {
    const c = resolveSegmenterConfig({ arch: 'fcn8s', network: { widthMultiplier: 1 / 64 } });
    const net = buildSegmenter(c, new Rng(1));
    expect(net).toBeInstanceOf(FCN8s);
    const fcn = net as FCN8s;
    expect(fcn.stages[0][0].weight.shape).toEqual([3, 3, 3, 1]);
    expect(fcn.fc6.weight.shape).toEqual([7, 7, 8, 64]);
    net.dispose();
  });
});

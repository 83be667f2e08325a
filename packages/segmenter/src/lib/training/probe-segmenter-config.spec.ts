/** The constructor-level check of a resolved segmenter config: builds nothing big, leaks nothing, names the section. */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { resolveSegmenterConfig } from '../config/segmenter-config';
import { probeSegmenterConfig } from './probe-segmenter-config';

describe('probeSegmenterConfig', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it.each(['deeplabv2', 'fcn8s'] as const)('%s paper defaults pass (ResNet-101 / VGG16 at width 1/4096), tensor count flat', (arch) => {
    const before = tf.memory().numTensors;
    expect(() => probeSegmenterConfig(resolveSegmenterConfig({ arch }))).not.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('what only a constructor checks fails, naming the section', () => {
    const c = resolveSegmenterConfig({ arch: 'fcn8s' });
    const badInit = { ...c, network: { ...c.network, backboneInit: { kind: 'orthogonal' } } } as never;
    expect(() => probeSegmenterConfig(badInit)).toThrow(/^network: .*orthogonal/);
    const badAspp = resolveSegmenterConfig({ arch: 'deeplabv2', network: { asppDilations: [6, 12], asppBranches: 3 } });
    expect(() => probeSegmenterConfig(badAspp)).toThrow(/^network: DeepLabV2: asppBranches must be an integer in \[1, 2\]/);
  });
});

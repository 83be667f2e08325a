/**
 * The smoke table (`formatSmokeTable`): projections are steps × s/step, the
 * CPU projection scales by each stage's CPU/wall ratio, and after a failure
 * the stages that did not run are listed and the count is out of the whole
 * round. Expected values are worked out by hand here. And the overrides a
 * smoke run without init weights applies (`smokeRandomInitOverrides`).
 */
import { formatSmokeTable, smokeRandomInitOverrides, SmokeStage, SMOKE_STAGES } from './smoke';

const source: SmokeStage = { stage: 'source', seconds: 100, cpuSeconds: 150, peakRssMb: 6401.2, secondsPerStep: 36, fullSteps: 120000, ok: true };

describe('formatSmokeTable', () => {
  it('projects steps × s/step per training stage and the CPU time over 16 and 64 cores', () => {
    const out = formatSmokeTable('p', [source], 2).split('\n');
    // 120000 × 36 s = 4,320,000 s = 50.0 d; CPU 1.5 × that = 75.0 d; /16 = 4.7 d; /64 = 1.17 d.
    expect(out[2]).toMatch(/^source\s+100\.0\s+150\.0\s+6401\s+36\.00\s+120000\s+50\.0 d$/);
    expect(out[out.length - 1]).toBe("projected training (one round's training stages at the preset's step counts): 50.0 d on this machine (2 cores); 75.0 d of CPU, i.e. ≥ 4.7 d on 16 cores, ≥ 1.2 d on 64 at perfect scaling");
  });

  it('after a failure counts out of the whole round and lists the stages that did not run', () => {
    const failed: SmokeStage = { stage: 'translator', seconds: 34, cpuSeconds: 11, peakRssMb: 8598, ok: false, error: 'out of memory' };
    const out = formatSmokeTable('synthia→cityscapes/fcn8s', [source, failed], 2).split('\n');
    expect(out[0]).toBe(`smoke synthia→cityscapes/fcn8s: 1/${SMOKE_STAGES.length} stages passed`);
    expect(out[3]).toMatch(/^translator .*FAILED: out of memory$/);
    const notRun = out.filter((l) => l.endsWith('not run')).map((l) => l.split(/\s+/)[0]);
    expect(notRun).toEqual(['export', 'translate', 'pseudo-label', 'segmenter', 'evaluate']);
  });
});

describe('smokeRandomInitOverrides', () => {
  const config = (arch: string, batchNorm?: string) => ({ model: { segmenter: { arch, network: batchNorm ? { batchNorm } : {} } } }) as unknown as Parameters<typeof smokeRandomInitOverrides>[0];

  it('starts from scratch, and gives a frozen-BN DeepLabV2 small backbone weights', () => {
    expect(smokeRandomInitOverrides(config('deeplabv2'))).toEqual({ model: { segmenter: { init: null, network: { backboneInit: { kind: 'normal', std: 0.01 } } } } });
    expect(smokeRandomInitOverrides(config('deeplabv2', 'batch'))).toEqual({ model: { segmenter: { init: null } } });
    expect(smokeRandomInitOverrides(config('fcn8s'))).toEqual({ model: { segmenter: { init: null } } });
  });
});

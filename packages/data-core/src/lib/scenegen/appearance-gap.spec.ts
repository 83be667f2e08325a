import { measureDemoAppearanceGap } from './appearance-gap';

describe('demo benchmark appearance gap', () => {
  it('QDA probe 128x64: source-only ≪ target-only; per-class colour transfer recovers much of the gap', () => {
    const r = measureDemoAppearanceGap({ seed: 3, width: 128, height: 64, counts: { source: 30, targetTrain: 30, targetVal: 15 } });
    console.log(JSON.stringify(r, (_k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));
    expect(r.targetOnly - r.sourceOnly).toBeGreaterThanOrEqual(15);
    expect(r.perClassColourTransfer - r.sourceOnly).toBeGreaterThanOrEqual(10);
    // The oracle colour transfer closes at least half of the gap: it is mostly appearance.
    expect(r.perClassColourTransfer - r.sourceOnly).toBeGreaterThanOrEqual(0.5 * (r.targetOnly - r.sourceOnly));
    expect(r.globalColourTransfer).toBeGreaterThan(r.sourceOnly);
  });
});

import { measureDemoAppearanceGap } from './appearance-gap';
import { renderDemoScene } from './demo-scene';

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

describe('gapStrength', () => {
  // Mean RGB per labelId over a few scenes: a direct measure of the palette shift.
  const classMeans = (domain: 'source' | 'target', gapStrength: number) => {
    const sum = new Map<number, number[]>();
    for (let i = 0; i < 8; i++) {
      const s = renderDemoScene(2, domain, 'train', i, 96, 48, gapStrength);
      s.labelIds.forEach((id, p) => {
        const a = sum.get(id) ?? [0, 0, 0, 0];
        for (let ch = 0; ch < 3; ch++) a[ch] += s.rgb[3 * p + ch];
        a[3]++;
        sum.set(id, a);
      });
    }
    return new Map([...sum].map(([id, a]) => [id, [a[0] / a[3], a[1] / a[3], a[2] / a[3]]]));
  };

  it('96x48, 8 scenes: labels do not depend on gapStrength; road, vegetation, sky mean-colour shift > 60 at 1, > 25 levels smaller at 0 (lighting stays)', () => {
    const a = renderDemoScene(2, 'target', 'train', 0, 96, 48, 1);
    const b = renderDemoScene(2, 'target', 'train', 0, 96, 48, 0);
    expect(Buffer.from(b.labelIds).equals(Buffer.from(a.labelIds))).toBe(true);
    expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(false);
    const src = classMeans('source', 1);
    const full = classMeans('target', 1);
    const none = classMeans('target', 0);
    const dist = (x: number[] = [], y: number[] = []) => Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
    for (const id of [7, 21, 23]) {
      const d1 = dist(src.get(id), full.get(id));
      const d0 = dist(src.get(id), none.get(id));
      expect([id, d1 > 60, d0 < d1 - 25]).toEqual([id, true, true]);
    }
    expect(() => renderDemoScene(2, 'target', 'train', 0, 96, 48, -0.1)).toThrow('gapStrength must be in [0, 1], got -0.1');
  });
});

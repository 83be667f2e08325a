import { ClassConfidenceHistogram, PixelPrediction, applyThresholds, generatePseudoLabels } from './pseudo-labels';

const pred = (name: string, labels: number[], confidence: number[], width: number, height: number): PixelPrediction => ({
  name,
  labels: Uint8Array.from(labels),
  confidence: Float32Array.from(confidence),
  width,
  height,
});

// Two 2×2 images. Class 0 confidences {0.305, 0.505, 0.705}, class 1 {0.955, 0.975},
// class 2 {0.4055, 0.6055, 0.2055} ... chosen mid-bin for bins=100 so the bin is unambiguous.
const images = [
  pred('a', [0, 0, 1, 2], [0.305, 0.705, 0.955, 0.4055], 2, 2),
  pred('b', [0, 1, 2, 2], [0.505, 0.975, 0.6055, 0.2055], 2, 2),
];
const source = () =>
  (async function* () {
    for (const p of images) yield p;
  })();

describe('pseudo-labels', () => {
  it('threshold δ=0.5 over 2 images 2×2: kept iff conf ≥ δ, else 255 (by hand)', async () => {
    const written: Record<string, number[]> = {};
    const report = await generatePseudoLabels(source, async (name, labels, w, h) => {
      expect([w, h]).toEqual([2, 2]);
      written[name] = [...labels];
    }, { kind: 'threshold', delta: 0.5 });
    expect(written['a']).toEqual([255, 0, 1, 255]);
    expect(written['b']).toEqual([0, 1, 2, 255]);
    expect(report.images).toBe(2);
    expect(report.ignoredPixels).toBe(3);
    expect(report.keptPerClass.slice(0, 3)).toEqual([2, 2, 1]);
    expect(report.predictedPerClass.slice(0, 3)).toEqual([3, 2, 3]);
  });

  it('threshold default δ=0.9 keeps only class-1 pixels here', async () => {
    const written: number[][] = [];
    await generatePseudoLabels(source, async (_n, labels) => void written.push([...labels]));
    expect(written).toEqual([[255, 255, 1, 255], [255, 1, 255, 255]]);
  });

  it('class-median bins=100 cap=0.9: BDL element round(n/2) of the sorted confidences, bin lower edge', async () => {
    // By hand. class 0 sorted [0.305, 0.505, 0.705], n=3, round(1.5)=2 (half-even) → 0.705 → bin [0.70, 0.71) → 0.70.
    // class 1 sorted [0.955, 0.975], n=2, round(1)=1 → 0.975 → 0.97 → capped 0.9.
    // class 2 sorted [0.2055, 0.4055, 0.6055], n=3 → 0.6055 → 0.60. Classes 3..18 never predicted → 0.
    const written: Record<string, number[]> = {};
    let passes = 0;
    const counting = () => {
      passes++;
      return source();
    };
    const report = await generatePseudoLabels(counting, async (name, labels) => void (written[name] = [...labels]), {
      kind: 'class-median',
      bins: 100,
    });
    expect(passes).toBe(2);
    expect(report.thresholds[0]).toBeCloseTo(0.7, 12);
    expect(report.thresholds[1]).toBeCloseTo(0.9, 12);
    expect(report.thresholds[2]).toBeCloseTo(0.6, 12);
    expect(report.thresholds.slice(3)).toEqual(new Array(16).fill(0));
    expect(written['a']).toEqual([255, 0, 1, 255]);
    expect(written['b']).toEqual([255, 1, 2, 255]);
  });

  it('histogram median n=5 picks sorted[2], n=4 picks sorted[2] (upper median), n=1 sorted[0]', () => {
    const h = new ClassConfidenceHistogram(10, 3);
    h.add(pred('x', [0, 0, 0, 0, 0], [0.15, 0.95, 0.55, 0.35, 0.75], 5, 1));
    h.add(pred('y', [1, 1, 1, 1, 2], [0.15, 0.35, 0.55, 0.75, 0.85], 5, 1));
    const t = h.thresholds(1);
    expect(t[0]).toBeCloseTo(0.5, 12);
    expect(t[1]).toBeCloseTo(0.5, 12);
    expect(t[2]).toBeCloseTo(0.8, 12);
  });

  it('confidence exactly 1 falls in the top bin; applyThresholds uses ≥', () => {
    const h = new ClassConfidenceHistogram(4, 1);
    h.add(pred('x', [0], [1], 1, 1));
    expect(h.thresholds(1)).toEqual([0.75]);
    expect([...applyThresholds(pred('x', [0, 0], [0.5, 0.49], 2, 1), [0.5])]).toEqual([0, 255]);
  });

  it('bad inputs throw quoting what was received', async () => {
    await expect(generatePseudoLabels(source, async () => undefined, { kind: 'threshold', delta: 1.5 })).rejects.toThrow(/delta.*1\.5/);
    await expect(generatePseudoLabels(source, async () => undefined, { kind: 'class-median', bins: 0 })).rejects.toThrow(/bins.*0/);
    expect(() => applyThresholds(pred('z', [0], [0.5, 0.5], 2, 1), [0.5])).toThrow(/z.*2×1 needs 2/);
    expect(() => applyThresholds(pred('z', [19], [0.5], 1, 1), new Array(19).fill(0.5))).toThrow(/label 19/);
  });
});

import { CLASS_SHORT_NAMES, CLASSES_13, CLASSES_16 } from '@semadapt/labels';
import { ConfusionMatrix, formatMiouTable } from './confusion-matrix';

const map = (data: number[], width: number, height: number) => ({ data: Uint8Array.from(data), width, height });

describe('ConfusionMatrix', () => {
  it('counts m[gt][pred] over two 2×3 images, 255 ignored (hand-built matrix)', () => {
    const cm = new ConfusionMatrix();
    // image 1: gt  0 0 1 / 1 255 2   pred 0 1 1 / 1 0 2
    cm.update(map([0, 1, 1, 1, 0, 2], 3, 2), map([0, 0, 1, 1, 255, 2], 3, 2));
    // image 2: gt 2 2 2 / 0 255 255  pred 2 0 1 / 0 5 5
    cm.update(map([2, 0, 1, 0, 5, 5], 3, 2), map([2, 2, 2, 0, 255, 255], 3, 2));
    // By hand: (0,0)×2 [img1 px0, img2 px3], (0,1)×1, (1,1)×2, (2,2)×2, (2,0)×1, (2,1)×1.
    const expected = new Map<string, number>([
      ['0,0', 2], ['0,1', 1], ['1,1', 2], ['2,2', 2], ['2,0', 1], ['2,1', 1],
    ]);
    for (let g = 0; g < 19; g++) {
      for (let p = 0; p < 19; p++) expect(cm.at(g, p)).toBe(expected.get(`${g},${p}`) ?? 0);
    }
    const r = cm.summary();
    expect(r.pixels).toBe(9);
    // IoU0 = 2/(3+3-2)=0.5 ; IoU1 = 2/(2+4-2)=0.5 ; IoU2 = 2/(4+2-2)=0.5 ; others 0/0 → NaN
    expect(r.perClass[0]).toBeCloseTo(0.5, 12);
    expect(r.perClass[1]).toBeCloseTo(0.5, 12);
    expect(r.perClass[2]).toBeCloseTo(0.5, 12);
    for (let c = 3; c < 19; c++) expect(r.perClass[c]).toBeNaN();
    expect(r.miou19).toBeCloseTo(0.5, 12);
    expect(r.miou16).toBeCloseTo(0.5, 12);
    expect(r.miou13).toBeCloseTo(0.5, 12);
  });

  it('16/13-class means come from the 19-class matrix: terrain/truck/train and wall/fence/pole are left out', () => {
    const cm = new ConfusionMatrix();
    // Perfect road (0), wall (3) all predicted as terrain (9), truck (14) perfect.
    // gt:   0 0 3 3 14 9 ; pred: 0 0 9 9 14 9
    cm.update(map([0, 0, 9, 9, 14, 9], 6, 1), map([0, 0, 3, 3, 14, 9], 6, 1));
    const r = cm.summary();
    // By hand: IoU0 = 1, IoU3 = 0/(2+0) = 0, IoU9 = 1/(1+3-1) = 1/3, IoU14 = 1.
    expect(r.perClass[0]).toBe(1);
    expect(r.perClass[3]).toBe(0);
    expect(r.perClass[9]).toBeCloseTo(1 / 3, 12);
    expect(r.perClass[14]).toBe(1);
    expect(r.miou19).toBeCloseTo((1 + 0 + 1 / 3 + 1) / 4, 12);
    expect(r.miou16).toBeCloseTo((1 + 0) / 2, 12); // road, wall (9 and 14 are not in the 16)
    expect(r.miou13).toBeCloseTo(1, 12); // road only (wall is not in the 13)
    expect(CLASSES_16).toHaveLength(16);
    expect(CLASSES_13).toHaveLength(13);
  });

  it('a class only in the prediction scores IoU 0 and counts in the mean', () => {
    const cm = new ConfusionMatrix();
    cm.update(map([0, 18], 2, 1), map([0, 0], 2, 1));
    const r = cm.summary();
    expect(r.perClass[0]).toBeCloseTo(0.5, 12); // 1/(2+1-1)
    expect(r.perClass[18]).toBe(0);
    expect(r.miou19).toBeCloseTo(0.25, 12);
  });

  it('prediction 4×2 vs ground truth 2×4 throws naming both sizes', () => {
    const cm = new ConfusionMatrix();
    expect(() => cm.update(map(new Array(8).fill(0), 4, 2), map(new Array(8).fill(0), 2, 4), 'aachen_000000')).toThrow(
      /aachen_000000.*prediction is 4×2 but ground truth is 2×4/,
    );
  });

  it('out-of-range labels throw (gt 19, pred 255)', () => {
    const cm = new ConfusionMatrix();
    expect(() => cm.update(map([0], 1, 1), map([19], 1, 1))).toThrow(/ground truth 19/);
    expect(() => cm.update(map([255], 1, 1), map([0], 1, 1))).toThrow(/prediction 255/);
  });

  it('merge adds counts; reset clears', () => {
    const a = new ConfusionMatrix();
    const b = new ConfusionMatrix();
    a.update(map([1], 1, 1), map([1], 1, 1));
    b.update(map([2], 1, 1), map([1], 1, 1));
    a.merge(b);
    expect(a.at(1, 1)).toBe(1);
    expect(a.at(1, 2)).toBe(1);
    a.reset();
    expect(a.summary().pixels).toBe(0);
  });

  it('table prints the paper column order, the three means and the protocol', () => {
    const cm = new ConfusionMatrix();
    cm.update(map([0, 1], 2, 1), map([0, 1], 2, 1));
    const t = formatMiouTable(cm.summary(), 'GTA5→Cityscapes val');
    const header = t.split('\n')[1].trim().split(/\s+/);
    expect(header).toEqual([...CLASS_SHORT_NAMES, 'mIoU19', 'mIoU16', 'mIoU13']);
    expect(header.slice(0, 19).join(' ')).toBe(
      'road sidew build wall fence pole light sign veg terr sky pers rider car truck bus train mbike bike',
    );
    const row = t.split('\n')[2].trim().split(/\s+/);
    expect(row[0]).toBe('100.0');
    expect(row[2]).toBe('-');
    expect(row.slice(19)).toEqual(['100.0', '100.0', '100.0']);
    expect(t).toMatch(/16\/13-class means are taken from the 19-class matrix, as BDL does/);
  });
});

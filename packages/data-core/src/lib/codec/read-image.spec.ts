import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeJpeg, readJpeg } from './jpeg';
import { encodePng } from './png';
import { decodeLabelIds, decodeRgb, readRgb } from './read-image';

describe('reading images as RGB and labels as raw ids', () => {
  it('palette PNG → RGB expands through the palette; as a label it stays indices', () => {
    const palette = Uint8Array.from([0, 0, 0, 128, 64, 128, 244, 35, 232]);
    const png = encodePng({ width: 3, height: 1, channels: 1, data: Uint8Array.from([2, 0, 1]), palette });
    expect(Array.from(decodeRgb(png).data)).toEqual([244, 35, 232, 0, 0, 0, 128, 64, 128]);
    expect(Array.from(decodeLabelIds(png).data)).toEqual([2, 0, 1]);
  });

  it('gray → RGB replicates; RGBA drops alpha; 16-bit RGB keeps the high byte', () => {
    expect(Array.from(decodeRgb(encodePng({ width: 2, height: 1, channels: 1, data: Uint8Array.from([5, 250]) })).data)).toEqual([5, 5, 5, 250, 250, 250]);
    expect(Array.from(decodeRgb(encodePng({ width: 1, height: 1, channels: 4, data: Uint8Array.from([1, 2, 3, 4]) })).data)).toEqual([1, 2, 3]);
    // 0x1234 → 0x12 = 18, 0xFF00 → 255, 0x00FF → 0.
    expect(Array.from(decodeRgb(encodePng({ width: 1, height: 1, channels: 3, data: Uint16Array.from([0x1234, 0xff00, 0x00ff]) })).data)).toEqual([18, 255, 0]);
  });

  it('a 16-bit 3-channel label gives channel 0 as Uint16 ids (SYNTHIA style)', () => {
    const ids = decodeLabelIds(encodePng({ width: 2, height: 1, channels: 3, data: Uint16Array.from([21, 7, 0, 300, 1, 0]) }));
    expect(ids.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(ids.data)).toEqual([21, 300]);
  });

  it('labels must be PNG: a JPEG label is refused, naming the file', () => {
    const jpg = encodeJpeg({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(100) });
    expect(() => decodeLabelIds(jpg, 'x_label.jpg')).toThrow(/x_label\.jpg: label maps must be PNG \(JPEG is lossy\)/);
  });
});

describe('JPEG (user target sets)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-jpeg-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a flat 16×16 colour (200, 100, 50) at quality 95 decodes within ±3 per channel', () => {
    const data = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 256; i++) data.set([200, 100, 50], 3 * i);
    const f = path.join(dir, 'flat.jpg');
    fs.writeFileSync(f, encodeJpeg({ width: 16, height: 16, channels: 3, data }, 95));
    const img = readRgb(f);
    expect([img.width, img.height, img.channels]).toEqual([16, 16, 3]);
    for (let i = 0; i < 256; i++) {
      expect(Math.abs(img.data[3 * i] - 200)).toBeLessThanOrEqual(3);
      expect(Math.abs(img.data[3 * i + 1] - 100)).toBeLessThanOrEqual(3);
      expect(Math.abs(img.data[3 * i + 2] - 50)).toBeLessThanOrEqual(3);
    }
  });

  it('a truncated JPEG fails naming the file', () => {
    const data = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 37) & 255);
    const bytes = encodeJpeg({ width: 32, height: 32, channels: 3, data });
    const f = path.join(dir, 'cut.jpg');
    fs.writeFileSync(f, bytes.subarray(0, 200));
    expect(() => readJpeg(f)).toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}: corrupt or truncated JPEG`));
  });
});

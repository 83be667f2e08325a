import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { decode as fastPngDecode, encode as fastPngEncode } from 'fast-png';
import { decodePng, encodePng, PngDecodeError, readPng, writePngAtomic } from './png';

/** Deterministic pseudo-random samples (an LCG), so images exercise every filter. */
function samples(n: number, max: number, seed = 1): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.push((s >>> 8) % (max + 1));
  }
  return out;
}

/** Smooth gradient plus noise: rows where Sub/Up/Average/Paeth each win somewhere. */
function gradient(w: number, h: number, c: number, max: number): number[] {
  const noise = samples(w * h * c, 3);
  const out: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out.push(Math.min(max, Math.round(((x + y * (k + 1)) * max) / (w + h * c)) + noise[out.length]));
  return out;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'latin1');
  b.set(data, 8);
  b.writeUInt32BE(zlib.crc32(b.subarray(4, 8 + data.length)), 8 + data.length);
  return b;
}

/** Builds a PNG by hand from already-filtered scanlines (filter byte + row). */
function handPng(width: number, height: number, depth: number, colorType: number, filtered: number[], extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), ...extra, chunk('IDAT', zlib.deflateSync(Buffer.from(filtered))), chunk('IEND', new Uint8Array(0))]);
}

describe('decodePng against hand-built files', () => {
  it('gray 8-bit 3×2, row 0 Sub filter, row 1 Paeth filter (hand-computed)', () => {
    // Row 0 pixels 10, 30, 25 -> Sub residuals 10, 20, 251 (25-30 mod 256).
    // Row 1 pixels 12, 40, 20: Paeth predictors (a=left, b=up, c=up-left):
    //   x0: a=0,b=10,c=0 -> p=10 -> b=10, residual 2
    //   x1: a=12,b=30,c=10 -> p=32, |p-a|=20,|p-b|=2,|p-c|=22 -> b=30, residual 10
    //   x2: a=40,b=25,c=30 -> p=35, |p-a|=5,|p-b|=10,|p-c|=5 -> a=40, residual 236 (20-40 mod 256)
    const png = handPng(3, 2, 8, 0, [1, 10, 20, 251, 4, 2, 10, 236]);
    const d = decodePng(png);
    expect([d.width, d.height, d.channels, d.depth, d.colorType]).toEqual([3, 2, 1, 8, 'gray']);
    expect(Array.from(d.data)).toEqual([10, 30, 25, 12, 40, 20]);
  });

  it('gray 8-bit 2×2, row 1 Average filter (hand-computed)', () => {
    // Row 0 (Up on first row = None): 100, 50. Row 1 pixels 90, 80: Average (a+b)>>1:
    //   x0: (0+100)>>1=50, residual 40; x1: (90+50)>>1=70, residual 10.
    const png = handPng(2, 2, 8, 0, [2, 100, 50, 3, 40, 10]);
    expect(Array.from(decodePng(png).data)).toEqual([100, 50, 90, 80]);
  });

  it('palette 8-bit 4×1 keeps raw indices 0, 7, 33, 255 (a GTA5-style label row)', () => {
    const plte = Buffer.alloc(256 * 3, 9);
    const png = handPng(4, 1, 8, 3, [0, 0, 7, 33, 255], [chunk('PLTE', plte)]);
    const d = decodePng(png);
    expect(d.colorType).toBe('palette');
    expect(Array.from(d.data)).toEqual([0, 7, 33, 255]);
    expect(d.palette?.length).toBe(768);
  });

  it('palette 4-bit 3×1 unpacks nibbles 0xA, 0x3, 0xF to one index per byte', () => {
    const plte = Buffer.alloc(16 * 3, 1);
    // 3 pixels at 4 bits = 2 bytes: 0xA3, 0xF0.
    const d = decodePng(handPng(3, 1, 4, 3, [0, 0xa3, 0xf0], [chunk('PLTE', plte)]));
    expect(Array.from(d.data)).toEqual([10, 3, 15]);
    expect(d.fileDepth).toBe(4);
  });

  it('gray 16-bit 2×1 big-endian samples 0x1234, 0xFFFE -> 4660, 65534', () => {
    const d = decodePng(handPng(2, 1, 16, 0, [0, 0x12, 0x34, 0xff, 0xfe]));
    expect(d.depth).toBe(16);
    expect(d.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(d.data)).toEqual([4660, 65534]);
  });
});

describe('decodePng agrees with fast-png (reference decoder) on files fast-png encoded', () => {
  const cases: Array<[string, number, 8 | 16]> = [
    ['gray', 1, 8],
    ['gray-alpha', 2, 8],
    ['rgb', 3, 8],
    ['rgba', 4, 8],
    ['gray', 1, 16],
    ['rgb', 3, 16],
    ['rgba', 4, 16],
  ];
  it.each(cases)('%s channels=%d depth=%d 13×7', (_name, channels, depth) => {
    const values = samples(13 * 7 * channels, depth === 16 ? 65535 : 255, channels * depth);
    const data = depth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
    const png = fastPngEncode({ width: 13, height: 7, channels, depth, data });
    const d = decodePng(png);
    expect([d.width, d.height, d.channels, d.depth]).toEqual([13, 7, channels, depth]);
    expect(Array.from(d.data)).toEqual(values);
  });
});

describe('Adam7-interlaced files (fast-png fallback) keep exact samples', () => {
  it.each([
    [3, 8],
    [1, 16],
  ] as const)('channels=%d depth=%d 7×5 interlaced', (channels, depth) => {
    const values = samples(7 * 5 * channels, depth === 16 ? 65535 : 255, 5);
    const data = depth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
    const png = fastPngEncode({ width: 7, height: 5, channels, depth, data }, { interlace: 'Adam7' });
    expect(png[28]).toBe(1); // IHDR interlace byte
    const d = decodePng(png);
    expect([d.width, d.height, d.channels, d.depth]).toEqual([7, 5, channels, depth]);
    expect(d.data).toBeInstanceOf(depth === 16 ? Uint16Array : Uint8Array);
    expect(Array.from(d.data)).toEqual(values);
  });
});

describe('encodePng round-trips through fast-png (reference decoder)', () => {
  const cases: Array<[number, 8 | 16]> = [
    [1, 8],
    [2, 8],
    [3, 8],
    [4, 8],
    [1, 16],
    [3, 16],
  ];
  it.each(cases)('gradient image channels=%d depth=%d 17×9 (adaptive row filters)', (channels, depth) => {
    const values = gradient(17, 9, channels, depth === 16 ? 65535 : 255);
    const data = depth === 16 ? Uint16Array.from(values) : Uint8Array.from(values);
    const png = encodePng({ width: 17, height: 9, channels, data });
    const ref = fastPngDecode(png);
    expect([ref.width, ref.height, ref.channels, ref.depth]).toEqual([17, 9, channels, depth]);
    expect(Array.from(ref.data)).toEqual(values);
    expect(Array.from(decodePng(png).data)).toEqual(values);
  });

  it('palette PNG 5×3: fast-png reads back the same indices and palette', () => {
    const palette = Uint8Array.from(samples(34 * 3, 255, 7));
    const idx = Uint8Array.from(samples(15, 33, 3));
    const png = encodePng({ width: 5, height: 3, channels: 1, data: idx, palette });
    const ref = fastPngDecode(png);
    expect(ref.channels).toBe(1);
    expect(Array.from(ref.data)).toEqual(Array.from(idx));
    expect(ref.palette?.flat()).toEqual(Array.from(palette));
    expect(decodePng(png).colorType).toBe('palette');
  });

  it('rejects a palette index beyond the palette, naming it', () => {
    expect(() => encodePng({ width: 2, height: 1, channels: 1, data: Uint8Array.from([0, 2]), palette: [0, 0, 0, 1, 1, 1] })).toThrow(/index 2 .*2-entry palette/);
  });
});

describe('decode errors name the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-png-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const png = encodePng({ width: 40, height: 30, channels: 3, data: Uint8Array.from(samples(3600, 255)) });

  it('file cut in half -> truncated chunk, path in message', () => {
    const f = path.join(dir, 'half.png');
    fs.writeFileSync(f, png.subarray(0, png.length >> 1));
    expect(() => readPng(f)).toThrow(PngDecodeError);
    expect(() => readPng(f)).toThrow(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated PNG: chunk IDAT`));
  });

  it('file ending right before IEND -> truncated before IEND', () => {
    const f = path.join(dir, 'noiend.png');
    fs.writeFileSync(f, png.subarray(0, png.length - 12));
    expect(() => readPng(f)).toThrow(/noiend\.png: truncated PNG: file ends at byte \d+ before the IEND chunk/);
  });

  it('complete chunks but a short zlib stream -> truncated image data', () => {
    const rows = Buffer.alloc(4 * (1 + 4 * 3));
    const short = zlib.deflateSync(rows).subarray(0, 6);
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(4, 0);
    ihdr.writeUInt32BE(4, 4);
    ihdr[8] = 8;
    ihdr[9] = 2;
    const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const bytes = Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', short), chunk('IEND', new Uint8Array(0))]);
    expect(() => decodePng(bytes, 'short.png')).toThrow(/short\.png: (truncated PNG image data|corrupt PNG image data)/);
  });

  it('not a PNG, and a missing file', () => {
    const f = path.join(dir, 'text.png');
    fs.writeFileSync(f, 'hello, not an image');
    expect(() => readPng(f)).toThrow(/text\.png: not a PNG \(bad signature\)/);
    expect(() => readPng(path.join(dir, 'absent.png'))).toThrow(/absent\.png: cannot read file \(ENOENT\)/);
  });
});

describe('writePngAtomic', () => {
  it('creates parent folders, writes a readable file, leaves no temporary files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-png-'));
    const f = path.join(dir, 'a', 'b', 'label.png');
    writePngAtomic(f, { width: 3, height: 1, channels: 1, data: Uint8Array.from([7, 26, 255]) });
    expect(Array.from(fastPngDecode(fs.readFileSync(f)).data)).toEqual([7, 26, 255]);
    expect(fs.readdirSync(path.dirname(f))).toEqual(['label.png']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * PNG decoding against hostile files. Decompression bombs are refused from
 * the header (dims whose decoded size passes the cap) or while inflating
 * (image data inflating past what the header's size needs) — before the
 * memory is taken; generated files (valid PNGs of every colour type and
 * depth, then bit flips, truncations, lying chunk lengths, huge IHDR dims,
 * bomb IDATs) decode to exactly their size or fail with a PngDecodeError
 * naming the file, each within 2 s and a memory cap. SEMADAPT_FUZZ_CASES
 * sets the number of cases (default 300).
 */
import * as zlib from 'zlib';
import { decodePng, encodePng, PngDecodeError } from './png';
import { mulberry32 as rng } from '../random/rng';

const FILE = '/data/labels/fuzz.png';
const CASES = Number(process.env['SEMADAPT_FUZZ_CASES'] ?? 300);
const MB = 2 ** 20;

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG from its parts: IHDR fields and the (already deflated) image data. */
function png(width: number, height: number, depth: number, colorType: number, idat: Uint8Array, interlace = 0): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([depth, colorType, 0, 0, interlace], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

function growth(fn: () => void): number {
  const before = process.memoryUsage().arrayBuffers;
  fn();
  return process.memoryUsage().arrayBuffers - before;
}

function outcomeOf(bytes: Uint8Array): unknown {
  try {
    return decodePng(bytes, FILE);
  } catch (e) {
    return e;
  }
}

// 64 MiB of zeros deflate to ~64 KB: the image data of a bomb.
const BOMB_IDAT = zlib.deflateSync(Buffer.alloc(64 * MB), { level: 9 });

describe('PNG decompression bombs', () => {
  it('header dims 100000×100000 RGB (30 GB decoded) are refused from the header, naming the file, before inflating', () => {
    for (const interlace of [0, 1]) {
      let err: unknown;
      const grown = growth(() => {
        err = outcomeOf(png(100_000, 100_000, 8, 2, zlib.deflateSync(Buffer.alloc(1000)), interlace));
      });
      expect(err).toBeInstanceOf(PngDecodeError);
      expect((err as Error).message).toMatch(/^\/data\/labels\/fuzz\.png: PNG too large: 100000×100000 rgb 8-bit decodes to \d+ bytes/);
      expect(grown).toBeLessThan(4 * MB);
    }
  });

  it('a 64×64 gray PNG whose image data inflates to 64 MiB is refused without inflating it all', () => {
    expect(BOMB_IDAT.length).toBeLessThan(MB);
    let err: unknown;
    const grown = growth(() => {
      err = outcomeOf(png(64, 64, 8, 0, BOMB_IDAT));
    });
    expect(err).toBeInstanceOf(PngDecodeError);
    expect((err as Error).message).toMatch(/^\/data\/labels\/fuzz\.png: corrupt PNG image data: inflates to more than the 4160 bytes its 64×64 header needs/);
    expect(grown).toBeLessThan(8 * MB);
  });

  it('SEMADAPT_PNG_MAX_BYTES sets the cap (a 64×64 RGB image under a 1000-byte cap is refused)', () => {
    const ok = encodePng({ width: 64, height: 64, channels: 3, data: new Uint8Array(64 * 64 * 3) });
    process.env['SEMADAPT_PNG_MAX_BYTES'] = '1000';
    try {
      expect(() => decodePng(ok, FILE)).toThrow(/PNG too large: 64×64 rgb 8-bit decodes to 12352 bytes, more than the limit of 1000/);
    } finally {
      delete process.env['SEMADAPT_PNG_MAX_BYTES'];
    }
    expect(decodePng(ok, FILE).data.length).toBe(64 * 64 * 3);
  });
});

describe(`PNG decoding fuzz (${CASES} generated files)`, () => {
  function validPng(r: () => number): Uint8Array {
    const width = 1 + Math.floor(r() * 12);
    const height = 1 + Math.floor(r() * 12);
    const kind = Math.floor(r() * 4);
    if (kind === 0) {
      const entries = 1 + Math.floor(r() * 8);
      const palette = Array.from({ length: 3 * entries }, () => Math.floor(r() * 256));
      return encodePng({ width, height, channels: 1, data: new Uint8Array(width * height).map(() => Math.floor(r() * entries)), palette });
    }
    const channels = 1 + Math.floor(r() * 4);
    const data = kind === 1 ? new Uint16Array(width * height * channels).map(() => Math.floor(r() * 65536)) : new Uint8Array(width * height * channels).map(() => Math.floor(r() * 256));
    return encodePng({ width, height, channels, data });
  }

  function mutate(bytes: Uint8Array, r: () => number): Uint8Array {
    const out = Buffer.from(bytes);
    switch (Math.floor(r() * 7)) {
      case 0:
        return out;
      case 1:
        for (let k = 1 + Math.floor(r() * 4); k > 0; k--) out[8 + Math.floor(r() * (out.length - 8))] ^= 1 << Math.floor(r() * 8);
        return out;
      case 2:
        return out.subarray(0, Math.floor(r() * out.length));
      case 3:
        // IHDR width/height: huge or random.
        out.writeUInt32BE(r() < 0.5 ? 2 ** 31 - 1 : Math.floor(r() * 70_000), 16 + (r() < 0.5 ? 0 : 4));
        return out;
      case 4:
        // The first chunk after IHDR lies about its length.
        out.writeUInt32BE(Math.floor(r() * 2 ** 32), 33);
        return out;
      case 5: {
        // IHDR depth / colour type / interlace bytes.
        out[24 + Math.floor(r() * 5)] = Math.floor(r() * 256);
        return out;
      }
      default:
        return png(1 + Math.floor(r() * 64), 1 + Math.floor(r() * 64), 8, [0, 2, 6][Math.floor(r() * 3)], BOMB_IDAT, r() < 0.2 ? 1 : 0);
    }
  }

  it('every case decodes to exactly its size or throws a PngDecodeError naming the file, within 2 s and 16 MB + 8× its decoded size', () => {
    const failures: string[] = [];
    let decoded = 0;
    for (let c = 0; c < CASES; c++) {
      const r = rng(3000 + c);
      const bytes = mutate(validPng(r), r);
      const t0 = Date.now();
      let outcome: unknown;
      const grown = growth(() => {
        outcome = outcomeOf(bytes);
      });
      const ms = Date.now() - t0;
      let allowed = 16 * MB + 4 * bytes.length;
      if (outcome instanceof PngDecodeError) {
        if (!outcome.message.startsWith(`${FILE}: `)) failures.push(`case ${c}: ${outcome.message}`);
      } else if (outcome instanceof Error) {
        failures.push(`case ${c}: ${outcome.name}: ${outcome.message}`);
      } else {
        decoded++;
        const img = outcome as ReturnType<typeof decodePng>;
        if (img.data.length !== img.width * img.height * img.channels) failures.push(`case ${c}: ${img.data.length} samples for ${img.width}×${img.height}×${img.channels}`);
        allowed += 8 * img.data.byteLength;
      }
      if (grown > allowed) failures.push(`case ${c}: allocated ${grown} bytes (allowed ${allowed})`);
      if (ms > 2000) failures.push(`case ${c}: took ${ms} ms`);
    }
    expect(failures).toEqual([]);
    expect(decoded).toBeGreaterThan(CASES / 10);
    expect(decoded).toBeLessThan(CASES);
  });
});

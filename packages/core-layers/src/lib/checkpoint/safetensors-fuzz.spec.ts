/**
 * safetensors decoding against generated hostile files: valid files, then
 * byte flips, truncations, wrong header lengths and random headers (odd
 * dtypes, huge/negative/fractional dims and offsets, duplicate keys, BOMs,
 * surrogates, non-string metadata). Each must decode to tensors whose data
 * matches their shapes or fail with a `SafetensorsError` naming the file —
 * nothing else — within 2 s and without allocating more than 16 MB + 4× the
 * file. SEMADAPT_FUZZ_CASES sets the number of cases (default 400).
 */
import { decodeSafetensors, SafetensorsError } from './safetensors';
import { mulberry32 as rng } from '../../testing/mulberry32';

const FILE = '/weights/fuzz.safetensors';
const CASES = Number(process.env['SEMADAPT_FUZZ_CASES'] ?? 400);
const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function assemble(header: string | Uint8Array, data: Uint8Array, declared?: bigint): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A well-formed file: 1–3 tensors of random dtype and small shape, optional metadata. */
function validFile(r: () => number): { header: Record<string, unknown>; data: Uint8Array } {
  const dtypes = Object.keys(BYTES);
  const header: Record<string, unknown> = {};
  if (r() < 0.5) header['__metadata__'] = { format: 'pt', note: 'x'.repeat(Math.floor(r() * 5)) };
  let at = 0;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const dtype = dtypes[Math.floor(r() * dtypes.length)];
    const shape = Array.from({ length: Math.floor(r() * 3) }, () => Math.floor(r() * 4));
    const size = shape.reduce((a, d) => a * d, 1) * BYTES[dtype];
    header[`t${i}`] = { dtype, shape, data_offsets: [at, at + size] };
    at += size;
  }
  return { header, data: new Uint8Array(at).map(() => Math.floor(r() * 256)) };
}

const ODD_VALUES: unknown[] = [-1, 2 ** 31, 2 ** 53 + 2, 1e300, 0.5, null, 'x', true, [], {}, [2 ** 62, 2 ** 62]];

function randomCase(r: () => number): Uint8Array {
  const { header, data } = validFile(r);
  const kind = Math.floor(r() * 10);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const victim = header[names[Math.floor(r() * names.length)]] as Record<string, unknown>;
  const odd = () => ODD_VALUES[Math.floor(r() * ODD_VALUES.length)];
  switch (kind) {
    case 0:
      return assemble(JSON.stringify(header), data);
    case 1: {
      // Byte flips anywhere.
      const f = assemble(JSON.stringify(header), data);
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) f[Math.floor(r() * f.length)] ^= 1 << Math.floor(r() * 8);
      return f;
    }
    case 2: {
      const f = assemble(JSON.stringify(header), data);
      return f.slice(0, Math.floor(r() * f.length));
    }
    case 3:
      // A header length that lies (small, huge, or past the end).
      return assemble(JSON.stringify(header), data, [0n, 1n, 2n ** 63n, 99_999_999n, 2n ** 32n][Math.floor(r() * 5)]);
    case 4:
      victim['dtype'] = ['toString', '__proto__', 'constructor', 'F8', 'f32', 7, null][Math.floor(r() * 7)];
      return assemble(JSON.stringify(header), data);
    case 5:
      victim['shape'] = [odd(), Math.floor(r() * 3)];
      return assemble(JSON.stringify(header), data);
    case 6:
      victim['data_offsets'] = r() < 0.5 ? [odd(), odd()] : [0, 2 ** 40];
      return assemble(JSON.stringify(header), data);
    case 7: {
      // Text-level tricks JSON.stringify would never write.
      const text = JSON.stringify(header);
      const tricks = [
        '\ufeff' + text,
        text.replace(/"data_offsets":\[(\d+),(\d+)\]/, '"data_offsets":[$1.0,$2.0]'),
        text.replace('{', '{"__metadata__":{},"__metadata__":{},'),
        text.replace('"t0"', '"t\\ud800"'),
        text.replace('{', `{"t0":${JSON.stringify(victim)},`),
        text.replace(/"shape":\[/, '"shape":[1e1,'),
        `{"__metadata__":${'['.repeat(1000 + Math.floor(r() * 5000))}`,
      ];
      return assemble(tricks[Math.floor(r() * tricks.length)], data);
    }
    case 8:
      header['__metadata__'] = { k: odd() };
      return assemble(JSON.stringify(header), data);
    default: {
      // Random bytes after a plausible length.
      const junk = new Uint8Array(Math.floor(r() * 200)).map(() => Math.floor(r() * 256));
      return assemble(junk, data);
    }
  }
}

describe(`safetensors fuzz (${CASES} generated files)`, () => {
  it('every case decodes consistently or throws a SafetensorsError naming the file, within 2 s and 16 MB + 4× its size', () => {
    const failures: string[] = [];
    let decoded = 0;
    for (let c = 0; c < CASES; c++) {
      const r = rng(7000 + c);
      const bytes = randomCase(r);
      const before = process.memoryUsage().arrayBuffers;
      const t0 = Date.now();
      let outcome: unknown;
      try {
        outcome = decodeSafetensors(bytes, FILE);
      } catch (e) {
        outcome = e;
      }
      const ms = Date.now() - t0;
      const grown = process.memoryUsage().arrayBuffers - before;
      if (outcome instanceof SafetensorsError) {
        if (!outcome.message.startsWith(`${FILE}: `)) failures.push(`case ${c}: message does not name the file: ${outcome.message}`);
      } else if (outcome instanceof Error) {
        failures.push(`case ${c}: ${outcome.name}: ${outcome.message}`);
      } else {
        decoded++;
        const { tensors } = outcome as ReturnType<typeof decodeSafetensors>;
        for (const [name, t] of tensors) {
          const numel = t.shape.reduce((a, d) => a * d, 1);
          if (t.data.length !== numel) failures.push(`case ${c}: '${name}' holds ${t.data.length} values for shape [${t.shape}]`);
        }
      }
      if (grown > 16 * 2 ** 20 + 4 * bytes.length) failures.push(`case ${c}: allocated ${grown} bytes for a ${bytes.length}-byte file`);
      if (ms > 2000) failures.push(`case ${c}: took ${ms} ms`);
    }
    expect(failures).toEqual([]);
    expect(decoded).toBeGreaterThan(CASES / 20);
    expect(decoded).toBeLessThan(CASES);
  });
});

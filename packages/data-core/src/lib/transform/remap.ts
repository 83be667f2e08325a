/**
 * Label remapping by lookup table: dataset ids → trainIds (255 ignore).
 * 8-bit ids use a 256-entry table, 16-bit ids (SYNTHIA) a 65536-entry one.
 */
import type { Image, LabelMap } from '../image/image';

/**
 * The trainId that means "ignore" (SPEC §5, §6): @semadapt/labels' `IGNORE_LABEL`,
 * restated because this file runs in the decode workers, which load only
 * data-core's relative imports when run from source (worker-pool.ts); a spec
 * checks the two agree.
 */
export const IGNORE_ID = 255;

/** Builds a lookup table of `size` entries (256 or 65536): `mapping[id]` where given, else 255. */
export function buildLut(mapping: Readonly<Record<number, number>>, size: 256 | 65536): Uint8Array {
  const lut = new Uint8Array(size).fill(IGNORE_ID);
  for (const [from, to] of Object.entries(mapping)) {
    const id = Number(from);
    if (!Number.isInteger(id) || id < 0 || id >= size) throw new RangeError(`buildLut: id ${from} outside 0..${size - 1}`);
    if (!Number.isInteger(to) || to < 0 || to > 255) throw new RangeError(`buildLut: target ${to} for id ${from} outside 0..255`);
    lut[id] = to;
  }
  return lut;
}

/** Maps every id of a one-channel label through `lut` to a uint8 label map. */
export function remapLabel(label: Image<Uint8Array | Uint16Array>, lut: Uint8Array): LabelMap {
  if (label.channels !== 1) throw new RangeError(`remapLabel: labels have 1 channel, got ${label.channels}`);
  const n = label.data.length;
  const out = new Uint8Array(n);
  const src = label.data;
  const size = lut.length;
  for (let i = 0; i < n; i++) {
    const id = src[i];
    if (id >= size) throw new RangeError(`remapLabel: id ${id} at pixel ${i} is outside the ${size}-entry table`);
    out[i] = lut[id];
  }
  return { width: label.width, height: label.height, channels: 1, data: out };
}

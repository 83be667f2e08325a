/**
 * The MirrorPad gradient as one kernel, for the wasm, cpu and native backends: each
 * element of dy (the padded shape) is added onto the input element it was
 * copied from. Composed from tfjs ops (composed-kernels.ts, for other backends) the
 * fold costs a slice, reverse, pad and add per padded side — ~0.5 s of a
 * full-width translator step, where every conv is reflect-padded (SPEC §2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, type MemoryBackend } from './backend-memory';

export const MIRROR_PAD_FOLD = 'SemadaptMirrorPadFold';

export interface MirrorPadFoldAttrs {
  paddings: [number, number][];
  mode: 'reflect' | 'symmetric';
  xShape: number[];
}

/** For one axis: padded index → index of the input element it copies. */
function sourceIndex(before: number, n: number, after: number, mode: MirrorPadFoldAttrs['mode']): Int32Array {
  const shift = mode === 'reflect' ? 1 : 0;
  const map = new Int32Array(before + n + after);
  for (let p = 0; p < map.length; p++) {
    if (p < before) map[p] = before - p - 1 + shift;
    else if (p < before + n) map[p] = p - before;
    else map[p] = n - 1 - shift - (p - before - n);
  }
  return map;
}

/** out[src(i)] += dy[i] over the padded index space, with the ranks padded to 4. */
export function foldMirrorPad(dy: Float32Array, out: Float32Array, attrs: MirrorPadFoldAttrs): void {
  const lead = 4 - attrs.xShape.length;
  const xs = [...new Array(lead).fill(1), ...attrs.xShape];
  const pads: [number, number][] = [...new Array(lead).fill([0, 0]), ...attrs.paddings];
  const maps = xs.map((n, a) => sourceIndex(pads[a][0], n, pads[a][1], attrs.mode));
  const [m0, m1, m2, m3] = maps;
  const s0 = xs[1] * xs[2] * xs[3];
  const s1 = xs[2] * xs[3];
  const s2 = xs[3];
  out.fill(0);
  let i = 0;
  for (let a = 0; a < m0.length; a++) {
    const o0 = m0[a] * s0;
    for (let b = 0; b < m1.length; b++) {
      const o1 = o0 + m1[b] * s1;
      for (let c = 0; c < m2.length; c++) {
        const o2 = o1 + m2[c] * s2;
        for (let d = 0; d < m3.length; d++) out[o2 + m3[d]] += dy[i++];
      }
    }
  }
}

function foldKernel(backendName: MemoryBackend): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy } = inputs as { dy: tf.TensorInfo };
    const a = attrs as unknown as MirrorPadFoldAttrs;
    if (dy.shape.length > 4) throw new Error(`${MIRROR_PAD_FOLD}: rank ${dy.shape.length} > 4`);
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    const out = mem.alloc(a.xShape);
    foldMirrorPad(mem.read(dy), out.view(), a);
    return out.info;
  };
}

/** The fold kernel (a JS loop over the backend's tensor memory) for `backendName`. */
export function mirrorPadFoldConfig(backendName: MemoryBackend): tf.KernelConfig {
  return { kernelName: MIRROR_PAD_FOLD, backendName, kernelFunc: foldKernel(backendName) };
}

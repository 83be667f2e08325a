/**
 * The save-little ops (affine-ops.ts, reflectPad): values and gradients of
 * L = Σ out·r against the closed forms computed in float64 here (the
 * independent reference), on every test backend; and what the gradient tape
 * keeps for the backward pass, counted on the engine's tape, against what the
 * same expression composed from tfjs ops keeps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { addSameShape, channelAffine, spadeModulate } from './affine-ops';
import { reflectPad } from './padding';

/** The engine's gradient tape (public fields of tfjs-core's Engine, untyped in its API). */
interface TapeEngine {
  state: { activeTape: Array<{ saved?: tf.Tensor[] }> | null };
  startTape(): void;
  endTape(): void;
}

/** Bytes of distinct tensor data the tape saves for the backward pass while `f` runs (inputs excluded). */
function tapeSavedBytes(f: () => tf.Tensor, inputs: tf.Tensor[]): number {
  const eng = tf.engine() as unknown as TapeEngine;
  eng.startTape();
  try {
    const y = tf.tidy(f);
    y.dispose();
    const inputIds = new Set(inputs.map((t) => t.dataId));
    const seen = new Set<unknown>();
    let bytes = 0;
    for (const node of eng.state.activeTape ?? []) {
      for (const t of node.saved ?? []) {
        if (!seen.has(t.dataId) && !inputIds.has(t.dataId)) bytes += t.size * 4;
        seen.add(t.dataId);
        t.dispose();
      }
    }
    return bytes;
  } finally {
    eng.endTape();
    eng.state.activeTape = null;
  }
}

const values = (n: number, seed: number) => new Rng(seed).normalArray(n);

describe.each(testBackends())('save-little ops on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  const shape: [number, number, number, number] = [2, 3, 4, 5];
  const size = shape.reduce((a, b) => a * b, 1);
  const [nv, gv, bv, rv] = [1, 2, 3, 4].map((s) => values(size, s));

  it('spadeModulate: n·(1+γ)+β and its gradients ((1+γ)·r, n·r, r)', () => {
    const [n, g, b, r] = [nv, gv, bv, rv].map((v) => tf.tensor4d(v, shape));
    const f = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(spadeModulate(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor4D), r)));
    const [dn, dg, db] = f([n, g, b]);
    const y = spadeModulate(n, g, b);
    expectAllClose(y, nv.map((x, i) => x * (1 + gv[i]) + bv[i]), { atol: 1e-6 });
    expectAllClose(dn, rv.map((x, i) => x * (1 + gv[i])), { atol: 1e-6 });
    expectAllClose(dg, rv.map((x, i) => x * nv[i]), { atol: 1e-6 });
    expectAllClose(db, rv, { atol: 0 });
    tf.dispose([n, g, b, r, dn, dg, db, y]);
  });

  it('channelAffine: y·s+b per channel and its gradients (s·r, Σ y·r, Σ r)', () => {
    const c = shape[3];
    const sv = values(c, 5);
    const hv = values(c, 6);
    const [y, r] = [nv, rv].map((v) => tf.tensor4d(v, shape));
    const [s, h] = [tf.tensor1d(sv), tf.tensor1d(hv)];
    const f = tf.grads((a: tf.Tensor, p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(channelAffine(a as tf.Tensor4D, p as tf.Tensor1D, q as tf.Tensor1D), r)));
    const [dy, ds, dh] = f([y, s, h]);
    const out = channelAffine(y, s, h);
    expectAllClose(out, nv.map((x, i) => x * sv[i % c] + hv[i % c]), { atol: 1e-6 });
    expectAllClose(dy, rv.map((x, i) => x * sv[i % c]), { atol: 1e-6 });
    const sumYr = new Array(c).fill(0);
    const sumR = new Array(c).fill(0);
    rv.forEach((x, i) => {
      sumYr[i % c] += x * nv[i];
      sumR[i % c] += x;
    });
    expectAllClose(ds, sumYr, { atol: 1e-5 });
    expectAllClose(dh, sumR, { atol: 1e-5 });
    expect(() => channelAffine(y, tf.tensor1d([1, 2]), h)).toThrow(/scale and shift must be \[5\]/);
    tf.dispose([y, r, s, h, dy, ds, dh, out]);
  });

  it('addSameShape: a+b, gradient r for both; refuses different shapes', () => {
    const [a, b, r] = [nv, bv, rv].map((v) => tf.tensor4d(v, shape));
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(addSameShape(p, q), r)))([a, b]);
    expectAllClose(addSameShape(a, b), nv.map((x, i) => x + bv[i]), { atol: 1e-6 });
    expectAllClose(da, rv, { atol: 0 });
    expectAllClose(db, rv, { atol: 0 });
    expect(() => addSameShape(a, tf.zeros([2, 3, 4, 1]))).toThrow(/shapes \[2,3,4,5\] and \[2,3,4,1\] differ/);
    tf.dispose([a, b, r, da, db]);
  });

  it('the tape keeps nothing beyond their inputs for these ops; the composed forms keep one or two more full tensors', () => {
    const [n, g, b] = [nv, gv, bv].map((v) => tf.tensor4d(v, shape));
    const [s, h] = [tf.ones([shape[3]]), tf.zeros([shape[3]])] as tf.Tensor1D[];
    const full = size * 4;
    // Inputs count as already held by their owners; what matters is what the op adds.
    expect(tapeSavedBytes(() => spadeModulate(n, g, b), [n, g, b])).toBe(0);
    expect(tapeSavedBytes(() => tf.add(tf.mul(n, tf.add(g, 1)), b), [n, g, b])).toBeGreaterThanOrEqual(2 * full); // 1+γ and n·(1+γ) (and the scalar 1)
    expect(tapeSavedBytes(() => channelAffine(n, s, h), [n, s, h])).toBe(0);
    expect(tapeSavedBytes(() => tf.add(tf.mul(n, s), h), [n, s, h])).toBe(full); // y·s, kept by Add
    expect(tapeSavedBytes(() => addSameShape(tf.relu(n), g), [n, g])).toBe(0); // relu's input n is an input
    expect(tapeSavedBytes(() => tf.add(tf.relu(n), g), [n, g])).toBe(full); // relu(n), kept by Add
    expect(tapeSavedBytes(() => reflectPad(tf.relu(n), { top: 1, bottom: 1, left: 1, right: 1 }), [n])).toBe(0);
    expect(tapeSavedBytes(() => tf.mirrorPad(tf.relu(n), [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect'), [n])).toBe(full); // relu(n), kept by MirrorPad
    tf.dispose([n, g, b, s, h]);
  });

  it('reflectPad: gradient folds the reflected border back (hand reference on a 1×3×3×1 map)', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const pads = { top: 1, bottom: 1, left: 1, right: 1 };
    const dx = tf.grad((a: tf.Tensor) => tf.sum(reflectPad(a as tf.Tensor4D, pads)))(x);
    // Reflect pad 1 of 3 rows gives rows [1, 0, 1, 2, 1]: row 1 appears 3 times, rows 0 and 2 once; columns alike.
    const perAxis = [1, 3, 1];
    expectAllClose(dx, [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => perAxis[i] * perAxis[j])), { atol: 0 });
    tf.dispose([x, dx]);
  });
});

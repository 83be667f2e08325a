/**
 * `channelAffineActivation` (affine-ops.ts): act(z·scale + shift) and the
 * gradients of L = Σ out·r against closed forms computed in float64 here,
 * for ReLU and linear, with and without gradients in scale and shift, on
 * every test backend; and what the tape keeps (scale, y with ReLU, z only
 * with affine gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { channelAffineActivation, type AffineActivation } from './affine-ops';

/** What the tape keeps while `f` runs: each saved tensor named by the data it shares (`named`, or `y`: f's output). */
function savedData(f: () => tf.Tensor, named: Record<string, tf.Tensor>): string[] {
  const eng = tf.engine() as unknown as { state: { activeTape: Array<{ saved?: tf.Tensor[] }> | null }; startTape(): void; endTape(): void };
  eng.startTape();
  try {
    const y = tf.tidy(f);
    const names = new Map<unknown, string>([[y.dataId, 'y'], ...Object.entries(named).map(([k, t]) => [t.dataId, k] as [unknown, string])]);
    const out = new Set<string>();
    for (const node of eng.state.activeTape ?? []) {
      for (const t of node.saved ?? []) {
        out.add(names.get(t.dataId) ?? `other [${t.shape}]`);
        t.dispose();
      }
    }
    y.dispose();
    return [...out].sort();
  } finally {
    eng.endTape();
    eng.state.activeTape = null;
  }
}

describe.each(testBackends())('channelAffineActivation on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  const shape: [number, number, number, number] = [2, 3, 4, 5];
  const c = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(11);
  const zv = rng.normalArray(size);
  const rv = rng.normalArray(size);
  const sv = rng.normalArray(c);
  const hv = rng.normalArray(c);

  /** Closed forms: pre = z·s + h; y = act(pre); g = r·act'(pre); dz = g·s; ds = Σ g·z; dh = Σ g. */
  const closedForm = (act: AffineActivation) => {
    const pre = zv.map((z, i) => z * sv[i % c] + hv[i % c]);
    const on = pre.map((p) => (act === 'linear' || p > 0 ? 1 : 0));
    const g = rv.map((r, i) => r * on[i]);
    const ds = new Array(c).fill(0);
    const dh = new Array(c).fill(0);
    g.forEach((gi, i) => {
      ds[i % c] += gi * zv[i];
      dh[i % c] += gi;
    });
    return { y: Array.from(pre, (p, i) => p * on[i]), dz: Array.from(g, (gi, i) => gi * sv[i % c]), ds, dh };
  };

  it.each(['relu', 'linear'] as const)('%s: values and the gradients in z, scale and shift', (act) => {
    const [z, r] = [zv, rv].map((v) => tf.tensor4d(v, shape));
    const [s, h] = [sv, hv].map((v) => tf.tensor1d(v));
    const expected = closedForm(act);
    const y = channelAffineActivation(z, s, h, act);
    const [dz, ds, dh] = tf.grads((a: tf.Tensor, p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(channelAffineActivation(a as tf.Tensor4D, p as tf.Tensor1D, q as tf.Tensor1D, act), r)))([z, s, h]);
    expectAllClose(y, expected.y, { atol: 1e-6 });
    expectAllClose(dz, expected.dz, { atol: 1e-6 });
    expectAllClose(ds, expected.ds, { atol: 1e-5 });
    expectAllClose(dh, expected.dh, { atol: 1e-5 });
    tf.dispose([z, r, s, h, y, dz, ds, dh]);
  });

  it.each(['relu', 'linear'] as const)('%s without affine gradients: the same values and dz; scale and shift are constants of the op', (act) => {
    const [z, r] = [zv, rv].map((v) => tf.tensor4d(v, shape));
    const [s, h] = [sv, hv].map((v) => tf.tensor1d(v));
    const expected = closedForm(act);
    const f = (a: tf.Tensor) => tf.sum(tf.mul(channelAffineActivation(a as tf.Tensor4D, s, h, act, { affineGradients: false }), r));
    const dz = tf.grad(f)(z);
    const y = channelAffineActivation(z, s, h, act, { affineGradients: false });
    expectAllClose(y, expected.y, { atol: 1e-6 });
    expectAllClose(dz, expected.dz, { atol: 1e-6 });
    expect(() => tf.grad((p: tf.Tensor) => tf.sum(channelAffineActivation(z, p as tf.Tensor1D, h, act, { affineGradients: false })))(s)).toThrow(/Cannot compute gradient/);
    tf.dispose([z, r, s, h, y, dz]);
  });

  it('keeps scale, y with ReLU, and z only with affine gradients (never the pre-activation)', () => {
    const z = tf.tensor4d(zv, shape);
    const [scale, shift] = [sv, hv].map((v) => tf.tensor1d(v));
    const saved = (act: AffineActivation, affineGradients: boolean) => savedData(() => channelAffineActivation(z, scale, shift, act, { affineGradients }), { z, scale, shift });
    expect(saved('linear', false)).toEqual(['scale']);
    expect(saved('relu', false)).toEqual(['scale', 'y']);
    expect(saved('linear', true)).toEqual(['scale', 'z']);
    expect(saved('relu', true)).toEqual(['scale', 'y', 'z']);
    tf.dispose([z, scale, shift]);
  });

  it('refuses scale or shift not [C]', () => {
    const z = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const bad = tf.zeros([4]) as tf.Tensor1D;
    const ok = tf.zeros([3]) as tf.Tensor1D;
    expect(() => channelAffineActivation(z, bad, ok)).toThrow(/channelAffineActivation: scale and shift must be \[3\], received \[4\] and \[3\]/);
    tf.dispose([z, bad, ok]);
  });
});

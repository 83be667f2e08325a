/**
 * SpectralNorm's weight gradient (one fused kernel in its backward) against
 * central finite differences of L(W) = Σ conv(x; W/σ(W)) ⊙ r, on every test backend,
 * for both weight layouts — Conv2d's HWIO (out axis 3) and ConvTranspose2d's
 * [kh, kw, out, in] (out axis 2) — odd sizes, and 1×1 kernels with one input
 * channel (the weight viewed as [pre, rows, post] with pre = post = 1).
 *
 * Eval mode: σ = uᵀWv from the stored u, v (converged by training forwards
 * first), which stay put between the finite-difference evaluations. A training forward differentiates with its
 * updated u, v held constant, i.e. exactly the eval function at the u, v it
 * wrote back: that is checked against finite differences too.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, expectNoTensorLeak, numericGradient, setTestBackend, testBackends } from '../../testing';
import { Rng } from '../init/rng';
import { Conv2d } from './conv2d';
import { ConvTranspose2d } from './conv-transpose2d';
import { SpectralNorm } from './spectral-norm';

interface Case {
  name: string;
  make: () => SpectralNorm;
  /** A one-column weight matrix: the first power iteration lands on the exact u, v, which then stay put. */
  oneColumn?: boolean;
}

const rng = (seed: number) => new Rng(seed);

const CASES: Case[] = [
  { name: 'conv in=3 out=5 k=3 (HWIO [3,3,3,5])', make: () => new SpectralNorm(new Conv2d({ inChannels: 3, outChannels: 5, kernelSize: 3, rng: rng(1) }), { rng: rng(2) }) },
  { name: 'conv in=2 out=3 k=(3,2)', make: () => new SpectralNorm(new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: [3, 2], rng: rng(3) }), { rng: rng(4) }) },
  { name: 'conv 1×1 in=1 out=5 (pre = post = 1)', make: () => new SpectralNorm(new Conv2d({ inChannels: 1, outChannels: 5, kernelSize: 1, rng: rng(5) }), { rng: rng(6) }), oneColumn: true },
  { name: 'convT in=3 out=4 k=3 ([3,3,4,3])', make: () => new SpectralNorm(new ConvTranspose2d({ inChannels: 3, outChannels: 4, kernelSize: 3, stride: 2, rng: rng(7) }), { rng: rng(8) }) },
  { name: 'convT in=5 out=2 k=(2,3)', make: () => new SpectralNorm(new ConvTranspose2d({ inChannels: 5, outChannels: 2, kernelSize: [2, 3], rng: rng(9) }), { rng: rng(10) }) },
  { name: 'convT 1×1 in=1 out=3 (pre = post = 1)', make: () => new SpectralNorm(new ConvTranspose2d({ inChannels: 1, outChannels: 3, kernelSize: 1, rng: rng(11) }), { rng: rng(12) }), oneColumn: true },
];

/** L(W) = Σ forward(x) ⊙ r with the module's weight set to `w`. */
function lossAt(sn: SpectralNorm, x: tf.Tensor4D, r: tf.Tensor, w: tf.Tensor): tf.Scalar {
  sn.module.weight.assign(w);
  return tf.sum(tf.mul(sn.forward(x), r));
}

/** dL/dW of a forward in the module's current mode (training updates u, v), then finite differences of L in eval mode. */
function gradients(sn: SpectralNorm, x: tf.Tensor4D, r: tf.Tensor): { analytic: tf.Tensor; numeric: tf.Tensor } {
  const weight = sn.module.weight;
  const w0 = weight.clone();
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(sn.forward(x), r)) as tf.Scalar, [weight]);
  value.dispose();
  sn.eval();
  const numeric = numericGradient((w) => lossAt(sn, x, r, w), w0, 1e-2);
  weight.assign(w0);
  w0.dispose();
  return { analytic: grads[weight.name], numeric };
}

describe.each(testBackends())('SpectralNorm weight gradient on %s', (backend) => {
  beforeAll(async () => {
    await setTestBackend(backend);
  });

  it.each(CASES)('$name: eval = finite differences; training (u, v updated) = finite differences at the written u, v', async ({ make, oneColumn }) => {
    const sn = make();
    await expectNoTensorLeak(() => {
      const cin = sn.module.weight.shape[sn.module.outFirstPerm[1]];
      const x = tf.tensor4d(new Rng(14).normalArray(2 * 4 * 5 * cin), [2, 4, 5, cin]);
      const powerIterations = (k: number) => {
        for (let i = 0; i < k; i++) tf.tidy(() => void sn.forward(x));
      };
      // A few power iterations first: with the random initial u, v, σ = uᵀWv may be near 0 and W/σ far from linear over ±ε.
      powerIterations(4);
      const yShape = tf.tidy(() => sn.forward(x).shape);
      const r = tf.tensor(new Rng(13).normalArray(yShape.reduce((p, d) => p * d, 1)), yShape);
      const tol = { atol: 2e-3, rtol: 2e-3 };
      // Training forward (u, v not converged yet, so they move), then finite differences at the u, v it wrote.
      const u0 = Array.from(sn.u.dataSync());
      sn.train();
      const trainGrads = gradients(sn, x, r);
      if (oneColumn) expectAllClose(sn.u, u0, { atol: 1e-6, rtol: 1e-6 });
      else expect(Array.from(sn.u.dataSync())).not.toEqual(u0);
      expectAllClose(trainGrads.analytic, trainGrads.numeric, { ...tol, label: 'training' });
      // Eval at converged u, v.
      sn.train();
      powerIterations(30);
      sn.eval();
      const evalGrads = gradients(sn, x, r);
      expectAllClose(evalGrads.analytic, evalGrads.numeric, { ...tol, label: 'eval' });
      tf.dispose([x, r, evalGrads.analytic, evalGrads.numeric, trainGrads.analytic, trainGrads.numeric]);
    });
    sn.dispose();
  });
});

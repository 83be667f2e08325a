/**
 * One parameter's Adam or SGD update as one kernel, for the wasm and cpu
 * backends. Composed from tfjs ops an Adam update is 11 passes over the
 * weight (scale, add, square, sqrt, divide… each its own kernel); the
 * translator updates ~49M weights per step (SPEC §2), so on single-threaded
 * wasm those passes cost ~0.6 s a step. Here it is one pass reading
 * parameter, gradient and moments and writing their new values (the
 * optimizer assigns the outputs).
 *
 * With the attr `inPlace` (the caller assigns the outputs back to p and its
 * moments, as the optimizers do) the native backend writes into p's and the
 * moments' own arrays when nothing else can see them — no other tensor
 * shares their data (a clone, a reshape) and no array was handed out
 * (`dataSync`, e.g. a checkpoint being written) — and returns those tensors'
 * data: no new arrays, one pass fewer over memory. Otherwise, and on every
 * other backend, the kernel is pure.
 *
 * The arithmetic is `torch.optim`'s (see adam.ts, sgd.ts), in float64 per
 * element, rounded once to float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendMemory, type MemoryBackend } from './backend-memory';
import { retireTensorToken } from './tensor-tokens';

export const ADAM_UPDATE = 'SemadaptAdamUpdate';
export const SGD_UPDATE = 'SemadaptSgdUpdate';

/** Adam's scalars for one parameter at its step t. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** Coupled L2 coefficient (`g + weightDecay·p`). */
  weightDecay: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** √(1 − β2^t). */
  bias2Sqrt: number;
  /** p, m, v may be updated in place (native backend, when nothing else sees them). */
  inPlace?: boolean;
}

/** p, m, v ← Adam(p, g, m, v) into fresh arrays (every element written). */
export function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamUpdateAttrs, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array): void {
  const { beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt } = a;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + weightDecay * p[i];
    const mi = beta1 * m[i] + c1 * gi;
    const vi = beta2 * v[i] + c2 * gi * gi;
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = p[i] - (stepSize * mi) / (Math.sqrt(vi) / bias2Sqrt + eps);
  }
}

/** SGD's scalars (`momentum` 0: plain SGD, no buffer). */
export interface SgdUpdateAttrs {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** p and b may be updated in place (native backend, when nothing else sees them). */
  inPlace?: boolean;
}

/** p (and the momentum buffer b, when momentum > 0) ← SGD(p, g, b) into fresh arrays (every element written). */
export function sgdUpdate(p: Float32Array, g: Float32Array, b: Float32Array | null, a: SgdUpdateAttrs, pOut: Float32Array, bOut: Float32Array | null): void {
  const { lr, momentum, nesterov, weightDecay } = a;
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + weightDecay * p[i];
    if (b && bOut) {
      const bi = momentum * b[i] + d;
      bOut[i] = bi;
      d = nesterov ? d + momentum * bi : bi;
    }
    pOut[i] = p[i] - lr * d;
  }
}

/** The array math behind the kernels: these JS loops, or the native addon's (native-kernels.ts). */
export interface OptimizerMath {
  adamUpdate: typeof adamUpdate;
  sgdUpdate: typeof sgdUpdate;
}

export const JS_OPTIMIZER_MATH: OptimizerMath = { adamUpdate, sgdUpdate };

/** What of the native backend an in-place update checks (its documented-in-source fields; duck-typed). */
type InPlaceBackend = {
  arrays?: { isPrivate(values: unknown): boolean };
  refCount(dataId: tf.DataId): number;
  incRef(dataId: tf.DataId): void;
  data: { get(dataId: tf.DataId): { values: unknown } };
};

/**
 * The arrays of `targets` when the kernel may overwrite them: each tensor
 * data held by one tensor only, its array private to it (native backend:
 * tensor-arrays.ts), all distinct, none of them `read` (the gradient). Else
 * null: the kernel writes new arrays.
 */
function inPlaceArrays(backend: tf.KernelBackend, targets: tf.TensorInfo[], read: tf.TensorInfo): Float32Array[] | null {
  const b = backend as unknown as InPlaceBackend;
  if (!b.arrays) return null;
  const arrays: Float32Array[] = [];
  for (const t of targets) {
    if (t.dtype !== 'float32' || t.dataId === read.dataId || b.refCount(t.dataId) !== 1) return null;
    const values = b.data.get(t.dataId).values;
    if (!(values instanceof Float32Array) || !b.arrays.isPrivate(values) || arrays.some((a) => a.buffer === values.buffer)) return null;
    arrays.push(values);
  }
  return arrays;
}

/**
 * `targets` themselves as the kernel's outputs (each data gains the reference
 * its output tensor will hold). Their contents changed under the same dataId:
 * their tokens are retired, so no convolution reuses a copy of the old values.
 */
function sameTensors(backend: tf.KernelBackend, targets: tf.TensorInfo[]): tf.TensorInfo[] {
  return targets.map((t) => {
    retireTensorToken(t.dataId);
    (backend as unknown as InPlaceBackend).incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  });
}

/** The two kernels of one backend over `math`. */
export function optimizerKernelConfigs(backendName: MemoryBackend, math: OptimizerMath = JS_OPTIMIZER_MATH): tf.KernelConfig[] {
  const adam: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    const own = attrs?.['inPlace'] && backendName === 'native' ? inPlaceArrays(backend as tf.KernelBackend, [p, m, v], g) : null;
    if (own) {
      math.adamUpdate(own[0], mem.read(g), own[1], own[2], attrs as unknown as AdamUpdateAttrs, own[0], own[1], own[2]);
      return sameTensors(backend as tf.KernelBackend, [p, m, v]);
    }
    // Every loop writes every element: no zero fill (cpu, native; wasm never fills).
    const alloc = (shape: number[]) => mem.alloc(shape, true);
    const outs = [alloc(p.shape), alloc(p.shape), alloc(p.shape)];
    math.adamUpdate(mem.read(p), mem.read(g), mem.read(m), mem.read(v), attrs as unknown as AdamUpdateAttrs, outs[0].view(), outs[1].view(), outs[2].view());
    return outs.map((o) => o.info);
  };
  const sgd: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { p, g, b } = inputs as Record<'p' | 'g', tf.TensorInfo> & { b?: tf.TensorInfo };
    const mem = backendMemory(backend as tf.KernelBackend, backendName);
    const targets = b ? [p, b] : [p];
    const own = attrs?.['inPlace'] && backendName === 'native' ? inPlaceArrays(backend as tf.KernelBackend, targets, g) : null;
    if (own) {
      math.sgdUpdate(own[0], mem.read(g), own[1] ?? null, attrs as unknown as SgdUpdateAttrs, own[0], own[1] ?? null);
      return sameTensors(backend as tf.KernelBackend, targets);
    }
    // Every loop writes every element: no zero fill (cpu, native; wasm never fills).
    const alloc = (shape: number[]) => mem.alloc(shape, true);
    const pOut = alloc(p.shape);
    const bOut = b ? alloc(p.shape) : null;
    math.sgdUpdate(mem.read(p), mem.read(g), b ? mem.read(b) : null, attrs as unknown as SgdUpdateAttrs, pOut.view(), bOut ? bOut.view() : null);
    return bOut ? [pOut.info, bOut.info] : [pOut.info];
  };
  return [
    { kernelName: ADAM_UPDATE, backendName, kernelFunc: adam },
    { kernelName: SGD_UPDATE, backendName, kernelFunc: sgd },
  ];
}

/** [p, m, v] after one Adam update. Not differentiable. */
export function fusedAdamUpdate(p: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamUpdateAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM_UPDATE, { p, g, m, v }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** [p] or [p, buffer] after one SGD update. Not differentiable. */
export function fusedSgdUpdate(p: tf.Tensor, g: tf.Tensor, b: tf.Tensor | null, attrs: SgdUpdateAttrs): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = b ? { p, g, b } : { p, g };
  return tf.engine().runKernel(SGD_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

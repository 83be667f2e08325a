/**
 * Tokens naming tensor contents, for caches that keep a reordered copy of a
 * tensor between kernels (the native convolutions: a backward primitive
 * reads the forward's blocked copy of x or of the filter when the tokens
 * match). tfjs tensors are immutable and every new tensor gets a new
 * `dataId`, so a token per dataId names one content — except where a kernel
 * writes a tensor's data in place (the optimizers' in-place update,
 * optimizer-kernels.ts): that kernel retires the token, and the next use
 * gets a fresh one, so no cache can match the old contents.
 */
import type * as tf from '@tensorflow/tfjs-core';

const tokens = new WeakMap<object, number>();
let lastToken = 0;

/** A number > 0 naming the current contents of `t`'s data; never reused. */
export function tensorToken(t: tf.TensorInfo): number {
  let k = tokens.get(t.dataId);
  if (k === undefined) {
    k = ++lastToken;
    tokens.set(t.dataId, k);
  }
  return k;
}

/** The data of `dataId` was written in place: its contents get a new token on next use. */
export function retireTensorToken(dataId: tf.DataId): void {
  tokens.delete(dataId as object);
}

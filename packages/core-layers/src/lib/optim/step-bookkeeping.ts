/**
 * The tensor bookkeeping of a training step, in one place, for trainers that
 * run several gradient passes per step (a GAN's generator and discriminator
 * updates, a two-direction translator): tensors a loss function computes that
 * the step still needs after the pass (loss terms to report, detached outputs
 * for the next update) are kept past the pass's scope and released together;
 * gradients are summed over passes and released once applied.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from './optimizer';

/** Tensors kept past the gradient passes of one step; `dispose()` releases them all. */
export class StepScope {
  private kept: tf.Tensor[] = [];

  /** Keeps `t` (e.g. computed inside `computeGradients`' loss function) until `dispose()`; returns it. */
  keep = <T extends tf.Tensor>(t: T): T => {
    this.kept.push(tf.keep(t));
    return t;
  };

  /** A kept scalar's value (0 for null: a term the step did not compute). */
  static read(t: tf.Scalar | null): number {
    return t ? t.dataSync()[0] : 0;
  }

  /** Releases every kept tensor. */
  dispose(): void {
    tf.dispose(this.kept);
    this.kept = [];
  }
}

/**
 * Adds the gradients of one pass into the sum of the earlier ones (`null`
 * before the first) and returns the sum. Takes ownership of both maps: an
 * addend is released once added (a gradient only one pass has is moved).
 */
export function accumulateGradients(sum: Map<string, tf.Tensor> | null, grads: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  if (sum === null) return grads;
  for (const [name, g] of grads) {
    const prev = sum.get(name);
    if (!prev) {
      sum.set(name, g);
      continue;
    }
    sum.set(name, tf.tidy(() => tf.add(prev, g)));
    prev.dispose();
    g.dispose();
  }
  return sum;
}

/** `optimizer.step(grads)`, then releases the gradients (also when the step throws). */
export function applyGradients(optimizer: Optimizer, grads: Map<string, tf.Tensor>): void {
  try {
    optimizer.step(grads);
  } finally {
    for (const g of grads.values()) g.dispose();
  }
}

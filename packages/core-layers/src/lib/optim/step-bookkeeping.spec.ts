/** Step bookkeeping: kept tensors survive a gradient pass and are released together; gradient sums by hand; no leaks. */
import * as tf from '@tensorflow/tfjs-core';
import { setTestBackend } from '../../testing';
import { Sgd } from './sgd';
import { computeGradients } from './optimizer';
import { accumulateGradients, applyGradients, StepScope } from './step-bookkeeping';

describe('step bookkeeping', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('StepScope keeps a term computed inside computeGradients past the pass; dispose releases it', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'w');
    const before = tf.memory().numTensors;
    const scope = new StepScope();
    let term: tf.Scalar | null = null;
    const { loss, grads } = computeGradients(() => {
      term = scope.keep(tf.sum(tf.square(w)) as tf.Scalar); // 1 + 4 = 5
      return tf.mul(term, 3) as tf.Scalar;
    }, [['w', w]]);
    expect(loss).toBe(15);
    expect(StepScope.read(term)).toBe(5);
    expect(StepScope.read(null)).toBe(0);
    expect(Array.from(grads.get('w')?.dataSync() ?? [])).toEqual([6, 12]); // d(3·Σw²)/dw = 6w
    for (const g of grads.values()) g.dispose();
    scope.dispose();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('accumulateGradients sums by name (a name only one pass has is moved), releasing the addends', () => {
    const before = tf.memory().numTensors;
    const a = new Map([['x', tf.tensor1d([1, 2])], ['y', tf.tensor1d([5])]]);
    const b = new Map([['x', tf.tensor1d([10, 20])], ['z', tf.tensor1d([7])]]);
    expect(accumulateGradients(null, a)).toBe(a);
    const sum = accumulateGradients(a, b);
    expect(Array.from(sum.get('x')?.dataSync() ?? [])).toEqual([11, 22]);
    expect(Array.from(sum.get('y')?.dataSync() ?? [])).toEqual([5]);
    expect(Array.from(sum.get('z')?.dataSync() ?? [])).toEqual([7]);
    expect(tf.memory().numTensors).toBe(before + 3);
    for (const g of sum.values()) g.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applyGradients steps (SGD lr 0.5: w − 0.5·g) and releases the gradients, also when the step throws', () => {
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'w2');
    const opt = new Sgd([['w', { variable: w, lrMultiplier: 1, weightDecay: true }]], { lr: 0.5 });
    const before = tf.memory().numTensors;
    applyGradients(opt, new Map([['w', tf.tensor1d([2, 4])]]));
    expect(Array.from(w.dataSync())).toEqual([0, 0]);
    const afterStep = tf.memory().numTensors;
    expect(afterStep).toBeLessThanOrEqual(before + 1); // at most the optimizer's own step state
    expect(() => applyGradients(opt, new Map([['unknown', tf.tensor1d([1])]]))).toThrow(/unknown/);
    expect(tf.memory().numTensors).toBe(afterStep);
    opt.dispose();
    w.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expectNoTensorLeak, setTestBackend } from '@semadapt/core-layers/testing';
import { predictFromLogits } from './prediction';

describe('predictFromLogits', () => {
  beforeAll(async () => {
    await setTestBackend('cpu');
  });

  it('logits [1,1,2,2] → 1×3 with align corners: middle pixel is the average of the two logits (by hand)', async () => {
    // Pixel 0 logits (2, 0), pixel 1 logits (0, 2). Align-corners resize to width 3: x=0 → px0,
    // x=1 → mean (1, 1), x=2 → px1. softmax(2,0)_0 = 1/(1+e^-2) = 0.880797; middle = (0.5, 0.5) → argmax 0.
    const logits = tf.tensor4d([2, 0, 0, 2], [1, 1, 2, 2]);
    await expectNoTensorLeak(async () => {
      const p = await predictFromLogits('x', logits, 1, 3);
      expect([...p.labels]).toEqual([0, 0, 1]);
      const s = 1 / (1 + Math.exp(-2));
      expect(p.confidence[0]).toBeCloseTo(s, 6);
      expect(p.confidence[1]).toBeCloseTo(0.5, 6);
      expect(p.confidence[2]).toBeCloseTo(s, 6);
      expect([p.width, p.height]).toEqual([3, 1]);
    });
    logits.dispose();
  });
});

/**
 * The wasm `Sum` and `Mean` fixes against the cpu backend's stock kernels:
 * reductions over every axis but the last and over every axis (their cases,
 * through the native loop when the addon is loaded and through the JS loop)
 * and other reductions (handed to the stock kernel), with and without
 * keepDims.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lcgValues, relativeError, setTestBackend } from '../testing';
import { isLeadingAxes, useNativeColumnSums } from './column-sum-kernel';
import { registerWasmKernels } from './register-kernels';

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [2, 5, 7, 3], axis: [0, 1, 2], keepDims: false },
  { shape: [2, 5, 7, 3], axis: [2, 0, 1], keepDims: true },
  { shape: [1, 64, 64, 37], axis: [0, 1, 2], keepDims: false },
  { shape: [300, 129], axis: 0, keepDims: false },
  { shape: [4, 6, 5], axis: [-3, -2], keepDims: true },
  { shape: [2, 5, 7, 3], axis: [1, 2], keepDims: false },
  { shape: [2, 5, 7, 3], axis: [0, 1, 2, 3], keepDims: false },
  { shape: [1, 64, 64, 37], axis: [3, 2, 1, 0], keepDims: true },
  { shape: [300, 129], axis: [0, 1], keepDims: false },
  { shape: [2, 5, 7, 3], axis: 3, keepDims: true },
  { shape: [4000], axis: 0, keepDims: false },
];

type Reduction = 'sum' | 'mean';

function reduceOn(op: Reduction, shape: number[], axis: number | number[], keepDims: boolean): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const y = tf[op](tf.tensor(lcgValues(shape.reduce((a, b) => a * b, 1), 13), shape), axis, keepDims);
    return { values: Float32Array.from(y.dataSync()), shape: y.shape };
  });
}

describe('wasm Sum and Mean over every axis but the last, or every axis', () => {
  it('recognizes exactly the leading axes', () => {
    expect(isLeadingAxes([0, 1, 2], [1, 2, 3, 4])).toBe(true);
    expect(isLeadingAxes([-4, -3, -2], [1, 2, 3, 4])).toBe(true);
    expect(isLeadingAxes([1, 2], [1, 2, 3, 4])).toBe(false);
    expect(isLeadingAxes([0, 1, 2, 3], [1, 2, 3, 4])).toBe(false);
    expect(isLeadingAxes(0, [5])).toBe(false);
  });

  for (const loop of ['native when loaded', 'JS'] as const) {
    const named = (['sum', 'mean'] as const).flatMap((op) =>
      CASES.map((c) => [`${op} x=[${c.shape}] axis=${JSON.stringify(c.axis)} keepDims=${c.keepDims}`, { op, ...c }] as const),
    );
    it.each(named)(`%s (${loop} loop): equals the cpu backend`, async (_n, { op, shape, axis, keepDims }) => {
      await setTestBackend('cpu');
      const expected = reduceOn(op, shape, axis, keepDims);
      await setTestBackend('wasm');
      if (loop === 'JS') useNativeColumnSums(null);
      try {
        const actual = reduceOn(op, shape, axis, keepDims);
        expect(actual.shape).toEqual(expected.shape);
        expect(relativeError(actual.values, expected.values)).toBeLessThan(1e-5);
      } finally {
        registerWasmKernels();
      }
    });
  }
});

/**
 * The native tensor kernels address past 2³¹ elements (int64 offsets): a
 * bool tensor of 2³¹ + 2¹⁶ elements (2 GiB; float32 would need 8 GiB on this
 * shared machine) through a slice and a reverse (gathers), a binary op
 * (broadcast odometer) and a reduction, checked at marked elements beyond
 * 2³¹ against their known positions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expectReasonWhenUnavailable, describeNative, useNativeTensorKernels } from './tensor-kernels-harness';

it('runs where the native backend is available, else reports why', expectReasonWhenUnavailable);

const ROWS = 2 ** 15 + 1;
const COLS = 2 ** 16;
/** Marked columns of the last row, whose flat indices are all ≥ 2³¹. */
const MARKS = [0, 7, 40_000, COLS - 1];

describeNative('native kernels past 2³¹ elements (native backend)', () => {
  beforeAll(useNativeTensorKernels);

  it('slice, reverse, logicalAnd and any over a [2¹⁵ + 1, 2¹⁶] bool tensor', () => {
    const values = new Uint8Array(ROWS * COLS);
    const last = (ROWS - 1) * COLS;
    expect(last).toBeGreaterThanOrEqual(2 ** 31);
    for (const c of MARKS) values[last + c] = 1;
    const x = tf.tensor(values, [ROWS, COLS], 'bool');
    const marked = (row: Uint8Array) => MARKS.every((c) => row[c] === 1) && row.reduce((s, v) => s + v, 0) === MARKS.length;

    const tail = tf.slice(x, [ROWS - 1, 0], [1, COLS]);
    expect(marked(tail.dataSync() as Uint8Array)).toBe(true);
    tail.dispose();

    const reversed = tf.reverse(x, 0);
    const head = tf.slice(reversed, [0, 0], [1, COLS]);
    expect(marked(head.dataSync() as Uint8Array)).toBe(true);
    tf.dispose([reversed, head]);

    const both = tf.logicalAnd(x, tf.tensor([1], [1], 'bool'));
    const bothTail = tf.slice(both, [ROWS - 1, 0], [1, COLS]);
    expect(marked(bothTail.dataSync() as Uint8Array)).toBe(true);
    tf.dispose([both, bothTail]);

    const rows = tf.any(x, 1);
    const flags = rows.dataSync() as Uint8Array;
    expect(flags[ROWS - 1]).toBe(1);
    expect(flags.reduce((s, v) => s + v, 0)).toBe(1);
    tf.dispose([rows, x]);
  });
});

/** Layout converters: element mapping by hand, array and tensor versions agree, round trips. */
import * as tf from '@tensorflow/tfjs-core';
import { expectAllClose, setTestBackend } from '../testing';
import { hwioToOihw, hwioToOihwArray, hwoiToIohw, hwoiToIohwArray, iohwToHwoi, iohwToHwoiArray, nchwToNhwc, nhwcToNchw, oihwToHwio, oihwToHwioArray, transpose4d } from './layout';

beforeAll(async () => {
  await setTestBackend('cpu');
});

describe('layout', () => {
  const dims = [2, 3, 4, 5];
  const data = Float32Array.from({ length: 120 }, (_, i) => i);

  it('hwioToOihw: w[h,w,i,o] lands at [o,i,h,w] (hand index)', () => {
    const { data: out, dims: od } = hwioToOihwArray(data, dims);
    expect(od).toEqual([5, 4, 2, 3]);
    // element (h=1, w=2, i=3, o=4) = 1·60 + 2·20 + 3·5 + 4 = 119 → out index ((4·4+3)·2+1)·3+2 = 119
    expect(out[((4 * 4 + 3) * 2 + 1) * 3 + 2]).toBe(119);
    // element (h=0, w=1, i=2, o=3) = 20 + 10 + 3 = 33 → ((3·4+2)·2+0)·3+1 = 85
    expect(out[85]).toBe(33);
  });

  it('array and tensor converters agree; each pair round-trips', () => {
    const t = tf.tensor4d(data, dims as [number, number, number, number]);
    for (const [toT, toA, backT, backA] of [
      [hwioToOihw, hwioToOihwArray, oihwToHwio, oihwToHwioArray],
      [hwoiToIohw, hwoiToIohwArray, iohwToHwoi, iohwToHwoiArray],
      [nhwcToNchw, (d: ArrayLike<number>, s: readonly number[]) => transpose4d(d, s, [0, 3, 1, 2]), nchwToNhwc, (d: ArrayLike<number>, s: readonly number[]) => transpose4d(d, s, [0, 2, 3, 1])],
    ] as const) {
      const tt = toT(t);
      const aa = toA(data, dims);
      expect(tt.shape).toEqual(aa.dims);
      expectAllClose(tt, aa.data, { atol: 0, rtol: 0 });
      const back = backT(tt);
      expectAllClose(back, data, { atol: 0, rtol: 0 });
      expectAllClose(backA(aa.data, aa.dims).data, data, { atol: 0, rtol: 0 });
      tf.dispose([tt, back]);
    }
    t.dispose();
  });

  it('rejects mismatched sizes', () => {
    expect(() => transpose4d([1, 2, 3], [1, 1, 2, 2], [0, 1, 2, 3])).toThrow(/3 values, dims \[1,1,2,2\] need 4/);
  });
});

/**
 * The dilated "same" convolutions of DeepLabV2 (layer3/layer4 3×3 convs at
 * dilation 2/4, ASPP at 6/12/18/24; SPEC §3) computed as a sum over kernel
 * taps: y = Σ_{a,b} shift(x, (a−c)·d, (b−c)·d) ∗ w[a, b] (1×1 convs), with
 * zero fill. Same result as a dilated conv with zero padding d·(k−1)/2 (the
 * specs compare value and gradients with `Conv2d`'s atrous path, and the
 * networks with PyTorch), but:
 *
 * - taps that fall entirely in the padding (|offset| ≥ extent: most ASPP
 *   taps at dilation 18/24 on a 1/8 map of a small crop) are skipped instead
 *   of convolving zeros;
 * - no space-to-batch reshuffling of a padded copy, which tfjs runs as
 *   several full-tensor transposes (the ASPP was ~75% of a DeepLabV2 forward
 *   on wasm with it);
 * - a custom gradient that saves only `x` and `weight` and recomputes the
 *   shifted views in the backward pass, so memory stays at one copy of the
 *   input (an autodiff'd tap sum would keep nine, and pad every tap's filter
 *   gradient back to the full kernel).
 *
 * When every tap touches the map (layer3/4 on all but tiny inputs) and the
 * backend's convolution gradients take dilations (the native
 * kernels), a direct dilated convolution is used instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convGradientKernelsTakeDilations } from './native-conv-kernels';

/** Offsets (dy, dx) and flat kernel index of the taps that touch an `h × w` map. */
function validTaps(k: number, dilation: number, h: number, w: number): Array<{ a: number; b: number; oy: number; ox: number }> {
  const c = (k - 1) / 2;
  const taps: Array<{ a: number; b: number; oy: number; ox: number }> = [];
  for (let a = 0; a < k; a++) {
    const oy = (a - c) * dilation;
    if (Math.abs(oy) >= h) continue;
    for (let b = 0; b < k; b++) {
      const ox = (b - c) * dilation;
      if (Math.abs(ox) >= w) continue;
      taps.push({ a, b, oy, ox });
    }
  }
  return taps;
}

/** shifted[i, j] = x[i + oy, j + ox], zero outside. */
function shift(x: tf.Tensor4D, oy: number, ox: number): tf.Tensor4D {
  if (oy === 0 && ox === 0) return x;
  const [n, h, w, c] = x.shape;
  const window = tf.slice(x, [0, Math.max(0, oy), Math.max(0, ox), 0], [n, h - Math.abs(oy), w - Math.abs(ox), c]);
  return tf.pad(window, [[0, 0], [Math.max(0, -oy), Math.max(0, oy)], [Math.max(0, -ox), Math.max(0, ox)], [0, 0]]);
}

/** Stride-1 conv of NHWC `x` with HWIO `weight` (odd square kernel) at `dilation`, "same" zero padding. */
export function dilatedSameConv(x: tf.Tensor4D, weight: tf.Tensor4D, dilation: number, bias: tf.Tensor | null = null): tf.Tensor4D {
  const [kh, kw, cin, cout] = weight.shape;
  if (kh !== kw || kh % 2 !== 1) throw new Error(`dilatedSameConv: expected an odd square kernel, received [${weight.shape}]`);
  if (x.shape[3] !== cin) throw new Error(`dilatedSameConv: input [${x.shape}] does not match filter [${weight.shape}]`);
  const [, h, w] = x.shape;
  const taps = validTaps(kh, dilation, h, w);
  if (taps.length === kh * kw && convGradientKernelsTakeDilations()) {
    // No tap to skip, and the backend runs dilated convolutions and both their gradients as single
    // kernels (the native oneDNN ones): one direct convolution beats nine 1×1 convs and their shifts.
    return tf.tidy(() => {
      const y = tf.conv2d(x, weight, 1, 'same', 'NHWC', dilation);
      return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
    });
  }
  const tapFilter = (wt: tf.Tensor4D, a: number, b: number) => tf.slice(wt, [a, b, 0, 0], [1, 1, cin, cout]) as tf.Tensor4D;
  const body = (xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xs = xi as tf.Tensor4D;
    const ws = wi as tf.Tensor4D;
    save([xs, ws]);
    const value = tf.tidy(() => {
      const parts = taps.map(({ a, b, oy, ox }) => tf.conv2d(shift(xs, oy, ox), tapFilter(ws, a, b), 1, 'valid'));
      return parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D);
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xSaved, wSaved] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      // dx: each tap's contribution y += shift(x, o) ∗ W_tap, so dx += shift(dy ∗ W_tapᵀ, −o) (1×1 convs).
      const dxParts = taps.map(({ a, b, oy, ox }) => {
        const wT = tf.transpose(tapFilter(wSaved, a, b), [0, 1, 3, 2]) as tf.Tensor4D;
        return shift(tf.conv2d(dy4, wT, 1, 'valid'), -oy, -ox);
      });
      const dx = dxParts.length === 1 ? dxParts[0] : tf.addN(dxParts);
      // dW[a, b] = the 1×1 filter gradient of shift(x, o) against dy (the backend's Conv2DBackpropFilter
      // kernel, which this package makes fast on wasm); zero for skipped taps.
      const byIndex = new Map(taps.map((t) => [t.a * kw + t.b, t]));
      const zeros = tf.zeros([1, 1, cin, cout]);
      const rows: tf.Tensor[] = [];
      for (let idx = 0; idx < kh * kw; idx++) {
        const t = byIndex.get(idx);
        rows.push(
          t
            ? (tf.engine().runKernel(
                'Conv2DBackpropFilter',
                { x: shift(xSaved, t.oy, t.ox), dy: dy4 },
                { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [1, 1, cin, cout] } as unknown as tf.NamedAttrMap,
              ) as tf.Tensor)
            : zeros,
        );
      }
      const dw = tf.reshape(tf.concat(rows, 0), [kh, kw, cin, cout]);
      return [dx, dw];
    };
    return { value, gradFunc };
  };
  const conv = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return tf.tidy(() => {
    const y = conv(x, weight) as tf.Tensor4D;
    return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
  });
}

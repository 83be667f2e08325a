/**
 * The dilated "same" convolutions of DeepLabV2 (layer3/layer4 3×3 convs at
 * dilation 2/4, ASPP at 6/12/18/24; SPEC §3) computed as a sum over kernel
 * taps: y = Σ_{a,b} shift(x, (a−c)·d, (b−c)·d) ∗ w[a, b] (1×1 convs), with
 * zero fill. Same result as a dilated conv with zero padding d·(k−1)/2 (the
 * specs compare it with `Conv2d`'s atrous path and with PyTorch), but:
 *
 * - taps that fall entirely in the padding (|offset| ≥ extent: most ASPP
 *   taps at dilation 18/24 on a 1/8 map of a small crop) are skipped instead
 *   of convolving zeros;
 * - no space-to-batch reshuffling of a padded copy, which tfjs runs as
 *   several full-tensor transposes (ASPP was ~75% of a DeepLabV2 forward on
 *   wasm with it).
 *
 * Every op (slice, pad, 1×1 conv, addN) has an exact gradient in tfjs.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Stride-1 conv of NHWC `x` with HWIO `weight` (odd square kernel) at `dilation`, "same" zero padding. */
export function dilatedSameConv(x: tf.Tensor4D, weight: tf.Tensor4D, dilation: number, bias: tf.Tensor | null = null): tf.Tensor4D {
  const [kh, kw, cin, cout] = weight.shape;
  if (kh !== kw || kh % 2 !== 1) throw new Error(`dilatedSameConv: expected an odd square kernel, received [${weight.shape}]`);
  if (x.shape[3] !== cin) throw new Error(`dilatedSameConv: input [${x.shape}] does not match filter [${weight.shape}]`);
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const c = (kh - 1) / 2;
    const parts: tf.Tensor4D[] = [];
    for (let a = 0; a < kh; a++) {
      const oy = (a - c) * dilation;
      if (Math.abs(oy) >= h) continue;
      for (let b = 0; b < kw; b++) {
        const ox = (b - c) * dilation;
        if (Math.abs(ox) >= w) continue;
        // shifted[i, j] = x[i + oy, j + ox] (0 outside).
        let shifted: tf.Tensor4D = x;
        if (oy !== 0 || ox !== 0) {
          const window = tf.slice(x, [0, Math.max(0, oy), Math.max(0, ox), 0], [n, h - Math.abs(oy), w - Math.abs(ox), cin]);
          shifted = tf.pad(window, [[0, 0], [Math.max(0, -oy), Math.max(0, oy)], [Math.max(0, -ox), Math.max(0, ox)], [0, 0]]);
        }
        const tap = tf.slice(weight, [a, b, 0, 0], [1, 1, cin, cout]) as tf.Tensor4D;
        parts.push(tf.conv2d(shifted, tap, 1, 'valid'));
      }
    }
    const y = parts.length === 1 ? parts[0] : (tf.addN(parts) as tf.Tensor4D);
    return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
  });
}

/**
 * A float64 direct-loop convolution written from the definition
 * (y[o] = Σ_k x[o·s + k·d − p]·W[k], TF padding rules), with the gradients
 * of L = Σ y·r: the independent reference of the convolution kernel specs.
 */

/** 'same' / 'valid' (TF rules) or explicit NHWC pads. */
export type ConvPad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** A convolution: NHWC input shape, output channels, square kernel, stride, dilation, padding. */
export interface ConvCase {
  x: [number, number, number, number];
  co: number;
  k: number;
  s: number;
  d: number;
  pad: ConvPad;
}

/** TF padding rules, restated: SAME pads ceil-division output, extra on the bottom/right. */
function geometry(len: number, k: number, s: number, d: number, pad: ConvPad, axis: 1 | 2): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (pad === 'valid') return { out: Math.floor((len - eff) / s) + 1, before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(len / s);
    const total = Math.max((out - 1) * s + eff - len, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [b, a] = pad[axis];
  return { out: Math.floor((len + b + a - eff) / s) + 1, before: b };
}

/** Direct-loop conv forward and the gradients of L = Σ y·r, in float64. */
export function conv2dFloat64(c: ConvCase, x: Float32Array, w: Float32Array, r: (oh: number, ow: number) => Float32Array | null) {
  const [n, H, W, ci] = c.x;
  const gh = geometry(H, c.k, c.s, c.d, c.pad, 1);
  const gw = geometry(W, c.k, c.s, c.d, c.pad, 2);
  const OH = gh.out;
  const OW = gw.out;
  const rr = r(OH, OW);
  const y = new Float64Array(n * OH * OW * c.co);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let kh = 0; kh < c.k; kh++) {
          const ih = oh * c.s + kh * c.d - gh.before;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < c.k; kw++) {
            const iw = ow * c.s + kw * c.d - gw.before;
            if (iw < 0 || iw >= W) continue;
            for (let i = 0; i < ci; i++) {
              const xv = x[((b * H + ih) * W + iw) * ci + i];
              for (let o = 0; o < c.co; o++) {
                const yi = ((b * OH + oh) * OW + ow) * c.co + o;
                const wi = ((kh * c.k + kw) * ci + i) * c.co + o;
                y[yi] += xv * w[wi];
                if (rr) {
                  dx[((b * H + ih) * W + iw) * ci + i] += rr[yi] * w[wi];
                  dw[wi] += xv * rr[yi];
                }
              }
            }
          }
        }
  return { y, dx, dw, OH, OW, r: rr };
}

// Bilinear resize of NHWC float32 images and its gradient, with tfjs's
// source-coordinate rules (alignCorners; halfPixelCenters: src = (dst + ½)·
// scale − ½, clamped). The gradient is the exact adjoint of the forward in
// both modes (tfjs's cpu ResizeBilinearGrad ignores halfPixelCenters).
// oneDNN's resampling primitive was not used: it has no align-corners mode,
// which DeepLabV2/AdaptSegNet's logits upsampling needs.
//
// Forward: output rows split across threads, channels vectorized. Gradient:
// each thread owns whole input rows and gathers the output rows that touch
// them (a per-row list of (output row, weight)), so nothing is scattered
// across threads.
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

// For each output index: the two source indices and the weight of the second.
struct Taps {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

Taps MakeTaps(int64_t in, int64_t out, bool alignCorners, bool halfPixel) {
  const double effIn = alignCorners && out > 1 ? in - 1 : in;
  const double effOut = alignCorners && out > 1 ? out - 1 : out;
  const double ratio = effIn / effOut;
  Taps t;
  t.lo.resize(out);
  t.hi.resize(out);
  t.frac.resize(out);
  for (int64_t o = 0; o < out; o++) {
    const double src = halfPixel ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::floor(src)));
    t.lo[o] = std::min(lo, in - 1);
    t.hi[o] = std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(src)));
    t.frac[o] = static_cast<float>(src - lo);
  }
  return t;
}

// (x, y, n, h, w, c, oh, ow, alignCorners, halfPixelCenters)
Napi::Value ResizeBilinearJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = args.Int(2), h = args.Int(3), w = args.Int(4), c = args.Int(5), oh = args.Int(6), ow = args.Int(7);
  const float* x = args.As<float>(0, n * h * w * c, "images");
  float* y = args.As<float>(1, n * oh * ow * c, "out");
  if (!args.ok || n * oh * ow * c == 0) return info.Env().Undefined();
  if (h == 0 || w == 0) return args.Fail("resizeBilinear: empty input image"), info.Env().Undefined();
  const bool align = args.Bool(8), half = args.Bool(9);
  const Taps ty = MakeTaps(h, oh, align, half), tx = MakeTaps(w, ow, align, half);
  const int64_t rows = n * oh;
#pragma omp parallel for schedule(static) if (n * oh * ow * c >= parallelMin)
  for (int64_t row = 0; row < rows; row++) {
    const int64_t b = row / oh, oy = row % oh;
    const float* top = x + (b * h + ty.lo[oy]) * w * c;
    const float* bot = x + (b * h + ty.hi[oy]) * w * c;
    const float fy = ty.frac[oy];
    float* out = y + row * ow * c;
    for (int64_t ox = 0; ox < ow; ox++) {
      const float* tl = top + tx.lo[ox] * c;
      const float* tr = top + tx.hi[ox] * c;
      const float* bl = bot + tx.lo[ox] * c;
      const float* br = bot + tx.hi[ox] * c;
      const float fx = tx.frac[ox];
      float* o = out + ox * c;
#pragma omp simd
      for (int64_t k = 0; k < c; k++) {
        const float t = tl[k] + (tr[k] - tl[k]) * fx;
        const float bo = bl[k] + (br[k] - bl[k]) * fx;
        o[k] = t + (bo - t) * fy;
      }
    }
  }
  return info.Env().Undefined();
}

// (dy, dx, n, h, w, c, oh, ow, alignCorners, halfPixelCenters): dx [n, h, w, c] = adjoint of the forward applied to dy [n, oh, ow, c].
Napi::Value ResizeBilinearGradJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = args.Int(2), h = args.Int(3), w = args.Int(4), c = args.Int(5), oh = args.Int(6), ow = args.Int(7);
  const float* dy = args.As<float>(0, n * oh * ow * c, "dy");
  float* dx = args.As<float>(1, n * h * w * c, "dx");
  if (!args.ok || n * h * w * c == 0) return info.Env().Undefined();
  const bool align = args.Bool(8), half = args.Bool(9);
  const Taps ty = MakeTaps(h, oh, align, half), tx = MakeTaps(w, ow, align, half);
  // Per input row: the output rows reading it, with their weights (CSR).
  std::vector<int64_t> start(h + 1, 0);
  for (int64_t oy = 0; oy < oh; oy++) {
    start[ty.lo[oy] + 1]++;
    start[ty.hi[oy] + 1]++;
  }
  for (int64_t i = 0; i < h; i++) start[i + 1] += start[i];
  std::vector<int64_t> fill(start.begin(), start.end() - 1), src(2 * oh);
  std::vector<float> weight(2 * oh);
  for (int64_t oy = 0; oy < oh; oy++) {
    src[fill[ty.lo[oy]]] = oy;
    weight[fill[ty.lo[oy]]++] = 1.0f - ty.frac[oy];
    src[fill[ty.hi[oy]]] = oy;
    weight[fill[ty.hi[oy]]++] = ty.frac[oy];
  }
  const int64_t rows = n * h;
#pragma omp parallel for schedule(static) if (n * oh * ow * c >= parallelMin)
  for (int64_t row = 0; row < rows; row++) {
    const int64_t b = row / h, iy = row % h;
    float* d = dx + row * w * c;
    std::fill(d, d + w * c, 0.0f);
    for (int64_t s = start[iy]; s < start[iy + 1]; s++) {
      const float wy = weight[s];
      const float* g = dy + (b * oh + src[s]) * ow * c;
      for (int64_t ox = 0; ox < ow; ox++) {
        const float a = wy * (1.0f - tx.frac[ox]), bw = wy * tx.frac[ox];
        float* dl = d + tx.lo[ox] * c;
        float* dr = d + tx.hi[ox] * c;
        const float* go = g + ox * c;
#pragma omp simd
        for (int64_t k = 0; k < c; k++) dl[k] += a * go[k];
#pragma omp simd
        for (int64_t k = 0; k < c; k++) dr[k] += bw * go[k];
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterResize(Napi::Env env, Napi::Object exports) {
  exports.Set("resizeBilinear", Napi::Function::New(env, ResizeBilinearJs));
  exports.Set("resizeBilinearGrad", Napi::Function::New(env, ResizeBilinearGradJs));
}

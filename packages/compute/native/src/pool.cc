// 2-D max and average pooling over NHWC float32, forward and gradient, with
// tfjs's semantics: windows clipped to the image (padding is never a value:
// max over the real pixels, average divided by their count), the max
// gradient routed to the first strictly largest pixel of each window, and
// AvgPoolGrad spreading dy/(kh·kw) over each window (tfjs's kernel contract;
// the padding-excluded rescaling happens in the gradient before it).
//
// oneDNN's pooling was not used: its max-pool backward needs the forward's
// workspace, which tfjs's MaxPoolGrad(dy, input, output) does not carry.
// Loops run vectorized over channels; forwards split output rows across
// threads, gradients split channel blocks (windows overlap, channels do not).
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

struct PoolGeometry {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl;
  int64_t XSize() const { return n * h * w * c; }
  int64_t YSize() const { return n * oh * ow * c; }
};

bool ReadGeometry(Args& args, size_t i, PoolGeometry& g) {
  const auto v = args.Shape(i, "geometry");
  if (!args.ok) return false;
  if (v.size() != 14) {
    args.Fail("pool: geometry must be [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft]");
    return false;
  }
  g = PoolGeometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) {
    args.Fail("pool: strides and dilations must be ≥ 1");
    return false;
  }
  return true;
}

constexpr int64_t kChannelBlock = 64;

void PoolForward(bool isMax, const float* x, float* y, const PoolGeometry& g) {
  const int64_t rows = g.n * g.oh;
#pragma omp parallel for schedule(static) if (g.YSize() * g.kh * g.kw >= parallelMin)
  for (int64_t row = 0; row < rows; row++) {
    const int64_t b = row / g.oh, oy = row % g.oh;
    const float* xb = x + b * g.h * g.w * g.c;
    for (int64_t ox = 0; ox < g.ow; ox++) {
      float* out = y + ((b * g.oh + oy) * g.ow + ox) * g.c;
      std::fill(out, out + g.c, isMax ? -std::numeric_limits<float>::infinity() : 0.0f);
      int64_t count = 0;
      for (int64_t ky = 0; ky < g.kh; ky++) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int64_t kx = 0; kx < g.kw; kx++) {
          const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          const float* px = xb + (iy * g.w + ix) * g.c;
          count++;
          if (isMax) {
#pragma omp simd
            for (int64_t k = 0; k < g.c; k++) out[k] = px[k] > out[k] ? px[k] : out[k];
          } else {
#pragma omp simd
            for (int64_t k = 0; k < g.c; k++) out[k] += px[k];
          }
        }
      }
      if (!isMax) {
        // tfjs: sum / count of real pixels (an all-padding window gives 0 / 0).
        const float inv = 1.0f / static_cast<float>(count);
        for (int64_t k = 0; k < g.c; k++) out[k] = count > 0 ? out[k] * inv : out[k] / 0.0f;
      }
    }
  }
}

void MaxPoolBackward(const float* dy, const float* x, float* dx, const PoolGeometry& g) {
  std::fill(dx, dx + g.XSize(), 0.0f);
  const int64_t blocks = (g.c + kChannelBlock - 1) / kChannelBlock;
  const int64_t tasks = g.n * blocks;
#pragma omp parallel for schedule(static) if (g.YSize() * g.kh * g.kw >= parallelMin)
  for (int64_t task = 0; task < tasks; task++) {
    const int64_t b = task / blocks, c0 = (task % blocks) * kChannelBlock, c1 = std::min(g.c, c0 + kChannelBlock);
    const int64_t width = c1 - c0;
    const float* xb = x + b * g.h * g.w * g.c;
    float* dxb = dx + b * g.h * g.w * g.c;
    float best[kChannelBlock];
    int64_t where[kChannelBlock];
    for (int64_t oy = 0; oy < g.oh; oy++) {
      for (int64_t ox = 0; ox < g.ow; ox++) {
        for (int64_t k = 0; k < width; k++) {
          best[k] = -std::numeric_limits<float>::infinity();
          where[k] = -1;
        }
        for (int64_t ky = 0; ky < g.kh; ky++) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; kx++) {
            const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            const int64_t p = (iy * g.w + ix) * g.c;
            const float* px = xb + p + c0;
            for (int64_t k = 0; k < width; k++) {
              if (px[k] > best[k]) {
                best[k] = px[k];
                where[k] = p;
              }
            }
          }
        }
        const float* g0 = dy + ((b * g.oh + oy) * g.ow + ox) * g.c + c0;
        for (int64_t k = 0; k < width; k++) {
          if (where[k] >= 0) dxb[where[k] + c0 + k] += g0[k];
        }
      }
    }
  }
}

void AvgPoolBackward(const float* dy, float* dx, const PoolGeometry& g) {
  std::fill(dx, dx + g.XSize(), 0.0f);
  const float scale = 1.0f / static_cast<float>(g.kh * g.kw);
  const int64_t blocks = (g.c + kChannelBlock - 1) / kChannelBlock;
  const int64_t tasks = g.n * blocks;
#pragma omp parallel for schedule(static) if (g.YSize() * g.kh * g.kw >= parallelMin)
  for (int64_t task = 0; task < tasks; task++) {
    const int64_t b = task / blocks, c0 = (task % blocks) * kChannelBlock, c1 = std::min(g.c, c0 + kChannelBlock);
    float* dxb = dx + b * g.h * g.w * g.c;
    for (int64_t oy = 0; oy < g.oh; oy++) {
      for (int64_t ox = 0; ox < g.ow; ox++) {
        const float* g0 = dy + ((b * g.oh + oy) * g.ow + ox) * g.c;
        for (int64_t ky = 0; ky < g.kh; ky++) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; kx++) {
            const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            float* d = dxb + (iy * g.w + ix) * g.c;
#pragma omp simd
            for (int64_t k = c0; k < c1; k++) d[k] += g0[k] * scale;
          }
        }
      }
    }
  }
}

// (kind: 0 max | 1 avg, x, y, geometry)
Napi::Value PoolJs(const Napi::CallbackInfo& info) {
  Args args{info};
  PoolGeometry g;
  if (!ReadGeometry(args, 3, g)) return info.Env().Undefined();
  const float* x = args.As<float>(1, g.XSize(), "x");
  float* y = args.As<float>(2, g.YSize(), "y");
  if (!args.ok) return info.Env().Undefined();
  PoolForward(args.Int(0) == 0, x, y, g);
  return info.Env().Undefined();
}

// (kind: 0 max | 1 avg, dy, x (max only; null for avg), dx, geometry)
Napi::Value PoolGradJs(const Napi::CallbackInfo& info) {
  Args args{info};
  PoolGeometry g;
  if (!ReadGeometry(args, 4, g)) return info.Env().Undefined();
  const bool isMax = args.Int(0) == 0;
  const float* dy = args.As<float>(1, g.YSize(), "dy");
  const float* x = isMax ? args.As<float>(2, g.XSize(), "x") : nullptr;
  float* dx = args.As<float>(3, g.XSize(), "dx");
  if (!args.ok) return info.Env().Undefined();
  if (isMax) MaxPoolBackward(dy, x, dx, g);
  else AvgPoolBackward(dy, dx, g);
  return info.Env().Undefined();
}

}  // namespace

void RegisterPool(Napi::Env env, Napi::Object exports) {
  exports.Set("pool", Napi::Function::New(env, PoolJs));
  exports.Set("poolGrad", Napi::Function::New(env, PoolGradJs));
}

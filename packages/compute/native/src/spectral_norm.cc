// Spectral normalization's weight-sized work (src/lib/spectral-norm-kernel.ts
// has the JS loops and the formulas), over the weight viewed as
// [pre, rows, post] (rows = its out axis) and v laid out as vw [pre, post]:
// - the power iteration and σ: vw ← normalize(Wᵀu), u ← normalize(W·vw),
//   σ = uᵀ·W·vw — two multi-threaded passes over W, sums in double;
// - the gradient of W/σ with u, v held constant:
//   c = Σ(dy ⊙ w) / σ,   dw[p, o, q] = (dy[p, o, q] − c·u[o]·vw[p, q]) / σ
//   — a reduction pass (in double) and a write pass.
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

// Below this many weights a pass stays on the calling thread: one core streams
// a 1 MB weight in well under 0.1 ms, about what waking the OpenMP team costs
// when the other core is busy.
constexpr int64_t kSpectralParallelMin = 1 << 18;

__attribute__((target_clones("avx2", "default")))
double DotRange(const float* a, const float* b, int64_t begin, int64_t end) {
  double s = 0;
  for (int64_t i = begin; i < end; i++) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Σ a·b in double, split over the threads in contiguous ranges (a fixed split: the sum does not depend on timing).
double Dot(const float* a, const float* b, int64_t n) {
  const int threads = n >= kSpectralParallelMin ? omp_get_max_threads() : 1;
  std::vector<double> partial(static_cast<size_t>(threads), 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    partial[t] = DotRange(a, b, n * t / nt, n * (t + 1) / nt);
  }
  double s = 0;
  for (double p : partial) s += p;
  return s;
}

// acc[i] += a·x[i] (double accumulators of a float32 row).
__attribute__((target_clones("avx2", "default")))
void Axpy(double* acc, double a, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) acc[i] += a * x[i];
}

// t[p, q] = Σ_o w[p, o, q]·u[o] (Wᵀu in the weight's order), rows p split over the threads.
void TransposeTimes(const float* w, const float* u, double* t, int64_t pre, int64_t rows, int64_t post, int threads) {
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> acc(static_cast<size_t>(post));
#pragma omp for schedule(static)
    for (int64_t p = 0; p < pre; p++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const float* wp = w + p * rows * post;
      if (post == 1) {
        acc[0] = DotRange(wp, u, 0, rows);
      } else {
        for (int64_t o = 0; o < rows; o++) Axpy(acc.data(), u[o], wp + o * post, post);
      }
      for (int64_t q = 0; q < post; q++) t[p * post + q] = acc[q];
    }
  }
}

// s[o] = Σ_{p,q} w[p, o, q]·v[p, q] (W·v): each thread sums its rows p into its own [rows] partial.
void Times(const float* w, const float* v, double* s, int64_t pre, int64_t rows, int64_t post, int threads) {
  std::vector<double> partial(static_cast<size_t>(threads) * rows, 0.0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double* acc = partial.data() + static_cast<size_t>(t) * rows;
    for (int64_t p = pre * t / nt; p < pre * (t + 1) / nt; p++) {
      const float* wp = w + p * rows * post;
      if (post == 1) {
        Axpy(acc, v[p], wp, rows);
      } else {
        for (int64_t o = 0; o < rows; o++) acc[o] += DotRange(wp + o * post, v + p * post, 0, post);
      }
    }
  }
  for (int64_t o = 0; o < rows; o++) {
    double sum = 0;
    for (int t = 0; t < threads; t++) sum += partial[static_cast<size_t>(t) * rows + o];
    s[o] = sum;
  }
}

// x / max(‖x‖, eps), rounded to float32 into out.
void Normalize(const double* x, float* out, int64_t n, double eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; i++) ss += x[i] * x[i];
  const double d = std::max(std::sqrt(ss), eps);
  for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(x[i] / d);
}

// (w, u0 [rows], vw0 [pre·post], uOut, vwOut, sigmaOut [1], pre, rows, post, update, eps): every array a Float32Array.
// With update: vw = normalize(Wᵀu0), u = normalize(W·vw); else u = u0, vw = vw0. σ = uᵀ·W·vw.
Napi::Value SpectralNormPowerJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t pre = args.Int(6), rows = args.Int(7), post = args.Int(8);
  const bool update = args.Bool(9);
  const double eps = args.Num(10);
  if (pre < 0 || rows < 0 || post < 0) return args.Fail("spectralNormPower: negative extent"), info.Env().Undefined();
  const float* w = args.As<float>(0, pre * rows * post, "w");
  const float* u0 = args.As<float>(1, rows, "u");
  const float* vw0 = args.As<float>(2, pre * post, "vw");
  float* u = args.As<float>(3, rows, "uOut");
  float* vw = args.As<float>(4, pre * post, "vwOut");
  float* sigma = args.As<float>(5, 1, "sigmaOut");
  if (!args.ok) return info.Env().Undefined();
  for (size_t i = 0; i < 6; i++) {
    if (args.Type(i) != DType::kFloat32) return args.Fail("spectralNormPower: float32 arrays only"), info.Env().Undefined();
  }
  const int threads = pre * rows * post >= kSpectralParallelMin ? omp_get_max_threads() : 1;
  std::vector<double> wv(static_cast<size_t>(rows));
  if (update) {
    std::vector<double> t(static_cast<size_t>(pre * post));
    TransposeTimes(w, u0, t.data(), pre, rows, post, threads);
    Normalize(t.data(), vw, pre * post, eps);
    Times(w, vw, wv.data(), pre, rows, post, threads);
    Normalize(wv.data(), u, rows, eps);
  } else {
    std::copy(u0, u0 + rows, u);
    std::copy(vw0, vw0 + pre * post, vw);
    Times(w, vw, wv.data(), pre, rows, post, threads);
  }
  double s = 0;
  for (int64_t o = 0; o < rows; o++) s += static_cast<double>(u[o]) * wv[o];
  sigma[0] = static_cast<float>(s);
  return info.Env().Undefined();
}

// One row p of the out-innermost layout (post = 1): dw[o] = (dy[o] − cu[o]·v) / σ.
__attribute__((target_clones("avx2", "default")))
void WriteOutInner(const float* dy, const float* cu, float v, float sigma, float* dw, int64_t rows) {
  for (int64_t o = 0; o < rows; o++) dw[o] = (dy[o] - cu[o] * v) / sigma;
}

// One (p, o) of the general layout: dw[q] = (dy[q] − cu·vw[q]) / σ.
__attribute__((target_clones("avx2", "default")))
void WritePostInner(const float* dy, float cu, const float* vw, float sigma, float* dw, int64_t post) {
  for (int64_t q = 0; q < post; q++) dw[q] = (dy[q] - cu * vw[q]) / sigma;
}

// (dy, w, u [rows], vw [pre·post], dw, pre, rows, post, sigma): every array a Float32Array.
Napi::Value SpectralNormGradJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t pre = args.Int(5), rows = args.Int(6), post = args.Int(7);
  const double sigma = args.Num(8);
  if (pre < 0 || rows < 0 || post < 0) return args.Fail("spectralNormGrad: negative extent"), info.Env().Undefined();
  const int64_t n = pre * rows * post;
  const float* dy = args.As<float>(0, n, "dy");
  const float* w = args.As<float>(1, n, "w");
  const float* u = args.As<float>(2, rows, "u");
  const float* vw = args.As<float>(3, pre * post, "vw");
  float* dw = args.As<float>(4, n, "dw");
  if (!args.ok) return info.Env().Undefined();
  for (size_t i = 0; i < 5; i++) {
    if (args.Type(i) != DType::kFloat32) return args.Fail("spectralNormGrad: float32 arrays only"), info.Env().Undefined();
  }
  if (n == 0) return info.Env().Undefined();
  const double c = Dot(dy, w, n) / sigma;
  std::vector<float> cu(static_cast<size_t>(rows));
  for (int64_t o = 0; o < rows; o++) cu[o] = static_cast<float>(c * u[o]);
  const float s = static_cast<float>(sigma);
  const int threads = n >= kSpectralParallelMin ? omp_get_max_threads() : 1;
  if (post == 1) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t p = 0; p < pre; p++) WriteOutInner(dy + p * rows, cu.data(), vw[p], s, dw + p * rows, rows);
  } else {
#pragma omp parallel for collapse(2) num_threads(threads) schedule(static)
    for (int64_t p = 0; p < pre; p++) {
      for (int64_t o = 0; o < rows; o++) {
        const int64_t off = (p * rows + o) * post;
        WritePostInner(dy + off, cu[o], vw + p * post, s, dw + off, post);
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterSpectralNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("spectralNormPower", Napi::Function::New(env, SpectralNormPowerJs));
  exports.Set("spectralNormGrad", Napi::Function::New(env, SpectralNormGradJs));
}

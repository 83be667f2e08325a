// The gradient of spectral normalization's W/σ with u, v held constant
// (src/lib/spectral-norm-kernel.ts has the JS loop and the formula):
//   c = Σ(dy ⊙ w) / σ,   dw[p, o, q] = (dy[p, o, q] − c·u[o]·vw[p, q]) / σ
// over the weight viewed as [pre, rows, post] (rows = its out axis). Two
// multi-threaded passes: the reduction (accumulated in double) and the write.
#include <napi.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

__attribute__((target_clones("avx2", "default")))
double DotRange(const float* a, const float* b, int64_t begin, int64_t end) {
  double s = 0;
  for (int64_t i = begin; i < end; i++) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Σ a·b in double, split over the threads in contiguous ranges (a fixed split: the sum does not depend on timing).
double Dot(const float* a, const float* b, int64_t n) {
  const int threads = n >= kParallelMin ? omp_get_max_threads() : 1;
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
  const int threads = n >= kParallelMin ? omp_get_max_threads() : 1;
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
  exports.Set("spectralNormGrad", Napi::Function::New(env, SpectralNormGradJs));
}

// Multi-threaded, vectorized loops for the non-convolution work that
// dominates a training step once the convolutions are native (issue 10):
// instance norm and MUNIT's layer norm (forward, gradient) over NHWC, one
// parameter's Adam or SGD update, and sums over every axis but the last.
// Same arithmetic as the JS kernels in src/lib/backend/
// {normalization,optimizer,column-sum}-kernel(s).ts (which are the
// reference of their specs): sums accumulate in double, elementwise math is
// float32 as torch's CPU kernels compute it.
#include "elementwise.h"
#include "tensor_args.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

// Loops below tensor_args::parallelMin elements stay on the calling thread
// (tensor_args.h: the bound, and why the if clauses say `parallel:`).
using tensor_args::parallelMin;

// Channel block handled by one thread: contiguous within each pixel's channels.
constexpr long kChannelBlock = 16;

long Blocks(long c) { return (c + kChannelBlock - 1) / kChannelBlock; }

// ---- instance norm: per (sample, channel) over the pixels -----------------

__attribute__((target_clones("avx2", "default")))
void InstanceNormForwardBlock(const float* x, float* y, float* rstd, long hw, long c, long k0, long k1, float eps) {
  const long w = k1 - k0;
  double sum[kChannelBlock] = {0};
  for (long p = 0; p < hw; p++) {
    const float* xp = x + p * c + k0;
    for (long k = 0; k < w; k++) sum[k] += xp[k];
  }
  float mean[kChannelBlock];
  for (long k = 0; k < w; k++) mean[k] = static_cast<float>(sum[k] / hw);
  double sq[kChannelBlock] = {0};
  for (long p = 0; p < hw; p++) {
    const float* xp = x + p * c + k0;
    for (long k = 0; k < w; k++) {
      const double d = xp[k] - mean[k];
      sq[k] += d * d;
    }
  }
  float r[kChannelBlock];
  for (long k = 0; k < w; k++) {
    r[k] = static_cast<float>(1.0 / std::sqrt(sq[k] / hw + eps));
    rstd[k0 + k] = r[k];
  }
  for (long p = 0; p < hw; p++) {
    const float* xp = x + p * c + k0;
    float* yp = y + p * c + k0;
    for (long k = 0; k < w; k++) yp[k] = (xp[k] - mean[k]) * r[k];
  }
}

__attribute__((target_clones("avx2", "default")))
void InstanceNormBackwardBlock(const float* g, const float* y, const float* rstd, float* dx, long hw, long c, long k0, long k1) {
  const long w = k1 - k0;
  double sg[kChannelBlock] = {0}, sgy[kChannelBlock] = {0};
  for (long p = 0; p < hw; p++) {
    const float* gp = g + p * c + k0;
    const float* yp = y + p * c + k0;
    for (long k = 0; k < w; k++) {
      sg[k] += gp[k];
      sgy[k] += static_cast<double>(gp[k]) * yp[k];
    }
  }
  float mg[kChannelBlock], mgy[kChannelBlock], r[kChannelBlock];
  for (long k = 0; k < w; k++) {
    mg[k] = static_cast<float>(sg[k] / hw);
    mgy[k] = static_cast<float>(sgy[k] / hw);
    r[k] = rstd[k0 + k];
  }
  for (long p = 0; p < hw; p++) {
    const float* gp = g + p * c + k0;
    const float* yp = y + p * c + k0;
    float* dp = dx + p * c + k0;
    for (long k = 0; k < w; k++) dp[k] = r[k] * (gp[k] - mg[k] - yp[k] * mgy[k]);
  }
}

// ---- MUNIT layer norm: per sample over C·H·W -------------------------------

__attribute__((target_clones("avx2", "default")))
double Sum(const float* x, long m) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) if (m > parallelMin)
  for (long i = 0; i < m; i++) s += x[i];
  return s;
}

__attribute__((target_clones("avx2", "default")))
double CentredSquares(const float* x, long m, float mean) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) if (m > parallelMin)
  for (long i = 0; i < m; i++) {
    const double d = x[i] - mean;
    s += d * d;
  }
  return s;
}

__attribute__((target_clones("avx2", "default")))
double Dot(const float* a, const float* b, long m) {
  double s = 0;
#pragma omp parallel for reduction(+ : s) if (m > parallelMin)
  for (long i = 0; i < m; i++) s += static_cast<double>(a[i]) * b[i];
  return s;
}

__attribute__((target_clones("avx2", "default")))
void Affine(const float* x, float* y, long m, float shift, float scale) {
#pragma omp parallel for simd if (parallel: m > parallelMin)
  for (long i = 0; i < m; i++) y[i] = (x[i] - shift) * scale;
}

__attribute__((target_clones("avx2", "default")))
void LayerNormGradient(const float* g, const float* y, float* dx, long m, float meanG, float r, float k) {
#pragma omp parallel for simd if (parallel: m > parallelMin)
  for (long i = 0; i < m; i++) dx[i] = (g[i] - meanG) * r - y[i] * k;
}

// ---- reductions --------------------------------------------------------------

__attribute__((target_clones("avx2", "default")))
void AccumulateRow(const float* row, double* acc, long cols) {
  for (long c = 0; c < cols; c++) acc[c] += row[c];
}

// ---- optimizers -------------------------------------------------------------

__attribute__((target_clones("avx2", "default")))
void AdamLoop(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, long n,
              const AdamScalars& a) {
  const float b1 = a.beta1, b2 = a.beta2, c1 = 1 - a.beta1, c2 = 1 - a.beta2, wd = a.weightDecay, step = a.stepSize,
              bias2 = a.bias2Sqrt, eps = a.eps;
#pragma omp parallel for simd if (parallel: n > parallelMin)
  for (long i = 0; i < n; i++) {
    const float gi = g[i] + wd * p[i];
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    po[i] = p[i] - step * mi / (std::sqrt(vi) / bias2 + eps);
  }
}

__attribute__((target_clones("avx2", "default")))
void SgdLoop(const float* p, const float* g, const float* b, float* po, float* bo, long n, const SgdScalars& s) {
  const float lr = s.lr, mu = s.momentum, wd = s.weightDecay;
  if (b == nullptr) {
#pragma omp parallel for simd if (parallel: n > parallelMin)
    for (long i = 0; i < n; i++) po[i] = p[i] - lr * (g[i] + wd * p[i]);
    return;
  }
  const bool nesterov = s.nesterov;
#pragma omp parallel for simd if (parallel: n > parallelMin)
  for (long i = 0; i < n; i++) {
    const float d = g[i] + wd * p[i];
    const float bi = mu * b[i] + d;
    bo[i] = bi;
    po[i] = p[i] - lr * (nesterov ? d + mu * bi : bi);
  }
}

}  // namespace

void InstanceNormForward(const float* x, float* y, float* rstd, long n, long hw, long c, float eps) {
  const long blocks = Blocks(c);
  for (long s = 0; s < n; s++) {
    const float* xs = x + s * hw * c;
    float* ys = y + s * hw * c;
#pragma omp parallel for schedule(static) if (hw * c > parallelMin && blocks > 1)
    for (long b = 0; b < blocks; b++) {
      const long k0 = b * kChannelBlock, k1 = std::min(c, k0 + kChannelBlock);
      InstanceNormForwardBlock(xs, ys, rstd + s * c, hw, c, k0, k1, eps);
    }
  }
}

void InstanceNormBackward(const float* g, const float* y, const float* rstd, float* dx, long n, long hw, long c) {
  const long blocks = Blocks(c);
  for (long s = 0; s < n; s++) {
    const long off = s * hw * c;
#pragma omp parallel for schedule(static) if (hw * c > parallelMin && blocks > 1)
    for (long b = 0; b < blocks; b++) {
      const long k0 = b * kChannelBlock, k1 = std::min(c, k0 + kChannelBlock);
      InstanceNormBackwardBlock(g + off, y + off, rstd + s * c, dx + off, hw, c, k0, k1);
    }
  }
}

void LayerNormForward(const float* x, float* y, float* std_out, long n, long m, float eps) {
  for (long s = 0; s < n; s++) {
    const float* xs = x + s * m;
    const float mean = static_cast<float>(Sum(xs, m) / m);
    const double sd = std::sqrt(CentredSquares(xs, m, mean) / (m - 1));
    std_out[s] = static_cast<float>(sd);
    Affine(xs, y + s * m, m, mean, static_cast<float>(1.0 / (sd + eps)));
  }
}

void LayerNormBackward(const float* g, const float* y, const float* std_in, float* dx, long n, long m, float eps) {
  for (long s = 0; s < n; s++) {
    const long off = s * m;
    const double sg = Sum(g + off, m), sgy = Dot(g + off, y + off, m);
    const double sd = std_in[s];
    // A constant sample (std 0) has y = 0: its std term vanishes (subgradient).
    const double k = sd > 0 ? sgy / ((m - 1) * sd) : 0;
    LayerNormGradient(g + off, y + off, dx + off, m, static_cast<float>(sg / m), static_cast<float>(1.0 / (sd + eps)),
                      static_cast<float>(k));
  }
}

void ColumnSums(const float* x, float* out, long rows, long cols) {
  const int threads = rows * cols > parallelMin ? omp_get_max_threads() : 1;
  std::vector<double> partial(static_cast<size_t>(threads) * cols, 0.0);
#pragma omp parallel num_threads(threads)
  {
    double* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * cols;
#pragma omp for schedule(static)
    for (long r = 0; r < rows; r++) AccumulateRow(x + r * cols, acc, cols);
  }
  for (long c = 0; c < cols; c++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[static_cast<size_t>(t) * cols + c];
    out[c] = static_cast<float>(s);
  }
}

void AdamUpdate(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, long n,
                const AdamScalars& a) {
  AdamLoop(p, g, m, v, po, mo, vo, n, a);
}

void SgdUpdate(const float* p, const float* g, const float* b, float* po, float* bo, long n, const SgdScalars& s) {
  SgdLoop(p, g, b, po, bo, n, s);
}

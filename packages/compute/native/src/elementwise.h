// Normalization and optimizer loops over float32 arrays (see elementwise.cc).
#pragma once

struct AdamScalars {
  float beta1, beta2, eps, weightDecay;
  float stepSize;   // lr / (1 − β1^t)
  float bias2Sqrt;  // √(1 − β2^t)
};

struct SgdScalars {
  float lr, momentum, weightDecay;
  bool nesterov;
};

// x, y: [n, hw, c] (NHWC); rstd: [n, c] = 1/√(σ² + eps).
void InstanceNormForward(const float* x, float* y, float* rstd, long n, long hw, long c, float eps);
void InstanceNormBackward(const float* g, const float* y, const float* rstd, float* dx, long n, long hw, long c);
// x, y: [n, m] with m = C·H·W; std: [n], unbiased.
void LayerNormForward(const float* x, float* y, float* std_out, long n, long m, float eps);
void LayerNormBackward(const float* g, const float* y, const float* std_in, float* dx, long n, long m, float eps);
// out[c] = Σ_r x[r, c] over x: [rows, cols] (e.g. a bias gradient: NHWC summed over N, H, W).
void ColumnSums(const float* x, float* out, long rows, long cols);
// Outputs are separate arrays (the tfjs kernels stay pure).
void AdamUpdate(const float* p, const float* g, const float* m, const float* v, float* po, float* mo, float* vo, long n,
                const AdamScalars& a);
// b, bo null: plain SGD.
void SgdUpdate(const float* p, const float* g, const float* b, float* po, float* bo, long n, const SgdScalars& s);

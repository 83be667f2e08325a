// Elementwise unary kernels (activations, math functions), Cast, Select
// (where) and AddN: multi-threaded loops over
// contiguous float32 / int32 / bool storage, with tfjs's semantics (e.g.
// Relu(NaN) = NaN, Step(0) = alpha... see each case).
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

// Codes shared with the TS side.
enum Op {
  kRelu = 0, kRelu6 = 1, kLeakyRelu = 2, kStep = 3, kNeg = 4, kAbs = 5, kSquare = 6, kSign = 7, kFloor = 8, kCeil = 9,
  kRound = 10, kReciprocal = 11, kSqrt = 12, kRsqrt = 13, kExp = 14, kLog = 15, kLog1p = 16, kTanh = 17, kSigmoid = 18,
  kSoftplus = 19, kElu = 20, kClip = 21, kExpm1 = 22, kIdentity = 23,
};

template <typename T, typename F>
void Map(const T* x, T* y, int64_t n, F f) {
#pragma omp parallel for simd schedule(static) if (parallel: n >= parallelMin)
  for (int64_t i = 0; i < n; i++) y[i] = f(x[i]);
}

// tfjs's round: half to even.
inline float RoundHalfEven(float v) {
  const float base = std::floor(v);
  const float d = v - base;
  if (d < 0.5f) return base;
  if (d > 0.5f) return base + 1;
  return std::fmod(base, 2.0f) == 0 ? base : base + 1;
}

bool UnaryFloat(int op, const float* x, float* y, int64_t n, float alpha, float beta) {
  switch (op) {
    // x < 0 ? 0 : x keeps NaN (tfjs's relu).
    case kRelu: Map(x, y, n, [](float v) { return v < 0 ? 0.0f : v; }); return true;
    case kRelu6: Map(x, y, n, [](float v) { return v < 0 ? 0.0f : (v > 6 ? 6.0f : v); }); return true;
    case kLeakyRelu: Map(x, y, n, [alpha](float v) { return v < 0 ? alpha * v : v; }); return true;
    // tfjs's step: NaN stays NaN, x > 0 → 1, else alpha.
    // Two selects, not a nested ?:, so the loop vectorizes.
    case kStep: Map(x, y, n, [alpha](float v) {
      const float s = v > 0 ? 1.0f : alpha;
      return v != v ? v : s;
    }); return true;
    case kNeg: Map(x, y, n, [](float v) { return -v; }); return true;
    case kAbs: Map(x, y, n, [](float v) { return std::fabs(v); }); return true;
    case kSquare: Map(x, y, n, [](float v) { return v * v; }); return true;
    case kSign: Map(x, y, n, [](float v) {
      float s = v > 0 ? 1.0f : 0.0f;
      s = v < 0 ? -1.0f : s;
      return v != v ? 0.0f : s;
    }); return true;
    case kFloor: Map(x, y, n, [](float v) { return std::floor(v); }); return true;
    case kCeil: Map(x, y, n, [](float v) { return std::ceil(v); }); return true;
    case kRound: Map(x, y, n, RoundHalfEven); return true;
    case kReciprocal: Map(x, y, n, [](float v) { return 1.0f / v; }); return true;
    case kSqrt: Map(x, y, n, [](float v) { return std::sqrt(v); }); return true;
    case kRsqrt: Map(x, y, n, [](float v) { return 1.0f / std::sqrt(v); }); return true;
    case kExp: Map(x, y, n, [](float v) { return std::exp(v); }); return true;
    case kLog: Map(x, y, n, [](float v) { return std::log(v); }); return true;
    case kLog1p: Map(x, y, n, [](float v) { return std::log1p(v); }); return true;
    case kExpm1: Map(x, y, n, [](float v) { return std::expm1(v); }); return true;
    case kTanh: Map(x, y, n, [](float v) { return std::tanh(v); }); return true;
    case kSigmoid: Map(x, y, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); }); return true;
    // Softplus as tfjs computes it (thresholds at log(eps) − ... with float32 epsilon).
    case kSoftplus: {
      const float threshold = std::log(std::numeric_limits<float>::epsilon()) + 2.0f;
      Map(x, y, n, [threshold](float v) {
        if (v > -threshold) return v;
        if (v < threshold) return std::exp(v);
        return std::log(std::exp(v) + 1.0f);
      });
      return true;
    }
    case kElu: Map(x, y, n, [](float v) { return v >= 0 ? v : std::exp(v) - 1.0f; }); return true;
    case kClip: Map(x, y, n, [alpha, beta](float v) { return v > beta ? beta : (v < alpha ? alpha : v); }); return true;
    case kIdentity: Map(x, y, n, [](float v) { return v; }); return true;
    default: return false;
  }
}

bool UnaryInt(int op, const int32_t* x, int32_t* y, int64_t n, float alpha, float beta) {
  switch (op) {
    case kRelu: Map(x, y, n, [](int32_t v) { return v < 0 ? 0 : v; }); return true;
    case kNeg: Map(x, y, n, [](int32_t v) { return static_cast<int32_t>(0u - static_cast<uint32_t>(v)); }); return true;
    case kAbs: Map(x, y, n, [](int32_t v) { return v < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(v)) : v; }); return true;
    case kSquare: Map(x, y, n, [](int32_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v) * static_cast<uint32_t>(v)); }); return true;
    case kSign: Map(x, y, n, [](int32_t v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }); return true;
    case kClip: {
      // tfjs clips int32 against float bounds and stores the result as int32.
      Map(x, y, n, [alpha, beta](int32_t v) {
        const float f = static_cast<float>(v);
        return static_cast<int32_t>(f > beta ? beta : (f < alpha ? alpha : f));
      });
      return true;
    }
    case kIdentity: Map(x, y, n, [](int32_t v) { return v; }); return true;
    default: return false;
  }
}

// (op, x, out, alpha, beta): same dtype in and out (float32 or int32).
Napi::Value UnaryJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int op = static_cast<int>(args.Int(0));
  const DType t = args.Type(1);
  const int64_t n = info[1].IsTypedArray() ? info[1].As<Napi::TypedArray>().ElementLength() : 0;
  void* x = args.Data(1, n, "x");
  void* y = args.Data(2, n, "out");
  const float alpha = static_cast<float>(args.Num(3)), beta = static_cast<float>(args.Num(4));
  if (!args.ok) return info.Env().Undefined();
  bool done = false;
  if (t == DType::kFloat32 && args.Type(2) == t) done = UnaryFloat(op, static_cast<float*>(x), static_cast<float*>(y), n, alpha, beta);
  else if (t == DType::kInt32 && args.Type(2) == t) done = UnaryInt(op, static_cast<int32_t*>(x), static_cast<int32_t*>(y), n, alpha, beta);
  if (!done) args.Fail("unary: op " + std::to_string(op) + " is not supported for this dtype");
  return info.Env().Undefined();
}

template <typename S, typename D>
void CastLoop(const S* x, D* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (parallel: n >= parallelMin)
  for (int64_t i = 0; i < n; i++) {
    if constexpr (std::is_same_v<D, uint8_t>) y[i] = x[i] != 0;
    else if constexpr (std::is_same_v<S, float> && std::is_same_v<D, int32_t>) {
      // JS stores a float into an Int32Array by truncation toward zero, modulo 2^32 (NaN → 0).
      const double v = x[i];
      if (v != v || std::isinf(v)) {
        y[i] = 0;
      } else {
        double r = std::fmod(std::trunc(v), 4294967296.0);
        if (r < 0) r += 4294967296.0;
        y[i] = static_cast<int32_t>(static_cast<uint32_t>(r));
      }
    } else y[i] = static_cast<D>(x[i]);
  }
}

// (x, out): any pair of float32 / int32 / bool storage.
Napi::Value CastJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  void* x = args.Data(0, n, "x");
  void* y = args.Data(1, n, "out");
  if (!args.ok) return info.Env().Undefined();
  const DType s = args.Type(0), d = args.Type(1);
  auto from = [&](auto* src) {
    using S = std::remove_pointer_t<decltype(src)>;
    if (d == DType::kFloat32) CastLoop<S, float>(src, static_cast<float*>(y), n);
    else if (d == DType::kInt32) CastLoop<S, int32_t>(src, static_cast<int32_t*>(y), n);
    else if (d == DType::kBool) CastLoop<S, uint8_t>(src, static_cast<uint8_t*>(y), n);
    else args.Fail("cast: unsupported output type");
  };
  if (s == DType::kFloat32) from(static_cast<float*>(x));
  else if (s == DType::kInt32) from(static_cast<int32_t*>(x));
  else if (s == DType::kBool) from(static_cast<uint8_t*>(x));
  else args.Fail("cast: unsupported input type");
  return info.Env().Undefined();
}

// (cond: Uint8Array, a, b, out): out = cond ? a : b, all of one length, a/b/out of one dtype.
Napi::Value SelectJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  const uint8_t* c = args.As<uint8_t>(0, n, "condition");
  void* a = args.Data(1, n, "a");
  void* b = args.Data(2, n, "b");
  void* y = args.Data(3, n, "out");
  if (!args.ok) return info.Env().Undefined();
  auto run = [&](auto* pa, auto* pb, auto* py) {
#pragma omp parallel for simd schedule(static) if (parallel: n >= parallelMin)
    for (int64_t i = 0; i < n; i++) py[i] = c[i] ? pa[i] : pb[i];
  };
  const DType t = args.Type(1);
  if (args.Type(0) != DType::kBool || args.Type(2) != t || args.Type(3) != t) args.Fail("select: condition must be bool and a, b, out of one dtype");
  else if (t == DType::kFloat32) run(static_cast<float*>(a), static_cast<float*>(b), static_cast<float*>(y));
  else if (t == DType::kInt32) run(static_cast<int32_t*>(a), static_cast<int32_t*>(b), static_cast<int32_t*>(y));
  else run(static_cast<uint8_t*>(a), static_cast<uint8_t*>(b), static_cast<uint8_t*>(y));
  return info.Env().Undefined();
}

// (inputs: Float32Array[] | Int32Array[], out): out = Σ inputs (in input order, float32 like tfjs).
Napi::Value AddNJs(const Napi::CallbackInfo& info) {
  Args args{info};
  if (!info[0].IsArray()) return args.Fail("addN: inputs must be an array"), info.Env().Undefined();
  auto list = info[0].As<Napi::Array>();
  const int64_t n = info[1].IsTypedArray() ? info[1].As<Napi::TypedArray>().ElementLength() : 0;
  const DType t = args.Type(1);
  void* y = args.Data(1, n, "out");
  std::vector<const void*> xs(list.Length());
  for (uint32_t k = 0; k < list.Length() && args.ok; k++) {
    const Napi::Value v = list.Get(k);
    if (TypeOf(v) != t) return args.Fail("addN: inputs and out must share one dtype"), info.Env().Undefined();
    auto a = v.As<Napi::TypedArray>();
    if (static_cast<int64_t>(a.ElementLength()) != n) return args.Fail("addN: inputs must all have out's length"), info.Env().Undefined();
    xs[k] = static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  }
  if (!args.ok || xs.empty()) return info.Env().Undefined();
  auto run = [&](auto* out) {
    using T = std::remove_pointer_t<decltype(out)>;
    const int64_t m = static_cast<int64_t>(xs.size());
    // Blocks of 4096 elements: each stays in cache while every input is added.
    constexpr int64_t kBlock = 4096;
    const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n >= parallelMin)
    for (int64_t blk = 0; blk < blocks; blk++) {
      const int64_t i0 = blk * kBlock, i1 = std::min(n, i0 + kBlock);
      const T* x0 = static_cast<const T*>(xs[0]);
      for (int64_t i = i0; i < i1; i++) out[i] = x0[i];
      for (int64_t k = 1; k < m; k++) {
        const T* xk = static_cast<const T*>(xs[k]);
#pragma omp simd
        for (int64_t i = i0; i < i1; i++) out[i] += xk[i];
      }
    }
  };
  if (t == DType::kFloat32) run(static_cast<float*>(y));
  else if (t == DType::kInt32) run(static_cast<int32_t*>(y));
  else args.Fail("addN: float32 or int32 only");
  return info.Env().Undefined();
}

}  // namespace

void RegisterUnary(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, UnaryJs));
  exports.Set("cast", Napi::Function::New(env, CastJs));
  exports.Set("select", Napi::Function::New(env, SelectJs));
  exports.Set("addN", Napi::Function::New(env, AddNJs));
}

// Index kernels: OneHot, GatherV2 (rows gathered along one axis) and its
// gradient UnsortedSegmentSum, as multi-threaded loops over tfjs storage (float32 / int32 / bool).
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

// (indices: Int32Array[n], depth, onValue, offValue, out: Float32Array | Int32Array [n·depth]).
// An index outside [0, depth) gives a row of offValue (as tfjs).
Napi::Value OneHotJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  const int64_t depth = args.Int(1);
  const int32_t* idx = args.As<int32_t>(0, n, "indices");
  void* out = args.Data(4, n * depth, "out");
  if (!args.ok) return info.Env().Undefined();
  if (args.Type(0) != DType::kInt32) return args.Fail("oneHot: indices must be int32"), info.Env().Undefined();
  const double on = args.Num(2), off = args.Num(3);
  auto run = [&](auto* o) {
    using T = std::remove_pointer_t<decltype(o)>;
    const T vOn = static_cast<T>(on), vOff = static_cast<T>(off);
#pragma omp parallel for schedule(static) if (n * depth >= parallelMin)
    for (int64_t i = 0; i < n; i++) {
      T* row = o + i * depth;
      std::fill(row, row + depth, vOff);
      if (idx[i] >= 0 && idx[i] < depth) row[idx[i]] = vOn;
    }
  };
  if (args.Type(4) == DType::kFloat32) run(static_cast<float*>(out));
  else if (args.Type(4) == DType::kInt32) run(static_cast<int32_t*>(out));
  else args.Fail("oneHot: out must be float32 or int32");
  return info.Env().Undefined();
}

// (x, batch, outer, dim, slice, indices: Int32Array[batch·k], k, out):
// x is [batch, outer, dim, slice]; out[b, o, i, :] = x[b, o, indices[b, i], :], out [batch, outer, k, slice].
Napi::Value GatherV2Js(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t batch = args.Int(1), outer = args.Int(2), dim = args.Int(3), slice = args.Int(4), k = args.Int(6);
  const void* x = args.Data(0, batch * outer * dim * slice, "x");
  const int32_t* idx = args.As<int32_t>(5, batch * k, "indices");
  void* out = args.Data(7, batch * outer * k * slice, "out");
  if (!args.ok) return info.Env().Undefined();
  if (args.Type(5) != DType::kInt32 || args.Type(0) != args.Type(7)) return args.Fail("gatherV2: int32 indices; x and out of one dtype"), info.Env().Undefined();
  for (int64_t i = 0; i < batch * k; i++) {
    if (idx[i] < 0 || idx[i] >= dim) {
      return args.Fail("gatherV2: index " + std::to_string(idx[i]) + " at position " + std::to_string(i) + " is not in [0, " + std::to_string(dim) + ")"),
             info.Env().Undefined();
    }
  }
  const size_t es = args.Type(0) == DType::kBool ? 1 : 4;
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(out);
  const int64_t rows = batch * outer * k;
#pragma omp parallel for schedule(static) if (rows * slice >= parallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t i = r % k, bo = r / k, b = bo / outer;
    const int64_t from = (bo * dim + idx[b * k + i]) * slice;
    std::memcpy(dst + r * slice * es, src + from * es, slice * es);
  }
  return info.Env().Undefined();
}

// (x: Float32Array [n·inner], ids: Int32Array [n], numSegments, out: Float32Array [numSegments·inner]):
// out[s, :] = Σ x[i, :] over the rows i with ids[i] = s (ids outside [0, numSegments) are dropped, as tfjs).
// GatherV2's gradient. Threads own disjoint column ranges, so rows never collide.
Napi::Value UnsortedSegmentSumJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t n = info[1].IsTypedArray() ? info[1].As<Napi::TypedArray>().ElementLength() : 0;
  const int64_t segments = args.Int(2);
  const int64_t total = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  const int64_t inner = n > 0 ? total / n : 0;
  const float* x = args.As<float>(0, n * inner, "x");
  const int32_t* ids = args.As<int32_t>(1, n, "segmentIds");
  float* out = args.As<float>(3, segments * inner, "out");
  if (!args.ok) return info.Env().Undefined();
  if (args.Type(0) != DType::kFloat32 || args.Type(1) != DType::kInt32) return args.Fail("unsortedSegmentSum: float32 x, int32 ids"), info.Env().Undefined();
  std::fill(out, out + segments * inner, 0.0f);
  constexpr int64_t kColumns = 256;
  const int64_t chunks = (inner + kColumns - 1) / kColumns;
#pragma omp parallel for schedule(static) if (n * inner >= parallelMin && chunks > 1)
  for (int64_t chunk = 0; chunk < chunks; chunk++) {
    const int64_t j0 = chunk * kColumns, j1 = std::min(inner, j0 + kColumns);
    for (int64_t i = 0; i < n; i++) {
      const int64_t s = ids[i];
      if (s < 0 || s >= segments) continue;
      const float* row = x + i * inner;
      float* o = out + s * inner;
#pragma omp simd
      for (int64_t j = j0; j < j1; j++) o[j] += row[j];
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterIndex(Napi::Env env, Napi::Object exports) {
  exports.Set("oneHot", Napi::Function::New(env, OneHotJs));
  exports.Set("gatherV2", Napi::Function::New(env, GatherV2Js));
  exports.Set("unsortedSegmentSum", Napi::Function::New(env, UnsortedSegmentSumJs));
}

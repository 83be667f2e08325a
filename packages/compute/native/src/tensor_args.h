// Argument helpers shared by the tensor kernels (binary.cc, unary.cc,
// reduce.cc, layout.cc, index.cc, pool.cc, resize.cc): typed-array views of
// tfjs tensor storage (no copies), shapes as int64, and the OpenMP threshold.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tensor_args {

// Below this many elements a loop stays on the calling thread: waking the
// OpenMP team costs more than the work. Most loops here stream memory at a
// few flops per element; on the 2-core EPYC (5 Dec 2026) one thread was
// faster up to ~512 K elements (add at 262 K: 55 µs on one thread, 74 on two;
// at 1 M: 206 and 172).
//
// Loops write `#pragma omp parallel for simd if (parallel: …)`: an if clause
// without the `parallel:` modifier applies to the simd construct too
// (OpenMP 5.0), so the serial path ran unvectorized (a ReLU on 262 K
// elements: 1,430 µs instead of 51).
// Settable (`setParallelMin`) so the specs can run the threaded paths on
// small tensors.
inline int64_t parallelMin = 1 << 19;

// Element types of tfjs storage: float32 (Float32Array), int32 (Int32Array), bool (Uint8Array).
enum class DType { kFloat32, kInt32, kBool, kOther };

inline DType TypeOf(const Napi::Value& v) {
  if (!v.IsTypedArray()) return DType::kOther;
  switch (v.As<Napi::TypedArray>().TypedArrayType()) {
    case napi_float32_array: return DType::kFloat32;
    case napi_int32_array: return DType::kInt32;
    case napi_uint8_array: return DType::kBool;
    default: return DType::kOther;
  }
}

// Reads arguments of one call; the first failure throws a JS RangeError/TypeError and
// sets ok = false (later reads return nulls), so a kernel checks `ok` once before working.
struct Args {
  const Napi::CallbackInfo& info;
  bool ok = true;

  // Storage of argument i (any typed array) with at least `length` elements; `elementSize` checked.
  void* Data(size_t i, int64_t length, const char* what) {
    if (!ok) return nullptr;
    const Napi::Value v = info[i];
    if (!v.IsTypedArray()) return Fail(std::string(what) + " must be a typed array");
    auto a = v.As<Napi::TypedArray>();
    if (static_cast<int64_t>(a.ElementLength()) != length) {
      return Fail(std::string(what) + " has " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(length));
    }
    return static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  }
  template <typename T>
  T* As(size_t i, int64_t length, const char* what) { return static_cast<T*>(Data(i, length, what)); }

  DType Type(size_t i) const { return TypeOf(info[i]); }

  // A shape (array of non-negative integers).
  std::vector<int64_t> Shape(size_t i, const char* what) {
    std::vector<int64_t> s;
    if (!ok) return s;
    if (!info[i].IsArray()) {
      Fail(std::string(what) + " must be an array of dimensions");
      return s;
    }
    auto a = info[i].As<Napi::Array>();
    s.resize(a.Length());
    for (uint32_t k = 0; k < a.Length(); k++) {
      s[k] = a.Get(k).As<Napi::Number>().Int64Value();
      if (s[k] < 0) Fail(std::string(what) + " has a negative dimension");
    }
    return s;
  }
  int64_t Int(size_t i) const { return info[i].As<Napi::Number>().Int64Value(); }
  double Num(size_t i) const { return info[i].As<Napi::Number>().DoubleValue(); }
  bool Bool(size_t i) const { return info[i].ToBoolean().Value(); }

  std::nullptr_t Fail(const std::string& message) {
    if (ok) Napi::RangeError::New(info.Env(), message).ThrowAsJavaScriptException();
    ok = false;
    return nullptr;
  }
};

inline int64_t Size(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Row-major strides of a shape.
inline std::vector<int64_t> Strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
}

}  // namespace tensor_args

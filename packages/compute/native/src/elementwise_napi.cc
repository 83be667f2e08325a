// N-API entry points of the normalization and optimizer loops. Every array
// is a Float32Array view (into a WebAssembly.Memory for the wasm backend);
// shapes arrive as numbers and are checked against the views' lengths.
#include "elementwise_napi.h"

#include <string>

#include "elementwise.h"

namespace {

struct Args {
  const Napi::CallbackInfo& info;
  bool ok = true;

  // The i-th argument as float32 storage of exactly `length` elements (null allowed when `optional`).
  float* Floats(size_t i, size_t length, const char* what, bool optional = false) {
    if (!ok) return nullptr;
    const Napi::Value v = info[i];
    if (optional && (v.IsNull() || v.IsUndefined())) return nullptr;
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      return Fail(std::string(what) + " must be a Float32Array");
    }
    auto a = v.As<Napi::Float32Array>();
    if (a.ElementLength() != length) {
      return Fail(std::string(what) + " has " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(length));
    }
    return a.Data();
  }
  long Int(size_t i) const { return info[i].As<Napi::Number>().Int64Value(); }
  float Num(size_t i) const { return info[i].As<Napi::Number>().FloatValue(); }

  float* Fail(const std::string& message) {
    ok = false;
    Napi::RangeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return nullptr;
  }
};

// (x, y, rstd, n, hw, c, eps)
Napi::Value InstanceNormForwardJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const long n = a.Int(3), hw = a.Int(4), c = a.Int(5);
  const float* x = a.Floats(0, n * hw * c, "x");
  float* y = a.Floats(1, n * hw * c, "y");
  float* rstd = a.Floats(2, n * c, "rstd");
  if (a.ok) InstanceNormForward(x, y, rstd, n, hw, c, a.Num(6));
  return info.Env().Undefined();
}

// (g, y, rstd, dx, n, hw, c)
Napi::Value InstanceNormBackwardJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const long n = a.Int(4), hw = a.Int(5), c = a.Int(6);
  const float* g = a.Floats(0, n * hw * c, "dy");
  const float* y = a.Floats(1, n * hw * c, "y");
  const float* rstd = a.Floats(2, n * c, "rstd");
  float* dx = a.Floats(3, n * hw * c, "dx");
  if (a.ok) InstanceNormBackward(g, y, rstd, dx, n, hw, c);
  return info.Env().Undefined();
}

// (x, y, std, n, m, eps)
Napi::Value LayerNormForwardJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const long n = a.Int(3), m = a.Int(4);
  const float* x = a.Floats(0, n * m, "x");
  float* y = a.Floats(1, n * m, "y");
  float* sd = a.Floats(2, n, "std");
  if (a.ok) LayerNormForward(x, y, sd, n, m, a.Num(5));
  return info.Env().Undefined();
}

// (g, y, std, dx, n, m, eps)
Napi::Value LayerNormBackwardJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const long n = a.Int(4), m = a.Int(5);
  const float* g = a.Floats(0, n * m, "dy");
  const float* y = a.Floats(1, n * m, "y");
  const float* sd = a.Floats(2, n, "std");
  float* dx = a.Floats(3, n * m, "dx");
  if (a.ok) LayerNormBackward(g, y, sd, dx, n, m, a.Num(6));
  return info.Env().Undefined();
}

// (x, out, rows, cols)
Napi::Value ColumnSumsJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const long rows = a.Int(2), cols = a.Int(3);
  const float* x = a.Floats(0, rows * cols, "x");
  float* out = a.Floats(1, cols, "out");
  if (a.ok) ColumnSums(x, out, rows, cols);
  return info.Env().Undefined();
}

// (p, g, m, v, pOut, mOut, vOut, beta1, beta2, eps, weightDecay, stepSize, bias2Sqrt)
Napi::Value AdamUpdateJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const size_t n = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  const char* names[] = {"p", "g", "m", "v", "pOut", "mOut", "vOut"};
  float* arr[7];
  for (size_t i = 0; i < 7; i++) arr[i] = a.Floats(i, n, names[i]);
  if (!a.ok) return info.Env().Undefined();
  AdamUpdate(arr[0], arr[1], arr[2], arr[3], arr[4], arr[5], arr[6], static_cast<long>(n),
             AdamScalars{a.Num(7), a.Num(8), a.Num(9), a.Num(10), a.Num(11), a.Num(12)});
  return info.Env().Undefined();
}

// (p, g, b | null, pOut, bOut | null, lr, momentum, nesterov, weightDecay)
Napi::Value SgdUpdateJs(const Napi::CallbackInfo& info) {
  Args a{info};
  const size_t n = info[0].IsTypedArray() ? info[0].As<Napi::TypedArray>().ElementLength() : 0;
  const float* p = a.Floats(0, n, "p");
  const float* g = a.Floats(1, n, "g");
  const float* b = a.Floats(2, n, "b", true);
  float* po = a.Floats(3, n, "pOut");
  float* bo = a.Floats(4, n, "bOut", true);
  if (a.ok && (b == nullptr) != (bo == nullptr)) a.Fail("b and bOut must both be given or both be null");
  if (!a.ok) return info.Env().Undefined();
  SgdUpdate(p, g, b, po, bo, static_cast<long>(n), SgdScalars{a.Num(5), a.Num(6), a.Num(8), info[7].ToBoolean().Value()});
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("instanceNormForward", Napi::Function::New(env, InstanceNormForwardJs));
  exports.Set("instanceNormBackward", Napi::Function::New(env, InstanceNormBackwardJs));
  exports.Set("layerNormForward", Napi::Function::New(env, LayerNormForwardJs));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackwardJs));
  exports.Set("columnSums", Napi::Function::New(env, ColumnSumsJs));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdateJs));
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdateJs));
}

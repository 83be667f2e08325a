// Registration of the tensor kernels (one function per source file) on the addon's exports.
#pragma once
#include <napi.h>

void RegisterBinary(Napi::Env env, Napi::Object exports);     // binary.cc
void RegisterUnary(Napi::Env env, Napi::Object exports);      // unary.cc
void RegisterReduce(Napi::Env env, Napi::Object exports);     // reduce.cc
void RegisterLayout(Napi::Env env, Napi::Object exports);     // layout.cc
void RegisterIndex(Napi::Env env, Napi::Object exports);      // index.cc
void RegisterPool(Napi::Env env, Napi::Object exports);       // pool.cc
void RegisterResize(Napi::Env env, Napi::Object exports);     // resize.cc
void RegisterMatMul(Napi::Env env, Napi::Object exports);     // matmul.cc
void RegisterSoftmax(Napi::Env env, Napi::Object exports);    // softmax.cc
void RegisterSpectralNorm(Napi::Env env, Napi::Object exports);  // spectral_norm.cc
void RegisterHeap(Napi::Env env, Napi::Object exports);       // heap.cc (glibc heap controls, not a kernel)

// All of the above.
inline void RegisterTensorKernels(Napi::Env env, Napi::Object exports) {
  RegisterBinary(env, exports);
  RegisterUnary(env, exports);
  RegisterReduce(env, exports);
  RegisterLayout(env, exports);
  RegisterIndex(env, exports);
  RegisterPool(env, exports);
  RegisterResize(env, exports);
  RegisterMatMul(env, exports);
  RegisterSoftmax(env, exports);
  RegisterSpectralNorm(env, exports);
  RegisterHeap(env, exports);
}

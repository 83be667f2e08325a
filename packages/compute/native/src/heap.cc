// glibc's malloc and the memory it keeps: two calls for code that builds
// something making large transient copies (an onnxruntime session: graph
// optimisation re-creates every weight twice, fused with its batch norm and
// re-laid out, and frees the old copies).
//
// glibc hands a block of at least its mmap threshold its own mapping, which
// free() unmaps at once; a smaller one comes from the heap, and a freed one
// stays there for reuse until the heap's top is trimmed. The threshold starts
// at 128 KiB and rises (up to 32 MiB on 64-bit) to the size of every larger
// mapped block freed, so after the first big weight copy is freed the later
// ones land in the heap and their memory stays with the process.
// - heapMmapThreshold(bytes): mallopt(M_MMAP_THRESHOLD), fixing the threshold
//   (glibc's dynamic adjustment stops for the rest of the process).
// - heapTrimThreshold(bytes): mallopt(M_TRIM_THRESHOLD): free memory at the
//   heap's top beyond it goes back to the system at free(). glibc's dynamic
//   adjustment keeps it at twice the mmap threshold; fixing the mmap
//   threshold freezes it wherever it stood, so it is set with it.
// - heapTrim(): malloc_trim(0), which returns every whole free page of every
//   arena to the system (madvise(MADV_DONTNEED)), not only the heap's top.
// Both report false where the C library is not glibc (nothing to do there).
#include <napi.h>

#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "tensor_kernels.h"

namespace {

// mallopt(param, bytes) for (bytes: number) → true when glibc took it; `name` for the errors.
Napi::Value SetMallocParameter(const Napi::CallbackInfo& info, const char* name, int param) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, std::string(name) + "(bytes): bytes must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0 && bytes <= 2147483647.0)) {
    Napi::RangeError::New(env, std::string(name) + "(bytes): bytes must be in [0, 2^31)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__GLIBC__)
  return Napi::Boolean::New(env, mallopt(param, static_cast<int>(bytes)) == 1);
#else
  (void)param;
  return Napi::Boolean::New(env, false);
#endif
}

#if !defined(__GLIBC__)
constexpr int M_MMAP_THRESHOLD = 0, M_TRIM_THRESHOLD = 0;  // unused off glibc
#endif

Napi::Value HeapMmapThreshold(const Napi::CallbackInfo& info) { return SetMallocParameter(info, "heapMmapThreshold", M_MMAP_THRESHOLD); }
Napi::Value HeapTrimThreshold(const Napi::CallbackInfo& info) { return SetMallocParameter(info, "heapTrimThreshold", M_TRIM_THRESHOLD); }

// () → true when some memory went back to the system.
Napi::Value HeapTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void RegisterHeap(Napi::Env env, Napi::Object exports) {
  exports.Set("heapMmapThreshold", Napi::Function::New(env, HeapMmapThreshold));
  exports.Set("heapTrimThreshold", Napi::Function::New(env, HeapTrimThreshold));
  exports.Set("heapTrim", Napi::Function::New(env, HeapTrim));
}

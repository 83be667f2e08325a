// Tensor memory of the native backend: ArrayBuffers over malloc'd blocks that
// the backend frees the moment the tensor holding one is disposed.
//
// An array made in JS (`new Float32Array(n)`) is freed only when V8's
// collector next finds it unreachable, so during a training step resident
// memory runs far above the live tensors' bytes and every new output is fresh
// memory whose pages the kernel then faults in. Here a disposed tensor's
// block goes straight back to malloc, which hands it to the next output (as
// PyTorch's CPU tensors, freed by reference count). The ArrayBuffer is
// detached first, so a view somebody kept reads as empty rather than as
// another tensor's values. A block never released (its array left the
// backend: `dataSync`) is freed by the finalizer when V8 collects it.
//
// V8 counts an external ArrayBuffer's bytes as external memory by itself
// (from creation to detach), which is what schedules its collections; the
// blocks are not reported again through napi_adjust_external_memory.
// Counted twice, a DeepLabV2 step at 64×128 ran 7 full collections instead
// of ~4, whose concurrent marking took the second core from oneDNN (+150 ms
// a step).
#include "memory.h"

#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace {

constexpr size_t kAlign = 64;  // sizes rounded to a cache line (malloc itself aligns to 16 bytes: aligned_alloc fragments glibc's heap)

struct Block {
  void* data;
  size_t bytes;
  bool released;
};

// Blocks not yet released, by address (one JS thread uses them; no lock).
std::unordered_map<void*, Block*>& Live() {
  static auto* live = new std::unordered_map<void*, Block*>();
  return *live;
}
int64_t liveBytes = 0;

void Forget(void* data, size_t bytes) {
  std::free(data);
  liveBytes -= static_cast<int64_t>(bytes);
}

void Finalize(napi_env /*env*/, void* /*data*/, void* hint) {
  auto* b = static_cast<Block*>(hint);
  if (!b->released) {
    auto& live = Live();
    auto it = live.find(b->data);
    if (it != live.end() && it->second == b) live.erase(it);
    Forget(b->data, b->bytes);
  }
  delete b;
}

// (bytes: number, zero: boolean) → ArrayBuffer of `bytes` bytes (zero-filled when `zero`).
Napi::Value Allocate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    Napi::TypeError::New(env, "allocate(bytes: number, zero: boolean)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double requested = info[0].As<Napi::Number>().DoubleValue();
  if (!(requested >= 0) || requested > 9.0e15 || requested != static_cast<double>(static_cast<int64_t>(requested))) {
    Napi::RangeError::New(env, "allocate: bytes must be a whole number ≥ 0").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t bytes = static_cast<size_t>(requested);
  const size_t rounded = ((bytes > 0 ? bytes : 1) + kAlign - 1) / kAlign * kAlign;
  // calloc skips the memset where the memory is fresh from the kernel (already zero: large blocks are mmapped).
  void* data = info[1].As<Napi::Boolean>().Value() ? std::calloc(1, rounded) : std::malloc(rounded);
  if (data == nullptr) {
    Napi::Error::New(env, "allocate: out of memory (" + std::to_string(bytes) + " bytes)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* b = new Block{data, bytes, false};
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, data, bytes, Finalize, b, &buffer) != napi_ok) {
    std::free(data);
    delete b;
    Napi::Error::New(env, "allocate: napi_create_external_arraybuffer failed").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Live()[data] = b;
  liveBytes += static_cast<int64_t>(bytes);
  return Napi::Value(env, buffer);
}

// (buffer: ArrayBuffer) → true when it was one of `allocate`'s, not yet released: it is detached and its block freed.
Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "release(buffer: ArrayBuffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto buffer = info[0].As<Napi::ArrayBuffer>();
  void* data = buffer.Data();
  auto& live = Live();
  auto it = data != nullptr ? live.find(data) : live.end();
  if (it == live.end() || it->second->bytes != buffer.ByteLength()) return Napi::Boolean::New(env, false);
  // The finalizer may run inside the detach: from here on it only deletes the record.
  Block* b = it->second;
  const size_t bytes = b->bytes;
  b->released = true;
  live.erase(it);
  // Detach before freeing: after this no JS view reaches the block, and V8 drops its record of the address.
  if (napi_detach_arraybuffer(env, buffer) != napi_ok) {
    Napi::Error::New(env, "release: the buffer cannot be detached").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Forget(data, bytes);
  return Napi::Boolean::New(env, true);
}

// () → { blocks, bytes }: blocks allocated and not yet freed.
Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("blocks", Napi::Number::New(env, static_cast<double>(Live().size())));
  out.Set("bytes", Napi::Number::New(env, static_cast<double>(liveBytes)));
  return out;
}

}  // namespace

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("allocate", Napi::Function::New(env, Allocate));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
}

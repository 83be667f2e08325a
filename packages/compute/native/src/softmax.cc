// Softmax over the last axis of a [rows, cols] float32 array: oneDNN's
// softmax primitive (JIT-vectorized exp; max-shifted, like tfjs), cached per
// shape in a bounded cache (cleared past kMaxEntries).
#include <napi.h>
#include <dnnl.hpp>

#include <cstdint>
#include <map>
#include <utility>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;
using dnnl::memory;

namespace {

constexpr size_t kMaxEntries = 256;

dnnl::engine& Engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& Stream() {
  static dnnl::stream s(Engine());
  return s;
}

struct Entry {
  dnnl::softmax_forward prim;
  memory::desc md;
};

// (x, out, rows, cols)
Napi::Value SoftmaxJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t rows = args.Int(2), cols = args.Int(3);
  float* x = args.As<float>(0, rows * cols, "logits");
  float* y = args.As<float>(1, rows * cols, "out");
  if (!args.ok) return info.Env().Undefined();
  if (args.Type(0) != DType::kFloat32 || args.Type(1) != DType::kFloat32) return args.Fail("softmax: float32 only"), info.Env().Undefined();
  if (rows * cols == 0) return info.Env().Undefined();
  static std::map<std::pair<int64_t, int64_t>, Entry> cache;
  try {
    auto it = cache.find({rows, cols});
    if (it == cache.end()) {
      if (cache.size() >= kMaxEntries) cache.clear();
      memory::desc md({rows, cols}, memory::data_type::f32, memory::format_tag::ab);
      dnnl::softmax_forward::primitive_desc pd(dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, md, 1), Engine());
      it = cache.emplace(std::make_pair(rows, cols), Entry{dnnl::softmax_forward(pd), md}).first;
    }
    memory src(it->second.md, Engine(), x), dst(it->second.md, Engine(), y);
    it->second.prim.execute(Stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    Stream().wait();
  } catch (const dnnl::error& err) {
    args.Fail(std::string("softmax: oneDNN: ") + err.what());
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterSoftmax(Napi::Env env, Napi::Object exports) { exports.Set("softmax", Napi::Function::New(env, SoftmaxJs)); }

// Batched float32 matrix products over oneDNN's matmul primitive:
// out[b] = op(a[b]) · op(bm[b]), op = optional transpose (expressed as
// strides, no copy), batch dims broadcast where one side has 1. Primitives
// are cached per geometry; the cache is bounded (cleared past kMaxEntries,
// so training over many shapes cannot grow it without end).
#include <napi.h>
#include <dnnl.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <unordered_map>

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

struct Geometry {
  int64_t batchA, batchB, m, k, n;
  bool transposeA, transposeB;

  int64_t Batch() const { return batchA > batchB ? batchA : batchB; }
  std::string Key() const {
    std::ostringstream s;
    s << batchA << ',' << batchB << ',' << m << ',' << k << ',' << n << ',' << transposeA << transposeB;
    return s.str();
  }
  // a stored [batchA, m, k] (or [batchA, k, m] when transposed) seen as [batchA, m, k]; a batch of 1 broadcasts (oneDNN's rule).
  memory::desc A() const {
    return memory::desc({batchA, m, k}, memory::data_type::f32, transposeA ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
  }
  memory::desc B() const {
    return memory::desc({batchB, k, n}, memory::data_type::f32, transposeB ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
  }
  memory::desc Out() const { return memory::desc({Batch(), m, n}, memory::data_type::f32, memory::format_tag::abc); }
};

struct Entry {
  dnnl::matmul prim;
  memory::desc a, b, out;
};

std::unordered_map<std::string, Entry>& Cache() {
  static std::unordered_map<std::string, Entry> cache;
  return cache;
}

// (a, b, out, batchA, batchB, m, k, n, transposeA, transposeB)
Napi::Value MatMulJs(const Napi::CallbackInfo& info) {
  Args args{info};
  Geometry g{args.Int(3), args.Int(4), args.Int(5), args.Int(6), args.Int(7), args.Bool(8), args.Bool(9)};
  if (g.batchA != g.batchB && g.batchA != 1 && g.batchB != 1) return args.Fail("matMul: batch sizes must match or one be 1"), info.Env().Undefined();
  float* a = args.As<float>(0, g.batchA * g.m * g.k, "a");
  float* b = args.As<float>(1, g.batchB * g.k * g.n, "b");
  float* out = args.As<float>(2, g.Batch() * g.m * g.n, "out");
  if (!args.ok) return info.Env().Undefined();
  if (args.Type(0) != DType::kFloat32 || args.Type(1) != DType::kFloat32 || args.Type(2) != DType::kFloat32) return args.Fail("matMul: float32 only"), info.Env().Undefined();
  if (g.Batch() * g.m * g.n == 0) return info.Env().Undefined();
  if (g.k == 0) {
    for (int64_t i = 0; i < g.Batch() * g.m * g.n; i++) out[i] = 0;
    return info.Env().Undefined();
  }
  try {
    auto& cache = Cache();
    const std::string key = g.Key();
    auto it = cache.find(key);
    if (it == cache.end()) {
      if (cache.size() >= kMaxEntries) cache.clear();
      const auto da = g.A(), db = g.B(), dout = g.Out();
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(da, db, dout), Engine());
      it = cache.emplace(key, Entry{dnnl::matmul(pd), da, db, dout}).first;
    }
    Entry& e = it->second;
    memory ma(e.a, Engine(), a), mb(e.b, Engine(), b), mo(e.out, Engine(), out);
    e.prim.execute(Stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mo}});
    Stream().wait();
  } catch (const dnnl::error& err) {
    args.Fail(std::string("matMul: oneDNN: ") + err.what());
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterMatMul(Napi::Env env, Napi::Object exports) { exports.Set("matMul", Napi::Function::New(env, MatMulJs)); }

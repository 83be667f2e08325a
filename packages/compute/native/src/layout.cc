// Data-movement kernels over float32 / int32 (4-byte) and bool (1-byte) storage:
//
// - transpose(x, shape, perm, out): a strided copy after merging dims that
//   stay adjacent under the permutation (rows copied whole when the last dim
//   stays last).
// - gather(x, xShape, out, outShape, maps, padValue): out[c] = x[map_0[c_0],
//   map_1[c_1], ...] with one index map per dim (null = identity, -1 = the
//   pad value). The TS side expresses Slice, StridedSlice, Reverse, Tile,
//   PadV2 and MirrorPad (reflect, symmetric) as maps; trailing identity dims
//   (and a unit-step map before them) are copied as contiguous runs.
// - fold(x, A, O, B, out, I, offsets, sources): out[a, i, b] = Σ x[a, o, b]
//   over the sources o of i (CSR lists): the adjoint of one dim's gather map,
//   e.g. MirrorPad's gradient one padded dim at a time.
// - concat(inputs, rows, widths, out): out rows = the inputs' rows side by side.
//
// Every loop is split across OpenMP threads; offsets are int64.
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

size_t ElementSize(DType t) { return t == DType::kBool ? 1 : 4; }

// ---- transpose ----------------------------------------------------------------

template <typename E>
void StridedCopy(const E* x, E* out, const std::vector<int64_t>& shape, const std::vector<int64_t>& stride) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total == 0) return;
  const int64_t inner = shape[rank - 1], is = stride[rank - 1];
  const int threads = total >= parallelMin ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = total * t / nt, end = total * (t + 1) / nt;
    std::vector<int64_t> coord(rank);
    int64_t rest = begin, off = 0;
    for (int64_t d = rank - 1; d >= 0; d--) {
      coord[d] = rest % shape[d];
      rest /= shape[d];
      off += coord[d] * stride[d];
    }
    int64_t i = begin;
    while (i < end) {
      const int64_t n = std::min(inner - coord[rank - 1], end - i);
      if (is == 1) {
        std::memcpy(out + i, x + off, n * sizeof(E));
      } else {
        for (int64_t k = 0; k < n; k++) out[i + k] = x[off + k * is];
      }
      i += n;
      off += n * is;
      coord[rank - 1] += n;
      for (int64_t d = rank - 1; d > 0 && coord[d] == shape[d]; d--) {
        off += stride[d - 1] - shape[d] * stride[d];
        coord[d] = 0;
        coord[d - 1]++;
      }
    }
  }
}

// (x, shape, perm, out)
Napi::Value TransposeJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const auto shape = args.Shape(1, "shape"), perm = args.Shape(2, "perm");
  if (!args.ok) return info.Env().Undefined();
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (static_cast<int64_t>(perm.size()) != rank) return args.Fail("transpose: perm length differs from the rank"), info.Env().Undefined();
  const void* x = args.Data(0, Size(shape), "x");
  void* out = args.Data(3, Size(shape), "out");
  if (!args.ok) return info.Env().Undefined();
  const auto srcStride = Strides(shape);
  // Out dims (in out order) with their source strides; merge d into d-1 when perm[d] == perm[d-1] + 1.
  std::vector<int64_t> oshape, ostride;
  for (int64_t d = 0; d < rank; d++) {
    const int64_t p = perm[d];
    if (p < 0 || p >= rank) return args.Fail("transpose: perm out of range"), info.Env().Undefined();
    if (shape[p] == 1) continue;
    if (!oshape.empty() && ostride.back() == srcStride[p] * shape[p]) {
      oshape.back() *= shape[p];
      ostride.back() = srcStride[p];
      continue;
    }
    oshape.push_back(shape[p]);
    ostride.push_back(srcStride[p]);
  }
  if (oshape.empty()) {
    oshape = {1};
    ostride = {1};
  }
  if (ElementSize(args.Type(0)) == 4) StridedCopy(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out), oshape, ostride);
  else StridedCopy(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out), oshape, ostride);
  return info.Env().Undefined();
}

// ---- gather by per-dim maps ------------------------------------------------------

struct MapPlan {
  std::vector<int64_t> outer;                // out dims iterated one by one
  std::vector<const int32_t*> maps;          // their maps (null = identity)
  std::vector<int64_t> srcStride;            // their source strides
  int64_t run = 1;                           // elements copied contiguously per row
  int64_t runMapped = -1;                    // dim folded into the run with a unit-step map (-1: none)
  const int32_t* runMap = nullptr;
  int64_t runStride = 0;
};

template <typename E>
void MappedGather(const E* x, E* out, const MapPlan& p, E pad) {
  const int64_t rank = static_cast<int64_t>(p.outer.size());
  int64_t rows = 1;
  for (int64_t d : p.outer) rows *= d;
  const int64_t run = p.run;
  if (rows * run == 0) return;
  const int threads = rows * run >= parallelMin ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t row = 0; row < rows; row++) {
    int64_t rest = row, off = 0;
    bool padded = false;
    for (int64_t d = rank - 1; d >= 0; d--) {
      const int64_t c = rest % p.outer[d];
      rest /= p.outer[d];
      const int64_t s = p.maps[d] ? p.maps[d][c] : c;
      if (s < 0) padded = true;
      off += s * p.srcStride[d];
    }
    E* o = out + row * run;
    if (p.runMap) off += static_cast<int64_t>(p.runMap[0]) * p.runStride;
    if (padded) std::fill(o, o + run, pad);
    else std::memcpy(o, x + off, run * sizeof(E));
  }
}

// Elementwise variant for a last dim whose map is not a unit step (tile / reverse / pads along the last axis).
template <typename E>
void MappedGatherLast(const E* x, E* out, const MapPlan& p, const int32_t* last, int64_t lastLen, int64_t lastStride, E pad) {
  const int64_t rank = static_cast<int64_t>(p.outer.size());
  int64_t rows = 1;
  for (int64_t d : p.outer) rows *= d;
  if (rows * lastLen == 0) return;
  const int threads = rows * lastLen >= parallelMin ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t row = 0; row < rows; row++) {
    int64_t rest = row, off = 0;
    bool padded = false;
    for (int64_t d = rank - 1; d >= 0; d--) {
      const int64_t c = rest % p.outer[d];
      rest /= p.outer[d];
      const int64_t s = p.maps[d] ? p.maps[d][c] : c;
      if (s < 0) padded = true;
      off += s * p.srcStride[d];
    }
    E* o = out + row * lastLen;
    if (padded) {
      std::fill(o, o + lastLen, pad);
      continue;
    }
    for (int64_t k = 0; k < lastLen; k++) o[k] = last[k] < 0 ? pad : x[off + static_cast<int64_t>(last[k]) * lastStride];
  }
}

// (x, xShape, out, outShape, maps: (Int32Array | null)[], padValue)
Napi::Value GatherJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const auto xs = args.Shape(1, "xShape"), os = args.Shape(3, "outShape");
  if (!args.ok) return info.Env().Undefined();
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (static_cast<int64_t>(os.size()) != rank || !info[4].IsArray()) return args.Fail("gather: ranks differ or maps missing"), info.Env().Undefined();
  const void* x = args.Data(0, Size(xs), "x");
  void* out = args.Data(2, Size(os), "out");
  if (!args.ok) return info.Env().Undefined();
  const auto stride = Strides(xs);
  auto list = info[4].As<Napi::Array>();
  std::vector<const int32_t*> maps(rank, nullptr);
  for (int64_t d = 0; d < rank; d++) {
    const Napi::Value v = list.Get(static_cast<uint32_t>(d));
    if (v.IsNull() || v.IsUndefined()) {
      if (os[d] != xs[d]) return args.Fail("gather: an identity map needs equal sizes (dim " + std::to_string(d) + ")"), info.Env().Undefined();
      continue;
    }
    if (TypeOf(v) != DType::kInt32 || static_cast<int64_t>(v.As<Napi::TypedArray>().ElementLength()) != os[d]) {
      return args.Fail("gather: map " + std::to_string(d) + " must be an Int32Array of the out dim's length"), info.Env().Undefined();
    }
    auto a = v.As<Napi::Int32Array>();
    maps[d] = a.Data();
    for (int64_t k = 0; k < os[d]; k++) {
      if (maps[d][k] >= xs[d]) return args.Fail("gather: map " + std::to_string(d) + " indexes past the input"), info.Env().Undefined();
    }
  }
  // Trailing identity dims form the run; a unit-step map (no pads) just before them joins it.
  MapPlan p;
  int64_t d = rank - 1;
  while (d >= 0 && maps[d] == nullptr) p.run *= os[d--];
  if (d >= 0 && os[d] > 0) {
    bool unit = maps[d][0] >= 0;
    for (int64_t k = 1; k < os[d] && unit; k++) unit = maps[d][k] == maps[d][0] + k;
    if (unit) {
      p.runMap = maps[d];
      p.runStride = stride[d];
      p.run *= os[d];
      d--;
    }
  }
  const DType t = args.Type(0);
  const double padValue = args.Num(5);
  const bool elementwiseLast = d == rank - 1;  // the last dim itself has a general map
  const int64_t outerEnd = elementwiseLast ? rank - 1 : d + 1;
  for (int64_t k = 0; k < outerEnd; k++) {
    p.outer.push_back(os[k]);
    p.maps.push_back(maps[k]);
    p.srcStride.push_back(stride[k]);
  }
  auto go = [&](auto* px, auto* po, auto pad) {
    if (elementwiseLast) MappedGatherLast(px, po, p, maps[rank - 1], os[rank - 1], stride[rank - 1], pad);
    else MappedGather(px, po, p, pad);
  };
  if (t == DType::kFloat32) go(static_cast<const float*>(x), static_cast<float*>(out), static_cast<float>(padValue));
  else if (t == DType::kInt32) go(static_cast<const int32_t*>(x), static_cast<int32_t*>(out), static_cast<int32_t>(padValue));
  else go(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out), static_cast<uint8_t>(padValue != 0));
  return info.Env().Undefined();
}

// ---- fold (adjoint of one dim's map) ---------------------------------------------

// (x, A, O, B, out, I, offsets: Int32Array[I + 1], sources: Int32Array): float32.
Napi::Value FoldJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t A = args.Int(1), O = args.Int(2), B = args.Int(3), I = args.Int(5);
  const float* x = args.As<float>(0, A * O * B, "x");
  float* out = args.As<float>(4, A * I * B, "out");
  const int32_t* offsets = args.As<int32_t>(6, I + 1, "offsets");
  if (!args.ok) return info.Env().Undefined();
  const int64_t nSources = info[7].IsTypedArray() ? info[7].As<Napi::TypedArray>().ElementLength() : 0;
  const int32_t* sources = args.As<int32_t>(7, nSources, "sources");
  if (!args.ok) return info.Env().Undefined();
  if (offsets[0] != 0 || offsets[I] != nSources) return args.Fail("fold: offsets must run from 0 to sources.length"), info.Env().Undefined();
  for (int64_t k = 0; k < nSources; k++) {
    if (sources[k] < 0 || sources[k] >= O) return args.Fail("fold: a source index is out of range"), info.Env().Undefined();
  }
  const int64_t rows = A * I;
#pragma omp parallel for schedule(static) if (rows * B >= parallelMin)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t a = r / I, i = r % I;
    float* o = out + r * B;
    std::fill(o, o + B, 0.0f);
    for (int32_t k = offsets[i]; k < offsets[i + 1]; k++) {
      const float* src = x + (a * O + sources[k]) * B;
#pragma omp simd
      for (int64_t b = 0; b < B; b++) o[b] += src[b];
    }
  }
  return info.Env().Undefined();
}

// ---- concat ---------------------------------------------------------------------

// (inputs: TypedArray[], rows, widths: number[], out): input j is [rows, widths[j]], out [rows, Σ widths].
Napi::Value ConcatJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int64_t rows = args.Int(1);
  const auto widths = args.Shape(2, "widths");
  if (!args.ok || !info[0].IsArray()) return args.Fail("concat: inputs must be an array"), info.Env().Undefined();
  auto list = info[0].As<Napi::Array>();
  const size_t m = widths.size();
  if (list.Length() != m) return args.Fail("concat: one width per input"), info.Env().Undefined();
  int64_t total = 0;
  std::vector<int64_t> start(m);
  for (size_t j = 0; j < m; j++) {
    start[j] = total;
    total += widths[j];
  }
  const DType t = args.Type(3);
  const size_t es = ElementSize(t);
  uint8_t* out = static_cast<uint8_t*>(args.Data(3, rows * total, "out"));
  std::vector<const uint8_t*> xs(m);
  for (size_t j = 0; j < m && args.ok; j++) {
    const Napi::Value v = list.Get(static_cast<uint32_t>(j));
    if (TypeOf(v) != t) return args.Fail("concat: inputs and out must share one dtype"), info.Env().Undefined();
    auto a = v.As<Napi::TypedArray>();
    if (static_cast<int64_t>(a.ElementLength()) != rows * widths[j]) return args.Fail("concat: input " + std::to_string(j) + " has the wrong length"), info.Env().Undefined();
    xs[j] = static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  }
  if (!args.ok) return info.Env().Undefined();
  // Work items: (row, input) pieces; a single long row is cut into chunks so both cores copy.
  const int64_t tasks = rows * static_cast<int64_t>(m);
  if (rows == 1) {
    for (size_t j = 0; j < m; j++) {
      const int64_t bytes = widths[j] * es;
      const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(64, bytes / (1 << 16)));
#pragma omp parallel for schedule(static) if (chunks > 1)
      for (int64_t c = 0; c < chunks; c++) {
        const int64_t b0 = bytes * c / chunks, b1 = bytes * (c + 1) / chunks;
        std::memcpy(out + start[j] * es + b0, xs[j] + b0, b1 - b0);
      }
    }
    return info.Env().Undefined();
  }
#pragma omp parallel for schedule(static) if (rows * total >= parallelMin)
  for (int64_t k = 0; k < tasks; k++) {
    const int64_t r = k / static_cast<int64_t>(m);
    const size_t j = static_cast<size_t>(k % static_cast<int64_t>(m));
    std::memcpy(out + (r * total + start[j]) * es, xs[j] + r * widths[j] * es, widths[j] * es);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterLayout(Napi::Env env, Napi::Object exports) {
  exports.Set("transpose", Napi::Function::New(env, TransposeJs));
  exports.Set("gather", Napi::Function::New(env, GatherJs));
  exports.Set("fold", Napi::Function::New(env, FoldJs));
  exports.Set("concat", Napi::Function::New(env, ConcatJs));
}

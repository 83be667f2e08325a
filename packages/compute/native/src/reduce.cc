// Reductions over one run of axes: the input is viewed as [A, R, B] (outer,
// reduced, inner dims, collapsed on the TS side; a reduction over several
// non-adjacent runs is transposed first there) and out is [A, B]. Sum, mean,
// max, min, prod, argmax, argmin, all, any with tfjs's semantics (max/min
// propagate NaN; argmax/argmin keep the first extreme and skip NaN after the
// first element). Float sums and products accumulate in double.
//
// Rows (B = 1) are reduced one per thread when there are enough of them, else
// each row is split across threads; columns (B > 1, e.g. a bias gradient
// [N·H·W, C]) accumulate B lanes per thread over a share of R, merged in order.
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tensor_args.h"
#include "tensor_kernels.h"

using namespace tensor_args;

namespace {

enum Code { kSum = 0, kMean = 1, kMax = 2, kMin = 3, kProd = 4, kArgMax = 5, kArgMin = 6, kAll = 7, kAny = 8 };

// Each reducer: Acc, Init(), Step(acc, value, index), Merge(earlier, later), Final(acc, R) → output value.
// Σ row[0..n) in double with 8 independent lanes: no serial dependency on one accumulator, so it vectorizes.
__attribute__((target_clones("avx2", "default")))
double SumFloats(const float* row, int64_t n) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; j++) lane[j] += row[i + j];
  }
  double s = 0;
  for (; i < n; i++) s += row[i];
  for (int j = 0; j < 8; j++) s += lane[j];
  return s;
}

template <typename T, typename O>
struct Sum {
  // Float rows take SumFloats (lanes) instead of Step.
  static constexpr bool kFloatRows = std::is_same_v<T, float>;
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  static Acc Init() { return 0; }
  static Acc Step(Acc a, T v, int64_t) { return a + v; }
  static Acc Merge(Acc a, Acc b) { return a + b; }
  static O Final(Acc a, int64_t) { return static_cast<O>(a); }
};
template <typename T, typename O>
struct Mean : Sum<T, O> {
  using Acc = typename Sum<T, O>::Acc;
  static O Final(Acc a, int64_t r) { return static_cast<O>(static_cast<double>(a) / static_cast<double>(r)); }
};
template <typename T, typename O>
struct Prod {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  static Acc Init() { return 1; }
  static Acc Step(Acc a, T v, int64_t) { return a * v; }
  static Acc Merge(Acc a, Acc b) { return a * b; }
  static O Final(Acc a, int64_t) { return static_cast<O>(a); }
};
// Max/min: an empty accumulator is flagged; NaN wins once seen (tfjs: `isNaN(v) || v > max`).
template <typename T, bool kMaxOp>
struct Extreme {
  struct Acc {
    T v;
    bool any;
  };
  static Acc Init() { return {T(0), false}; }
  static Acc Step(Acc a, T v, int64_t) {
    if (!a.any || v != v || (kMaxOp ? v > a.v : v < a.v)) return {v, true};
    return a;
  }
  static Acc Merge(Acc a, Acc b) { return b.any ? Step(a, b.v, 0) : a; }
  static T Final(Acc a, int64_t) { return a.v; }
};
// argmax/argmin: the first element starts; a later one wins only when strictly better.
template <typename T, bool kMaxOp>
struct Arg {
  struct Acc {
    T v;
    int64_t i;
  };
  static Acc Init() { return {T(0), -1}; }
  static Acc Step(Acc a, T v, int64_t i) {
    if (a.i < 0 || (kMaxOp ? v > a.v : v < a.v)) return {v, i};
    return a;
  }
  static Acc Merge(Acc a, Acc b) { return b.i < 0 ? a : (a.i < 0 ? b : Step(a, b.v, b.i)); }
  static int32_t Final(Acc a, int64_t) { return static_cast<int32_t>(a.i < 0 ? 0 : a.i); }
};
template <bool kAllOp>
struct Logical {
  using Acc = uint8_t;  // not bool: std::vector<bool> has no data()
  static Acc Init() { return kAllOp; }
  static Acc Step(Acc a, uint8_t v, int64_t) { return kAllOp ? (a && v) : (a || v); }
  static Acc Merge(Acc a, Acc b) { return kAllOp ? (a && b) : (a || b); }
  static uint8_t Final(Acc a, int64_t) { return a; }
};

template <typename Rd, typename = void>
struct FloatRows : std::false_type {};
template <typename Rd>
struct FloatRows<Rd, std::void_t<decltype(Rd::kFloatRows)>> : std::bool_constant<Rd::kFloatRows> {};

// Σ (or any reduction) of row[r0..r1) into an accumulator.
template <typename Rd, typename T>
typename Rd::Acc ReduceSpan(const T* row, int64_t r0, int64_t r1) {
  if constexpr (FloatRows<Rd>::value) {
    return SumFloats(row + r0, r1 - r0);
  } else {
    auto acc = Rd::Init();
    for (int64_t r = r0; r < r1; r++) acc = Rd::Step(acc, row[r], r);
    return acc;
  }
}

template <typename Rd, typename T, typename O>
void ReduceRows(const T* x, O* out, int64_t A, int64_t R) {
  const int threads = A * R >= parallelMin ? omp_get_max_threads() : 1;
  if (A >= 4 * threads || threads == 1) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t a = 0; a < A; a++) out[a] = Rd::Final(ReduceSpan<Rd>(x + a * R, 0, R), R);
    return;
  }
  // Few long rows: each row split across the threads, partials merged in order.
  std::vector<typename Rd::Acc> part(threads);
  for (int64_t a = 0; a < A; a++) {
    const T* row = x + a * R;
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      part[t] = ReduceSpan<Rd>(row, R * t / nt, R * (t + 1) / nt);
    }
    auto acc = Rd::Init();
    for (int t = 0; t < threads; t++) acc = Rd::Merge(acc, part[t]);
    out[a] = Rd::Final(acc, R);
  }
}

template <typename Rd, typename T, typename O>
void ReduceColumns(const T* x, O* out, int64_t A, int64_t R, int64_t B) {
  using Acc = typename Rd::Acc;
  const int threads = A * R * B >= parallelMin ? omp_get_max_threads() : 1;
  if (A >= threads) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<Acc> acc(B);
#pragma omp for schedule(static)
      for (int64_t a = 0; a < A; a++) {
        std::fill(acc.begin(), acc.end(), Rd::Init());
        for (int64_t r = 0; r < R; r++) {
          const T* row = x + (a * R + r) * B;
          for (int64_t b = 0; b < B; b++) acc[b] = Rd::Step(acc[b], row[b], r);
        }
        for (int64_t b = 0; b < B; b++) out[a * B + b] = Rd::Final(acc[b], R);
      }
    }
    return;
  }
  std::vector<Acc> part(static_cast<size_t>(threads) * B);
  for (int64_t a = 0; a < A; a++) {
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t r0 = R * t / nt, r1 = R * (t + 1) / nt;
      Acc* acc = part.data() + static_cast<size_t>(t) * B;
      std::fill(acc, acc + B, Rd::Init());
      for (int64_t r = r0; r < r1; r++) {
        const T* row = x + (a * R + r) * B;
        for (int64_t b = 0; b < B; b++) acc[b] = Rd::Step(acc[b], row[b], r);
      }
    }
#pragma omp parallel for schedule(static) if (B * threads >= parallelMin)
    for (int64_t b = 0; b < B; b++) {
      Acc acc = Rd::Init();
      for (int t = 0; t < threads; t++) acc = Rd::Merge(acc, part[static_cast<size_t>(t) * B + b]);
      out[a * B + b] = Rd::Final(acc, R);
    }
  }
}

template <typename Rd, typename T, typename O>
void Reduce(const T* x, O* out, int64_t A, int64_t R, int64_t B) {
  if (A * B == 0) return;
  if (R == 0) {
    // Reducing an empty axis: the identity of the reduction (tfjs: sum 0, mean NaN, prod 1, ...).
    for (int64_t i = 0; i < A * B; i++) out[i] = Rd::Final(Rd::Init(), R);
    return;
  }
  if (B == 1) ReduceRows<Rd>(x, out, A, R);
  else ReduceColumns<Rd>(x, out, A, R, B);
}

// (op, x, A, R, B, out): out has A·B elements: float32/int32 like x (sum, mean, max, min, prod),
// int32 (argmax, argmin) or bool (all, any over bool x).
Napi::Value ReduceJs(const Napi::CallbackInfo& info) {
  Args args{info};
  const int op = static_cast<int>(args.Int(0));
  const int64_t A = args.Int(2), R = args.Int(3), B = args.Int(4);
  void* x = args.Data(1, A * R * B, "x");
  void* out = args.Data(5, A * B, "out");
  if (!args.ok) return info.Env().Undefined();
  const DType t = args.Type(1), o = args.Type(5);
  bool done = true;
  auto numeric = [&](auto* px, auto* po) {
    using T = std::remove_pointer_t<decltype(px)>;
    using O = std::remove_pointer_t<decltype(po)>;
    switch (op) {
      case kSum: Reduce<Sum<T, O>>(px, po, A, R, B); break;
      case kMean: Reduce<Mean<T, O>>(px, po, A, R, B); break;
      case kProd: Reduce<Prod<T, O>>(px, po, A, R, B); break;
      case kMax: if constexpr (std::is_same_v<T, O>) Reduce<Extreme<T, true>>(px, po, A, R, B); break;
      case kMin: if constexpr (std::is_same_v<T, O>) Reduce<Extreme<T, false>>(px, po, A, R, B); break;
      default: done = false;
    }
  };
  if ((op == kArgMax || op == kArgMin) && o == DType::kInt32) {
    auto* po = static_cast<int32_t*>(out);
    auto arg = [&](auto* px) {
      using T = std::remove_pointer_t<decltype(px)>;
      if (op == kArgMax) Reduce<Arg<T, true>>(px, po, A, R, B);
      else Reduce<Arg<T, false>>(px, po, A, R, B);
    };
    if (t == DType::kFloat32) arg(static_cast<float*>(x));
    else if (t == DType::kInt32) arg(static_cast<int32_t*>(x));
    else arg(static_cast<uint8_t*>(x));
  } else if ((op == kAll || op == kAny) && t == DType::kBool && o == DType::kBool) {
    if (op == kAll) Reduce<Logical<true>>(static_cast<uint8_t*>(x), static_cast<uint8_t*>(out), A, R, B);
    else Reduce<Logical<false>>(static_cast<uint8_t*>(x), static_cast<uint8_t*>(out), A, R, B);
  } else if (t == DType::kFloat32 && o == DType::kFloat32) {
    numeric(static_cast<float*>(x), static_cast<float*>(out));
  } else if (t == DType::kInt32 && o == DType::kInt32) {
    numeric(static_cast<int32_t*>(x), static_cast<int32_t*>(out));
  } else {
    done = false;
  }
  if (!done) args.Fail("reduce: op " + std::to_string(op) + " is not supported for these dtypes");
  return info.Env().Undefined();
}

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) { exports.Set("reduce", Napi::Function::New(env, ReduceJs)); }

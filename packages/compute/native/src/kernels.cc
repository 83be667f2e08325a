// Native NHWC float32 convolutions over oneDNN (Debian's libdnnl, 2.x API).
//
// tfjs keeps activations NHWC and filters HWIO; oneDNN takes logical dims
// {N, C, H, W} / {O, I, KH, KW} with a memory format tag, so the user's
// buffers are described as nhwc / hwio. Layouts follow a fixed rule on the
// geometry (ChoosePlain, ChooseNhwc; no timing, so runs never differ):
// - plain below 64 output pixels (N·OH·OW): nhwc activations and the user's
//   hwio filter as they are, oneDNN's gemm convolution, no reorder at all;
//   the filter is large against the work there (FCN8s's fc6, 7×7 512→4096
//   at 15 px: 1,451 → 445 ms a step, one thread; the translator
//   discriminator's 4×4 convs at 1–16 px 2–3× faster). The filter gradient
//   only up to 5×5 kernels: gemm's is 75× slower on fc6's 7×7;
// - else nhwc activations (filter `any`) when the input or output has fewer than 32
//   channels and the conv is not dilated: an RGB input, 19 class scores, a
//   1-channel discriminator map. There a blocked layout pads the channels to
//   a multiple of 8 and does few FLOPs per element reordered, and nhwc wins
//   (all three primitives, 2 threads: 0.38–0.87× the blocked time on 20 of
//   the 22 such geometries of the four bench nets at 64; fcn8s's first conv
//   3→64 padded by 100: 103 → 41 ms);
// - otherwise `any` for both: oneDNN's AVX2 kernels pick channel-blocked nChw8c, and
//   the reorders into and out of it cost less than nhwc's slower kernels
//   (its filter gradient above all: conv-step's 3×3 128→128 at 64×64 takes
//   45 ms blocked vs 56 ms nhwc, fcn8s's 64→64 at 262×262 245 vs 695 ms, one
//   thread); dilated convs, whose filter gradient oneDNN runs as gemm, keep
//   `any` too (nhwc was not faster: 0.92–1.35× the blocked time, one thread).
// (Every convolution of the four training bench nets at 64, forward + both
// gradients; 5 Dec 2026, 2-core AMD EPYC, AVX2, oneDNN 2.6.3.
// SEMADAPT_NATIVE_CONV_LAYOUT=plain|nhwc|blocked or setConvLayout() overrides
// the rule, for measuring it; see ../README.md for whole steps.)
// Where a primitive's layout differs from the user's, the operand is
// reordered into (or, for outputs, out of) a scratch buffer: held by the
// primitive's cache entry when a later primitive reads it, else a slice of
// one shared workspace (see Staged).
// Primitives are created once per geometry and cached: creating one runs
// oneDNN's JIT, which costs far more than a small convolution. The cache is
// a least-recently-used one bounded in bytes (its held copies, plus a
// nominal size per primitive): training over many image sizes would
// otherwise keep every geometry's primitives and blocked copies forever.
#include <napi.h>
#include <dnnl.hpp>
#include <omp.h>

#include "elementwise_napi.h"
#include "memory.h"
#include "tensor_kernels.h"
#include "tensor_args.h"

#include <algorithm>
#include <functional>
#include <cstdlib>
#include <initializer_list>
#include <list>
#include <memory>
#include <vector>
#include <sstream>
#include <string>
#include <unordered_map>

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

namespace {

dnnl::engine& Engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& Stream() {
  static dnnl::stream s(Engine());
  return s;
}

struct Geometry {
  memory::dim n, h, w, c;       // input NHWC
  memory::dim kh, kw, ci, co;   // filter HWIO
  memory::dim oh, ow;           // output spatial
  memory::dim sh, sw, dh, dw;   // strides, dilations (tfjs convention, 1 = none)
  memory::dim pt, pb, pl, pr;   // paddings

  std::string Key(const char* kind) const {
    std::ostringstream k;
    k << kind << ':' << n << ',' << h << ',' << w << ',' << c << ';' << kh << ',' << kw << ',' << ci << ',' << co << ';'
      << oh << ',' << ow << ';' << sh << ',' << sw << ',' << dh << ',' << dw << ';' << pt << ',' << pb << ',' << pl << ',' << pr
      << (plain ? ";plain" : nhwc ? ";nhwc" : "");
    return k.str();
  }
  memory::desc Src() const { return memory::desc({n, c, h, w}, dt::f32, tag::nhwc); }
  memory::desc Dst() const { return memory::desc({n, co, oh, ow}, dt::f32, tag::nhwc); }
  memory::desc UserWeights() const { return memory::desc({co, ci, kh, kw}, dt::f32, tag::hwio); }
  memory::desc AnyWeights() const { return memory::desc({co, ci, kh, kw}, dt::f32, tag::any); }
  memory::desc AnySrc() const { return memory::desc({n, c, h, w}, dt::f32, tag::any); }
  memory::desc AnyDst() const { return memory::desc({n, co, oh, ow}, dt::f32, tag::any); }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims Dilates() const { return {dh - 1, dw - 1}; }  // oneDNN counts dilation from 0
  memory::dims PadL() const { return {pt, pl}; }
  memory::dims PadR() const { return {pb, pr}; }

  memory::desc Bias() const { return memory::desc({co}, dt::f32, tag::x); }

  // The activations' layout for all three primitives of this geometry (ChooseLayout below):
  // the user's nhwc as it is, or `any` (oneDNN's preferred, channel-blocked on AVX2).
  bool nhwc = false;
  bool plain = false;  // nhwc and the user's hwio filter too: no reorder at all (oneDNN's gemm convolution)
  memory::desc ActSrc() const { return nhwc ? Src() : AnySrc(); }
  memory::desc ActDst() const { return nhwc ? Dst() : AnyDst(); }
  memory::desc ActWeights() const { return plain ? UserWeights() : AnyWeights(); }

  // With a bias, oneDNN adds it as the convolution writes each output (no extra pass over y).
  dnnl::convolution_forward::primitive_desc ForwardPd(memory::desc src, memory::desc dst, bool bias = false) const {
    auto d = bias ? dnnl::convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, ActWeights(), Bias(),
                                                    dst, Strides(), Dilates(), PadL(), PadR())
                  : dnnl::convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, ActWeights(), dst,
                                                    Strides(), Dilates(), PadL(), PadR());
    return dnnl::convolution_forward::primitive_desc(d, Engine());
  }
};

// A user buffer (nhwc activations, hwio weights) seen through the layout the
// primitive prefers: when they differ, a cached scratch buffer and the two
// reorder primitives between them (built once, like the convolution).
//
// Within a training step the three primitives read x and dy twice each: JS
// passes a token per tfjs tensor (tensors are immutable; tokens are never
// reused, 0 = unknown), and the backward pass takes x from the forward's
// scratch and dy from the other backward primitive's when the token and the
// layout match (conv-step: 4 input reorders instead of 6), and the input
// gradient reorders the filter from the forward's blocked copy when it holds
// the same tensor (OIhw8i8o → OIhw8o8i, oneDNN's jit:blk: 2048×1024 filter
// 0.37 ms vs 1.07 ms from hwio, one thread). Repeated blocks of one geometry
// (ResNet's 23 in layer 3) share an entry, so only the last forward's copy
// survives to the backward. A primitive always reorders its own inputs
// afresh, so repeating a call costs what it did.
//
// Scratch memory comes in two kinds. A copy that a later primitive may read
// (the forward's x and filter, a backward's dy) is held by its entry until
// overwritten or evicted, allocated when first written: a backward primitive
// that always finds x or dy in a peer's copy never holds one of its own.
// Everything else a call stages only for itself (outputs before their reorder
// back, the input gradient's filter, the filter gradient's own x) is
// `transient`: a slice of one workspace shared by all primitives (see
// Workspace), so those buffers cost the largest call's need, not their sum
// over geometries (FCN8s-VGG16's fc6 filter gradient alone stages 411 MB).
struct Staged {
  memory::desc user, wanted;
  bool staged = false;               // the layouts differ
  bool transient = false;            // a workspace slice for one call (Lend), never read by a peer
  std::unique_ptr<memory> scratch;   // held: allocated on first use; transient: over the lent slice
  dnnl::primitive in, out;  // user → scratch, scratch → user
  int64_t token = 0;        // the tensor whose data the scratch holds (inputs only)
  dnnl::primitive via;      // a source peer's layout → scratch (built on first use)
  memory::desc via_from;

  Staged() = default;
  Staged(const memory::desc& u, const memory::desc& w, bool transient_ = false)
      : user(u), wanted(w), staged(u != w), transient(transient_) {
    if (!staged) return;
    in = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), u, Engine(), w));
    out = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), w, Engine(), u));
  }
  // Bytes held between calls (transient slices belong to the workspace).
  size_t Held() const { return scratch && !transient ? wanted.get_size() : 0; }
  memory& Buffer() {
    if (!scratch) scratch = std::make_unique<memory>(wanted, Engine());
    return *scratch;
  }
  // Frees a held copy (the cache's bound): a later read reorders afresh.
  void Drop() {
    if (transient) return;
    scratch.reset();
    token = 0;
  }
  // A transient operand's buffer for this call: `slice` of the workspace (Lend).
  void Point(void* slice) {
    if (!scratch) scratch = std::make_unique<memory>(wanted, Engine(), slice);
    else scratch->set_data_handle(slice);
    token = 0;
  }
  // A peer's held copy of tensor `tok` in this operand's layout, if any.
  memory* Shared(int64_t tok, std::initializer_list<const Staged*> peers) const {
    for (const Staged* peer : peers)
      if (tok != 0 && peer && peer->scratch && !peer->transient && peer->token == tok && peer->wanted == wanted) return peer->scratch.get();
    return nullptr;
  }
  // The memory the primitive reads: the user's, a peer's copy of the same tensor, or a fresh reorder.
  // `sources`: peers whose copy in another blocked layout we may reorder from instead of the
  // user's (the filter: forward's OIhw8i8o → backward data's OIhw8o8i is a reorder within
  // contiguous 8×8 tiles, oneDNN's jit:blk, 2–3× faster than from hwio).
  memory Read(memory& u, int64_t tok, std::initializer_list<const Staged*> peers = {},
              std::initializer_list<const Staged*> sources = {}) {
    if (!staged) return u;
    if (memory* shared = Shared(tok, peers)) return *shared;
    for (const Staged* peer : sources)
      if (tok != 0 && peer && peer->scratch && !peer->transient && peer->token == tok) {
        if (!via || via_from != peer->wanted) {
          via = dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), peer->wanted, Engine(), wanted));
          via_from = peer->wanted;
        }
        via.execute(Stream(), {{DNNL_ARG_FROM, *peer->scratch}, {DNNL_ARG_TO, Buffer()}});
        token = transient ? 0 : tok;
        return *scratch;
      }
    in.execute(Stream(), {{DNNL_ARG_FROM, u}, {DNNL_ARG_TO, Buffer()}});
    token = transient ? 0 : tok;
    return *scratch;
  }
  // The memory the primitive writes; `Written` then copies it to the user's buffer.
  memory Target(const memory& u) { return staged ? Buffer() : u; }
  void Written(memory& u) {
    if (staged) out.execute(Stream(), {{DNNL_ARG_FROM, *scratch}, {DNNL_ARG_TO, u}});
  }
};

// The transient operands' memory: one buffer, reused by every call, grown to
// the largest call's need and kept (its pages stay mapped: a fresh 411 MB
// buffer costs ~0.4 s of page faults here, more than fc6's filter gradient).
// A call needing more than the bound gets a buffer of its own, freed after it
// (default 512 MiB: fc6's 411 MB filter copy at 512 fits; SEMADAPT_NATIVE_WORKSPACE_MB,
// setCacheLimit's second argument).
// (oneDNN's own scratchpads, im2col buffers and per-thread reductions, stay the library's: lent from
// this workspace too, with scratchpad_mode::user, they made deeplab-step 512 ~10 % slower, 21.0 →
// 23.4 s, for no lower peak there, 5 Dec 2026.)
class Workspace {
 public:
  Workspace() {
    const char* mb = std::getenv("SEMADAPT_NATIVE_WORKSPACE_MB");
    if (mb && *mb) limit_ = static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  }
  ~Workspace() { Free(kept_); Free(own_); }
  // Points each staged, transient operand at its own slice of one buffer.
  void Lend(std::initializer_list<Staged*> operands) {
    size_t need = 0;
    for (const Staged* s : operands)
      if (s && s->staged) need += Aligned(s->wanted.get_size());
    if (need == 0) return;
    char* base;
    if (need <= size_) {
      base = kept_;
    } else if (need <= limit_) {
      Free(kept_);
      kept_ = Allocate(need);
      size_ = need;
      base = kept_;
    } else {
      Free(own_);
      own_ = Allocate(need);
      base = own_;
    }
    for (Staged* s : operands)
      if (s && s->staged) {
        s->Point(base);
        base += Aligned(s->wanted.get_size());
      }
  }
  // After a call: a buffer above the bound is freed.
  void Done() {
    Free(own_);
    own_ = nullptr;
  }
  void SetLimit(size_t bytes) {
    limit_ = bytes;
    if (size_ > limit_) {
      Free(kept_);
      kept_ = nullptr;
      size_ = 0;
    }
  }
  size_t Bytes() const { return size_; }
  size_t Limit() const { return limit_; }

 private:
  static size_t Aligned(size_t bytes) { return (bytes + 4095) & ~size_t(4095); }
  static char* Allocate(size_t bytes) {
    void* p = std::aligned_alloc(4096, Aligned(bytes));
    if (!p) throw std::bad_alloc();
    return static_cast<char*>(p);
  }
  static void Free(char* p) { std::free(p); }
  char* kept_ = nullptr;
  char* own_ = nullptr;
  size_t size_ = 0;
  size_t limit_ = size_t(512) << 20;
};

Workspace& Scratch() {
  static Workspace workspace;
  return workspace;
}

// One cached primitive with its three operands staged in its preferred layouts.
struct Entry {
  dnnl::primitive prim;
  Staged a, b, c;  // fwd: src, weights, dst; bwd data: diff_dst, weights, diff_src; bwd weights: src, diff_dst, diff_weights
};

// Bytes an entry holds: its held copies, and a nominal amount for the primitive (JIT code, descriptors).
constexpr size_t kPrimitiveBytes = 64 << 10;

size_t EntryBytes(const Entry& e) { return kPrimitiveBytes + e.a.Held() + e.b.Held() + e.c.Held(); }

// The primitive cache: least recently used first out, bounded in bytes (held
// copies plus a nominal size per primitive; default 256 MiB,
// SEMADAPT_NATIVE_CACHE_MB). Over the bound the oldest entries first lose
// their held copies, and only then, once the primitives' nominal bytes
// alone pass it, whole entries: a dropped copy costs a fresh reorder (and
// its buffer's page faults), an evicted primitive a new JIT. Within a step
// the forward's copy of x is read again by the filter gradient (see
// Staged); at --size 64 every bench net's held copies fit the bound
// (fcn8s-step 145 MB, deeplab-step 60, translator-step 28), at 512 they
// do not (FCN8s ~900 MB), and there the bound keeps peak RSS down.
// Results never depend on what is cached.
class PrimitiveCache {
 public:
  PrimitiveCache() {
    const char* mb = std::getenv("SEMADAPT_NATIVE_CACHE_MB");
    if (mb && *mb) limit_ = static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20;
  }
  Entry& Lookup(const std::string& key, const std::function<Entry()>& make) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      Touch(it->second);
      return it->second.entry;
    }
    Slot slot{make(), 0, {}};
    slot.bytes = EntryBytes(slot.entry);
    order_.push_front(key);
    slot.position = order_.begin();
    bytes_ += slot.bytes;
    Slot& inserted = map_.emplace(key, std::move(slot)).first->second;
    Evict(key);
    return inserted.entry;
  }
  // The entry of `key` if it is cached (a peer whose copy of an input may be shared), marked as used.
  Entry* Find(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    Touch(it->second);
    return &it->second.entry;
  }
  // After `key`'s call: counts the copies it holds now and evicts down to the bound, keeping `key`.
  void Settle(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    const size_t now = EntryBytes(it->second.entry);
    bytes_ = bytes_ - it->second.bytes + now;
    it->second.bytes = now;
    Evict(key);
  }
  void SetLimit(size_t bytes, const std::string& keep = "") {
    limit_ = bytes;
    Evict(keep);
  }
  size_t Limit() const { return limit_; }
  size_t Bytes() const { return bytes_; }
  size_t Entries() const { return map_.size(); }
  size_t Evictions() const { return evictions_; }
  size_t Drops() const { return drops_; }

 private:
  struct Slot {
    Entry entry;
    size_t bytes;
    std::list<std::string>::iterator position;
  };
  void Touch(Slot& slot) { order_.splice(order_.begin(), order_, slot.position); }
  // Until the bound holds, never touching `keep` (the one being used now): the oldest entries' held
  // copies out, then the oldest entries.
  void Evict(const std::string& keep) {
    for (auto k = order_.rbegin(); bytes_ > limit_ && k != order_.rend(); ++k) {
      if (*k == keep) continue;
      Slot& slot = map_.find(*k)->second;
      if (slot.bytes == kPrimitiveBytes) continue;
      slot.entry.a.Drop();
      slot.entry.b.Drop();
      slot.entry.c.Drop();
      bytes_ -= slot.bytes - kPrimitiveBytes;
      slot.bytes = kPrimitiveBytes;
      drops_++;
    }
    while (bytes_ > limit_ && !order_.empty()) {
      auto last = std::prev(order_.end());
      if (*last == keep) {
        if (order_.size() == 1) break;
        order_.splice(order_.begin(), order_, last);
        continue;
      }
      auto it = map_.find(*last);
      bytes_ -= it->second.bytes;
      map_.erase(it);
      order_.erase(last);
      evictions_++;
    }
  }
  std::unordered_map<std::string, Slot> map_;
  std::list<std::string> order_;  // most recently used first
  size_t bytes_ = 0;
  size_t limit_ = size_t(256) << 20;
  size_t evictions_ = 0;
  size_t drops_ = 0;
};

PrimitiveCache& Cache() {
  static PrimitiveCache cache;
  return cache;
}

Entry& Lookup(const std::string& key, const std::function<Entry()>& make) { return Cache().Lookup(key, make); }

// The cached entry of `key`, if that primitive has run.
Entry* Find(const std::string& key) { return Cache().Find(key); }

// Whether optional argument i was given (absent, undefined and null mean no).
bool Given(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && !info[i].IsUndefined() && !info[i].IsNull(); }

// Optional token arguments (numbers > 0); absent or anything else is 0.
int64_t Token(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int64Value() : 0;
}

// The rule's override (0: the rule, 1: nhwc, 2: blocked), for measuring the rule and testing
// both layouts on one geometry: SEMADAPT_NATIVE_CONV_LAYOUT=nhwc|blocked at load, setConvLayout().
int ParseLayout(const std::string& s) { return s == "nhwc" ? 1 : s == "blocked" ? 2 : s == "plain" ? 3 : 0; }
int& LayoutOverride() {
  static int mode = [] {
    const char* v = std::getenv("SEMADAPT_NATIVE_CONV_LAYOUT");
    return v ? ParseLayout(v) : 0;
  }();
  return mode;
}

// Plain (nhwc activations, the user's hwio filter: oneDNN's gemm convolution, no reorder at
// all) where the output has fewer than 64 pixels (N·OH·OW): there the filter is large
// against the work (2·N·OH·OW FLOPs per filter element) and reordering it costs more than
// the blocked kernels save.
constexpr memory::dim kPlainPixels = 64;

bool ChoosePlain(const Geometry& g) {
  if (LayoutOverride() != 0) return LayoutOverride() == 3;
  return g.n * g.oh * g.ow < kPlainPixels;
}

bool ChooseNhwc(const Geometry& g) {
  if (LayoutOverride() != 0) return LayoutOverride() == 1;
  const bool dilated = g.dh != 1 || g.dw != 1;
  return std::min(g.c, g.co) < 32 && !dilated;
}

// The filter gradient's geometry: plain only up to 5×5 kernels (gemm's filter gradient with
// nhwc input is 2–3× faster than blocked on the translator discriminator's 4×4 and 5×5 at
// ≤ 16 pixels, but 75× slower on FCN8s's fc6, 7×7 512→4096 at 15 pixels).
Geometry FilterGradGeometry(Geometry g) {
  if (LayoutOverride() == 0) g.plain = g.plain && g.kh * g.kw <= 25;
  g.nhwc = g.plain || ChooseNhwc(g);
  return g;
}

Geometry ReadGeometry(const Napi::Object& g) {
  auto arr = [&](const char* name, size_t len) {
    Napi::Array a = g.Get(name).As<Napi::Array>();
    std::vector<memory::dim> v(len);
    for (size_t i = 0; i < len; i++) v[i] = a.Get(i).As<Napi::Number>().Int64Value();
    return v;
  };
  auto x = arr("xShape", 4), f = arr("wShape", 4), y = arr("yShape", 4), s = arr("strides", 2), d = arr("dilations", 2),
       p = arr("pads", 4);
  Geometry geo{x[0], x[1], x[2], x[3], f[0], f[1], f[2], f[3], y[1], y[2], s[0], s[1], d[0], d[1], p[0], p[1], p[2], p[3]};
  geo.plain = ChoosePlain(geo);
  geo.nhwc = geo.plain || ChooseNhwc(geo);
  return geo;
}

float* Data(const Napi::Value& v, size_t expected, const char* what, Napi::Env env) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    Napi::TypeError::New(env, std::string(what) + " must be a Float32Array").ThrowAsJavaScriptException();
    return nullptr;
  }
  auto a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != expected) {
    Napi::RangeError::New(env, std::string(what) + " has " + std::to_string(a.ElementLength()) + " elements, expected " +
                                   std::to_string(expected))
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  return a.Data();
}

size_t SizeX(const Geometry& g) { return g.n * g.h * g.w * g.c; }
size_t SizeW(const Geometry& g) { return g.kh * g.kw * g.ci * g.co; }
size_t SizeY(const Geometry& g) { return g.n * g.oh * g.ow * g.co; }

template <typename F>
Napi::Value Guarded(const Napi::CallbackInfo& info, F body) {
  try {
    body();
  } catch (const dnnl::error& e) {
    Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(info.Env(), e.what()).ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// The forward keeps its blocked filter copy for the input gradient (a blocked → blocked reorder, 2–3×
// faster than from hwio) up to this size; a larger one (FCN8s's fc6 at 512: 411 MB, held from the
// forward to the backward) is a workspace slice, and the input gradient reorders from hwio (~50 ms).
constexpr size_t kHeldFilterBytes = size_t(64) << 20;

Napi::Value Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Geometry g = ReadGeometry(info[0].As<Napi::Object>());
  float* x = Data(info[1], SizeX(g), "x", env);
  float* w = Data(info[2], SizeW(g), "w", env);
  float* y = Data(info[3], SizeY(g), "y", env);
  const bool hasBias = Given(info, 6);
  float* b = hasBias ? Data(info[6], g.co, "bias", env) : nullptr;
  if (!x || !w || !y || (hasBias && !b)) return env.Undefined();
  return Guarded(info, [&] {
    const std::string key = g.Key(hasBias ? "fwd_bias" : "fwd");
    Entry& e = Lookup(key, [&] {
      auto pd = g.ForwardPd(g.ActSrc(), g.ActDst(), hasBias);
      return Entry{dnnl::convolution_forward(pd), Staged(g.Src(), pd.src_desc()),
                   Staged(g.UserWeights(), pd.weights_desc(), SizeW(g) * sizeof(float) > kHeldFilterBytes), Staged(g.Dst(), pd.dst_desc(), true)};
    });
    Scratch().Lend({e.b.transient ? &e.b : nullptr, &e.c});
    memory xm(g.Src(), Engine(), x), ym(g.Dst(), Engine(), y), wm(g.UserWeights(), Engine(), w);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.a.Read(xm, Token(info, 4))}, {DNNL_ARG_WEIGHTS, e.b.Read(wm, Token(info, 5))},
                                         {DNNL_ARG_DST, e.c.Target(ym)}};
    if (hasBias) args.emplace(DNNL_ARG_BIAS, memory(g.Bias(), Engine(), b));
    e.prim.execute(Stream(), args);
    e.c.Written(ym);
    Stream().wait();
    Scratch().Done();
    Cache().Settle(key);
  });
}

Napi::Value BackwardData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Geometry g = ReadGeometry(info[0].As<Napi::Object>());
  float* dy = Data(info[1], SizeY(g), "dy", env);
  float* w = Data(info[2], SizeW(g), "w", env);
  float* dx = Data(info[3], SizeX(g), "dx", env);
  if (!dy || !w || !dx) return env.Undefined();
  return Guarded(info, [&] {
    const std::string key = g.Key("bwd_data");
    Entry& e = Lookup(key, [&] {
      auto hint = g.ForwardPd(g.ActSrc(), g.ActDst());
      auto d = dnnl::convolution_backward_data::desc(algorithm::convolution_direct, g.ActSrc(), g.ActWeights(), g.ActDst(), g.Strides(),
                                                     g.Dilates(), g.PadL(), g.PadR());
      dnnl::convolution_backward_data::primitive_desc pd(d, Engine(), hint);
      return Entry{dnnl::convolution_backward_data(pd), Staged(g.Dst(), pd.diff_dst_desc()), Staged(g.UserWeights(), pd.weights_desc(), true),
                   Staged(g.Src(), pd.diff_src_desc(), true)};
    });
    Scratch().Lend({&e.b, &e.c});
    memory dym(g.Dst(), Engine(), dy), dxm(g.Src(), Engine(), dx), wm(g.UserWeights(), Engine(), w);
    const Geometry gw = FilterGradGeometry(g);
    Entry* weights = Find(gw.Key("bwd_weights"));
    Entry* withBias = Find(gw.Key("bwd_weights_bias"));
    Entry* forward = Find(g.Key("fwd"));
    Entry* biased = Find(g.Key("fwd_bias"));
    e.prim.execute(Stream(), {{DNNL_ARG_DIFF_DST, e.a.Read(dym, Token(info, 4), {withBias ? &withBias->b : nullptr, weights ? &weights->b : nullptr})},
                              {DNNL_ARG_WEIGHTS, e.b.Read(wm, Token(info, 5), {}, {biased ? &biased->b : nullptr, forward ? &forward->b : nullptr})},
                              {DNNL_ARG_DIFF_SRC, e.c.Target(dxm)}});
    e.c.Written(dxm);
    Stream().wait();
    Scratch().Done();
    Cache().Settle(key);
  });
}

// The filter gradient writes dw in its primitive's blocked layout, then reorders it to hwio. Where
// that copy would pass kFilterPartBytes (FCN8s-VGG16's fc6, 7×7 512→4096: 411 MB), it runs over
// equal parts of the output channels instead, each reading its channels of dy and writing its slice
// of dw (and db) through strided views: the same FLOPs, a part-sized copy.
constexpr size_t kFilterPartBytes = size_t(64) << 20;

// Output channels per part: the fewest equal parts of a multiple of 8 channels (the blocked
// layouts' width) whose filter fits the bound; all of them where the filter does (or plain: no copy).
memory::dim FilterPart(const Geometry& g) {
  const size_t perChannel = static_cast<size_t>(g.kh * g.kw * g.ci) * sizeof(float);
  if (g.plain || static_cast<size_t>(g.co) * perChannel <= kFilterPartBytes) return g.co;
  for (memory::dim parts = 2; parts <= g.co / 8; parts++)
    if (g.co % parts == 0 && (g.co / parts) % 8 == 0 && static_cast<size_t>(g.co / parts) * perChannel <= kFilterPartBytes)
      return g.co / parts;
  return g.co;
}

// dw (and, given a db array, the bias gradient Σ dy over N, H, W in the same pass over dy).
Napi::Value BackwardWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Geometry f = ReadGeometry(info[0].As<Napi::Object>());  // the forward's and input gradient's
  const Geometry g = FilterGradGeometry(f);
  float* x = Data(info[1], SizeX(g), "x", env);
  float* dy = Data(info[2], SizeY(g), "dy", env);
  float* dw = Data(info[3], SizeW(g), "dw", env);
  const bool hasBias = Given(info, 6);
  float* db = hasBias ? Data(info[6], g.co, "db", env) : nullptr;
  if (!x || !dy || !dw || (hasBias && !db)) return env.Undefined();
  return Guarded(info, [&] {
    Geometry p = g;  // one part's geometry (all of g unless split)
    p.co = FilterPart(g);
    const bool split = p.co < g.co;
    const std::string key = p.Key(hasBias ? "bwd_weights_bias" : "bwd_weights") + (split ? ";part" : "");
    Entry& e = Lookup(key, [&] {
      // A part's dy and dw are channel slices of the user's nhwc / hwio arrays: strided views.
      const memory::desc dyUser = split ? memory::desc({g.n, p.co, g.oh, g.ow}, dt::f32, {g.oh * g.ow * g.co, 1, g.ow * g.co, g.co}) : g.Dst();
      const memory::desc dwUser =
          split ? memory::desc({p.co, g.ci, g.kh, g.kw}, dt::f32, {1, g.co, g.kw * g.ci * g.co, g.ci * g.co}) : g.UserWeights();
      auto hint = p.ForwardPd(p.ActSrc(), p.ActDst(), hasBias);
      auto d = hasBias ? dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, p.ActSrc(), p.ActWeights(), p.Bias(),
                                                                  p.ActDst(), p.Strides(), p.Dilates(), p.PadL(), p.PadR())
                       : dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, p.ActSrc(), p.ActWeights(), p.ActDst(),
                                                                  p.Strides(), p.Dilates(), p.PadL(), p.PadR());
      dnnl::convolution_backward_weights::primitive_desc pd(d, Engine(), hint);
      return Entry{dnnl::convolution_backward_weights(pd), Staged(g.Src(), pd.src_desc(), true), Staged(dyUser, pd.diff_dst_desc(), split),
                   Staged(dwUser, pd.diff_weights_desc(), true)};
    });
    Entry* forward = Find(f.Key("fwd"));
    Entry* biased = Find(f.Key("fwd_bias"));
    Entry* data = Find(f.Key("bwd_data"));
    const std::initializer_list<const Staged*> xPeers = {biased ? &biased->a : nullptr, forward ? &forward->a : nullptr};
    const bool ownX = e.a.Shared(Token(info, 4), xPeers) == nullptr;
    Scratch().Lend({ownX ? &e.a : nullptr, e.b.transient ? &e.b : nullptr, &e.c});
    memory xm(g.Src(), Engine(), x);
    const memory src = e.a.Read(xm, Token(info, 4), xPeers);
    for (memory::dim o = 0; o < g.co; o += p.co) {
      memory dym(e.b.user, Engine(), dy + o), dwm(e.c.user, Engine(), dw + o);
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                           {DNNL_ARG_DIFF_DST, e.b.Read(dym, split ? 0 : Token(info, 5), {data ? &data->a : nullptr})},
                                           {DNNL_ARG_DIFF_WEIGHTS, e.c.Target(dwm)}};
      if (hasBias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(p.Bias(), Engine(), db + o));
      e.prim.execute(Stream(), args);
      e.c.Written(dwm);
    }
    Stream().wait();
    Scratch().Done();
    Cache().Settle(key);
  });
}

// convLayout(geometry): the activations' layout the rule gives this geometry ('nhwc' or 'blocked').
Napi::Value ConvLayout(const Napi::CallbackInfo& info) {
  const Geometry g = ReadGeometry(info[0].As<Napi::Object>());
  return Napi::String::New(info.Env(), g.plain ? "plain" : g.nhwc ? "nhwc" : "blocked");
}

// setConvLayout('nhwc' | 'blocked' | 'auto'): overrides the rule for convolutions run from now on ('auto': the rule).
Napi::Value SetConvLayout(const Napi::CallbackInfo& info) {
  const std::string mode = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (mode != "nhwc" && mode != "blocked" && mode != "plain" && mode != "auto") {
    Napi::TypeError::New(info.Env(), "setConvLayout: expected 'nhwc', 'blocked', 'plain' or 'auto'").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  LayoutOverride() = ParseLayout(mode);
  return info.Env().Undefined();
}

// setCacheLimit(bytes, workspaceBytes?): bounds the primitive cache (evicting at once) and, given,
// the shared workspace of transient copies; cacheStats(): their state.
Napi::Value SetCacheLimit(const Napi::CallbackInfo& info) {
  const double bytes = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  const double workspace = Given(info, 1) && info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : Given(info, 1) ? -1 : 0;
  if (!(bytes >= 0) || !(workspace >= 0)) {
    Napi::RangeError::New(info.Env(), "setCacheLimit: bytes (and workspaceBytes, if given) must be numbers >= 0").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Cache().SetLimit(static_cast<size_t>(bytes));
  if (Given(info, 1)) Scratch().SetLimit(static_cast<size_t>(workspace));
  return info.Env().Undefined();
}

Napi::Value CacheStats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("entries", static_cast<double>(Cache().Entries()));
  o.Set("bytes", static_cast<double>(Cache().Bytes()));
  o.Set("limit", static_cast<double>(Cache().Limit()));
  o.Set("evictions", static_cast<double>(Cache().Evictions()));
  o.Set("drops", static_cast<double>(Cache().Drops()));
  o.Set("workspace", static_cast<double>(Scratch().Bytes()));
  o.Set("workspaceLimit", static_cast<double>(Scratch().Limit()));
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  omp_set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// (elements): loops on fewer elements stay on the calling thread (tensor_args.h).
Napi::Value SetParallelMin(const Napi::CallbackInfo& info) {
  const double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0)) {
    Napi::RangeError::New(info.Env(), "setParallelMin(elements ≥ 0)").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int64_t previous = tensor_args::parallelMin;
  tensor_args::parallelMin = static_cast<int64_t>(n);
  return Napi::Number::New(info.Env(), static_cast<double>(previous));
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }

Napi::Value Info(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << v->major << '.' << v->minor << '.' << v->patch << ' ' << static_cast<int>(dnnl::get_effective_cpu_isa());
  return Napi::String::New(info.Env(), s.str());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, Forward));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, BackwardData));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, BackwardWeights));
  exports.Set("convLayout", Napi::Function::New(env, ConvLayout));
  exports.Set("setConvLayout", Napi::Function::New(env, SetConvLayout));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("setParallelMin", Napi::Function::New(env, SetParallelMin));
  exports.Set("setCacheLimit", Napi::Function::New(env, SetCacheLimit));
  exports.Set("cacheStats", Napi::Function::New(env, CacheStats));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("info", Napi::Function::New(env, Info));
  RegisterElementwise(env, exports);
  RegisterTensorKernels(env, exports);
  RegisterMemory(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(onednn_kernels, Init)

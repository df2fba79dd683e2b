#include "deltaform/encode/encoder.hpp"
#include "deltaform/encode/records.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "deltaform/encode/vector_kernels.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/ops.hpp"
#include "deltaform/parallel.hpp"
#include "deltaform/unicode.hpp"
#include "encode/atom_cache.hpp"
#include "encode/view_map.hpp"

namespace deltaform::encode {

namespace fm = deltaform::formula;
using fm::NodeKind;

namespace {

// Thrown inside one statement's evaluation; becomes that statement's Failure.
struct StatementError {
  fm::Error error;
};

}  // namespace

// Sum of squares in double with 8 interleaved partial sums combined in a
// fixed order: fast, and the same bits on every machine and SIMD path
// (the encoding rules state the order; the reference encoder repeats it).
double squared_norm(const float* v, std::size_t n) { return vector_kernels().squared_norm(v, n); }

namespace {

// Nested parametric applications expand inline; this bounds a recursive template.
constexpr int kMaxExpansion = 256;

// A node's value: coef * vec, or coef * (vec ⊛ other) when `other` is set —
// a bind not computed yet, so that a sum can fuse it with its addition (same
// bits: the product is rounded to float32 first either way). Weights fold
// into coef (product in double) and are applied once, when the value is
// added to a sum or materialised. Pointers stay valid for the whole statement.
struct Value {
  const void* vec = nullptr;
  const void* other = nullptr;
  double coef = 1.0;
  bool bound() const { return other != nullptr; }
};

struct Binding {
  std::string name;  // normalised parameter name
  Value value;
};

// A cache line: scratch vectors start on one, so kernels never split loads.
struct alignas(64) Line {
  std::uint64_t w[8];
};

// float32(c) is 0, +1 or -1: bsc sums of such terms count exactly in integers.
bool unit_coefficient(double c) {
  const float f = float(c);
  return f == 0.0f || f == 1.0f || f == -1.0f;
}

}  // namespace

const void* Encoder::step_vector(std::size_t i) {
  {
    std::shared_lock lock(steps_mutex_);
    if (i < steps_.size()) return steps_[i].data();
  }
  std::unique_lock lock(steps_mutex_);
  const SpaceParams& p = space_->params();
  const std::size_t words = (p.bytes() + 7) / 8;
  while (steps_.size() <= i) {
    std::vector<std::uint64_t> v(words);
    const void* step = space_->codebook().vector(space_->codebook().intern(reserved_name("step")));
    ops::permute(p, step, v.data(), 1, std::int64_t(steps_.size()), 1);
    steps_.push_back(std::move(v));
  }
  return steps_[i].data();
}

// One thread's evaluation state: scratch slots reused from statement to
// statement, and caches of what names resolve to (no lock once cached).
class Evaluation {
 public:
  Evaluation(Encoder& enc, const Scope& scope)
      : enc_(enc), scope_(scope), p_(enc.space_->params()), k_(kernels()), vk_(vector_kernels()),
        cb_(enc.space_->codebook()), bsc_(p_.algebra == Algebra::bsc), width_(p_.width()),
        lines_((p_.bytes() + 63) / 64) {
    // Sized once: evaluation keeps references into these while going deeper.
    const std::size_t levels = 2 * kMaxExpansion + 8;
    arenas_.resize(levels);
    counts_.resize(levels);
    planes_.resize(levels);
    values_.resize(levels);
    final_.resize(lines_);
    final_pair_.resize(lines_);
    carry_.resize(width_);
    schema_atom_ = atom(reserved_name("schema"));
    tie_ = enc.space_->tie_vector();
  }
  ~Evaluation() { enc_.space_->give_atom_cache(std::move(atoms_)); }
  Evaluation(const Evaluation&) = delete;
  Evaluation& operator=(const Evaluation&) = delete;

  // The stored-scale vector of a statement into out. `stream`: out is a row
  // of a batch result (see VectorKernels::store_scaled). `ahead`: its atoms
  // by node, from resolve_atoms.
  void statement(const Located& loc, void* out, bool stream = false, const void* const* ahead = nullptr) {
    const fm::Document& doc = *loc.doc;
    const fm::Statement& st = loc.get();
    ensure_references(loc);
    Value v;
    if (st.kind == fm::StatementKind::Schema) {
      v = Value{schema_atom_, atom_cached(doc.str(st.name)), 1.0};
    } else {
      std::vector<Binding> env;
      for (std::uint32_t i = 0; i < st.name_count; ++i) {
        // The same slot atom as the variable ?p: its name is normalised too.
        std::string key = unicode::normalize_name(doc.str(doc.name_at(st, i).text));
        env.push_back({key, Value{atom(reserved_name("var:" + key)), nullptr, 1.0}});
      }
      v = expression(doc, st, env, 0, 0, ahead);
    }
    if (!store(v, out, stream)) fail_overflow(doc, st);
  }

  // Looks up the atoms and roles of the statements items[lo, hi) before any
  // of them is evaluated. Most of a large vocabulary's entries have left the
  // cache since their last use, and a lookup has to finish before the vector
  // it finds can be read; hashing and prefetching all of a group's entries
  // first lets those waits overlap. ahead(i) then gives item lo + i's vectors
  // by node (nullptr for other nodes), or nullptr for the whole item when it
  // was not looked up: templates and schemas bind names, and resolve as they go.
  void resolve_atoms(const std::vector<Located>& items, std::size_t lo, std::size_t hi) {
    ahead_.clear();
    ahead_at_.assign(hi - lo, fm::kNone);
    hashes_.clear();
    auto looked_up = [](const fm::Node& n) { return n.kind == NodeKind::Atom || n.kind == NodeKind::Layer; };
    for (std::size_t i = lo; i < hi; ++i) {
      if (!binds_no_names(items[i])) continue;
      const fm::Document& doc = *items[i].doc;
      const fm::Statement& st = items[i].get();
      ahead_at_[i - lo] = std::uint32_t(ahead_.size());
      ahead_.resize(ahead_.size() + (st.root - st.first_node + 1), nullptr);
      for (std::uint32_t n = st.first_node; n <= st.root; ++n)
        if (looked_up(doc.nodes[n])) {
          hashes_.push_back(AtomCache::hash(doc.text(doc.nodes[n])));
          atoms_->prefetch(hashes_.back());
        }
    }
    std::size_t h = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      if (ahead_at_[i - lo] == fm::kNone) continue;
      const fm::Document& doc = *items[i].doc;
      const fm::Statement& st = items[i].get();
      const void** out = ahead_.data() + ahead_at_[i - lo];
      for (std::uint32_t n = st.first_node; n <= st.root; ++n) {
        if (!looked_up(doc.nodes[n])) continue;
        const std::string_view raw = doc.text(doc.nodes[n]);
        const void* v = atoms_->find(raw, hashes_[h++]);
        out[n - st.first_node] = v ? v : atom_cached(raw);
      }
    }
  }
  const void* const* ahead(std::size_t i) const {
    return ahead_at_[i] == fm::kNone ? nullptr : ahead_.data() + ahead_at_[i];
  }

  // A formula, not a schema or a template: its atoms stand for themselves.
  static bool binds_no_names(const Located& loc) {
    if (!loc.doc) return false;
    const fm::Statement& st = loc.get();
    return st.kind != fm::StatementKind::Schema && st.name_count == 0 && st.root != fm::kNone;
  }
  // Whether statement_pair may take the statement (bsc stores without a norm).
  bool pairable(const Located& loc) const { return !bsc_ && binds_no_names(loc); }

  // Two pairable statements, each exactly as statement() does it, with their
  // squared norms taken in one pass (store_pair). The second is
  // evaluated two levels deeper, so its slots leave the first's value alone.
  // Throws a StatementError if either fails: the caller then encodes them one
  // at a time, and the one that fails gets its own error.
  void statement_pair(const Located& a, const Located& b, void* out_a, void* out_b,
                      const void* const* ahead_a = nullptr, const void* const* ahead_b = nullptr) {
    ensure_references(a);
    ensure_references(b);
    static const std::vector<Binding> kNoBindings;
    const Value va = expression(*a.doc, a.get(), kNoBindings, 0, 0, ahead_a);
    const Value vb = expression(*b.doc, b.get(), kNoBindings, 2, 0, ahead_b);
    const float* xa = static_cast<const float*>(materialize(va, final_.data()));
    const float* xb = static_cast<const float*>(materialize(vb, final_pair_.data()));
    bool ok[2];
    store_pair(xa, xb, out_a, out_b, ok);
    if (!ok[0]) fail_overflow(*a.doc, a.get());
    if (!ok[1]) fail_overflow(*b.doc, b.get());
  }

  // One row of encode_records: the same arithmetic as the text
  // `w1*r1: f1 + w2*r2: f2 + …` (a single pair is not a sum).
  bool record(const Codebook::View& view, const std::uint32_t* roles, const std::uint32_t* fillers,
              const float* weights, std::size_t k, void* out) {
    if (k == 1) return store(Value{view.vector(roles[0]), view.vector(fillers[0]), weights ? weights[0] : 1.0}, out, true);
    reserve_slots(0, 1);
    record_sum(view, roles, fillers, weights, k, slot(0, 0));
    return store(Value{slot(0, 0), nullptr, 1.0}, out, true);
  }

  // Two consecutive rows (k pairs each, the second's tables k entries on),
  // each exactly as record() does it, stored by store_pair. ok[0], ok[1] as
  // record()'s result.
  void record_pair(const Codebook::View& view, const std::uint32_t* roles, const std::uint32_t* fillers,
                   const float* weights, std::size_t k, void* out0, void* out1, bool ok[2]) {
    if (k == 1 || bsc_) {
      ok[0] = record(view, roles, fillers, weights, k, out0);
      ok[1] = record(view, roles + k, fillers + k, weights ? weights + k : nullptr, k, out1);
      return;
    }
    reserve_slots(0, 2);
    const float* x0 = static_cast<const float*>(slot(0, 0));
    const float* x1 = static_cast<const float*>(slot(0, 1));
    record_sum(view, roles, fillers, weights, k, slot(0, 0));
    record_sum(view, roles + k, fillers + k, weights ? weights + k : nullptr, k, slot(0, 1));
    store_pair(x0, x1, out0, out1, ok);
  }

  std::vector<fm::Error> warnings;

 private:
  // The sum of a record's bound pairs into acc (a scratch slot), unscaled.
  void record_sum(const Codebook::View& view, const std::uint32_t* roles, const std::uint32_t* fillers,
                  const float* weights, std::size_t k, void* acc) {
    bool unit = true;
    if (weights && bsc_)
      for (std::size_t j = 0; j < k; ++j) unit = unit && unit_coefficient(weights[j]);
    Sum sum = begin_sum(acc, 0, unit, k);
    for (std::size_t j = 0; j < k; ++j)
      add(sum, Value{view.vector(roles[j]), view.vector(fillers[j]), 1.0}, weights ? double(weights[j]) : 1.0);
    finish(sum);
  }

  // ---------------------------------------------------------------- scratch
  // Slot i of a level's arena. reserve_slots() must have made room first:
  // growing an arena would move the vectors that values point into.
  void* slot(int level, std::size_t i) { return arenas_[level].data() + i * lines_; }
  void reserve_slots(int level, std::size_t n) {
    auto& a = arenas_[level];
    if (a.size() < n * lines_) a.resize(n * lines_);
  }
  float* counts(int level) {
    if (counts_[level].size() < p_.dim) counts_[level].resize(p_.dim);
    return counts_[level].data();
  }

  // ---------------------------------------------------------------- atoms
  const void* atom(const std::string& normalized) { return cb_.vector(cb_.intern(normalized)); }
  // By the text as written (not normalised): the codebook normalises once per distinct text.
  const void* atom_cached(std::string_view raw) {
    if (const void* v = atoms_->find(raw)) return v;
    const void* v = cb_.vector(cb_.intern_name(raw));
    atoms_->insert(raw, v);
    return v;
  }
  const void* step(std::size_t i) {
    while (steps_.size() <= i) steps_.push_back(enc_.step_vector(steps_.size()));
    return steps_[i];
  }

  // ---------------------------------------------------------------- vector ops
  // out = a ⊛ b; out may be a or b.
  void bind_into(const void* a, const void* b, void* out) {
    switch (p_.algebra) {
      case Algebra::fhrr:
        k_.cmul(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), p_.dim, false);
        break;
      case Algebra::map:
        if (out == a || out == b) {
          const float* x = static_cast<const float*>(a);
          const float* y = static_cast<const float*>(b);
          float* o = static_cast<float*>(out);
          for (std::size_t i = 0; i < width_; ++i) o[i] = x[i] * y[i];
        } else {
          k_.mul(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), width_);
        }
        break;
      case Algebra::bsc:
        k_.xor_words(static_cast<const std::uint64_t*>(a), static_cast<const std::uint64_t*>(b),
                     static_cast<std::uint64_t*>(out), width_);
        break;
    }
  }

  // The vector a value stands for as an operand: float(coef) * vec (float
  // algebras; bsc values carry no scale outside sums), computed into scratch
  // when it is not simply vec. scratch must not be v.vec or v.other.
  const void* materialize(const Value& v, void* scratch) {
    if (!v.bound()) {
      if (bsc_ || v.coef == 1.0) return v.vec;
      vk_.scale(float(v.coef), static_cast<const float*>(v.vec), static_cast<float*>(scratch), width_);
      return scratch;
    }
    const float c = bsc_ ? 1.0f : float(v.coef);
    switch (p_.algebra) {
      case Algebra::fhrr:
        vk_.cmul_scaled(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other),
                        static_cast<float*>(scratch), p_.dim);
        break;
      case Algebra::map:
        vk_.mul_scaled(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other),
                       static_cast<float*>(scratch), width_);
        break;
      case Algebra::bsc:
        k_.xor_words(static_cast<const std::uint64_t*>(v.vec), static_cast<const std::uint64_t*>(v.other),
                     static_cast<std::uint64_t*>(scratch), width_);
        break;
    }
    return scratch;
  }
  void materialize_into(const Value& v, void* out) {
    const void* x = materialize(v, out);
    if (x != out) std::memcpy(out, x, p_.bytes());
  }

  // Writes a statement's value to out at the stored scale (fhrr/map: squared
  // norm dim; zero stays zero). False when the vector is not finite (an
  // infinity or NaN makes the squared norm so).
  bool store(const Value& v, void* out, bool stream) {
    if (bsc_) {
      materialize_into(v, out);
      return true;
    }
    const float* x = static_cast<const float*>(materialize(v, final_.data()));
    return store_normed(x, vk_.squared_norm(x, width_), out, stream);
  }
  // Two rows of a batch (fhrr/map) at the stored scale, their squared norms
  // taken in one pass: each is a chain of dependent additions in a fixed
  // order, and two independent chains run side by side in the time of one.
  // ok[i] as store_normed's result.
  void store_pair(const float* x0, const float* x1, void* out0, void* out1, bool ok[2]) {
    double n2[2];
    vk_.squared_norm2(x0, x1, width_, n2);
    ok[0] = store_normed(x0, n2[0], out0, true);
    ok[1] = store_normed(x1, n2[1], out1, true);
  }
  // The rest of store() for x (fhrr/map) whose squared norm n2 is known.
  bool store_normed(const float* x, double n2, void* out, bool stream) {
    if (!std::isfinite(n2)) return false;
    if (!(n2 > 0.0)) {
      std::memcpy(out, x, p_.bytes());
      return true;
    }
    vk_.store_scaled(x, float(std::sqrt(double(p_.dim) / n2)), static_cast<float*>(out), width_, stream);
    return true;
  }

  // Sums: float algebras add float(coef) * vec in order (the first term
  // initialises); bsc takes the weighted majority of the terms — counted in
  // float32 per bit in general, and with bit-sliced integer counters when
  // every coefficient is 0 or ±1 (then the float counts are small integers,
  // exact in any order, so both ways give the same bits).
  struct Sum {
    void* out = nullptr;
    int level = 0;
    bool empty = true;
    bool bits = false;   // bsc, bit-sliced counters in planes_[level]
    int nplanes = 0;
    std::uint32_t voters = 0;  // bsc bit-sliced: terms with a nonzero coefficient
    // fhrr: pending binds added together in one pass (their operands stay valid until then)
    static constexpr int kBatch = 8;
    const float* pa[kBatch];
    const float* pb[kBatch];
    float pc[kBatch];
    int pending = 0;
  };

  Sum begin_sum(void* out, int level, bool unit, std::size_t terms) {
    Sum s;
    s.out = out;
    s.level = level;
    if (!bsc_) return s;
    if (unit) {
      s.bits = true;
      while ((std::size_t(1) << s.nplanes) <= terms) ++s.nplanes;
      auto& pl = planes_[level];
      pl.assign(width_ * std::size_t(s.nplanes), 0);
    } else {
      float* c = counts(level);
      std::fill(c, c + p_.dim, 0.0f);
    }
    return s;
  }

  // `stable`: v's operands stay valid until the sum finishes (not in a scratch slot reused per term).
  void add(Sum& s, const Value& v, double coef, bool stable = true) {
    const float c = float(coef);
    if (!bsc_ && p_.algebra == Algebra::fhrr && v.bound() && stable) {
      if (s.pending == Sum::kBatch) flush(s);
      s.pa[s.pending] = static_cast<const float*>(v.vec);
      s.pb[s.pending] = static_cast<const float*>(v.other);
      s.pc[s.pending] = c;
      ++s.pending;
      return;
    }
    flush(s);
    if (bsc_) {
      const auto* a = static_cast<const std::uint64_t*>(v.vec);
      const auto* b = static_cast<const std::uint64_t*>(v.other);
      if (!s.bits) {
        vk_.xor_axpy_bits(c, a, b, counts(s.level), p_.dim);
        return;
      }
      if (c == 0.0f) return;  // adds ±0 to every count: changes nothing
      ++s.voters;
      // A term votes "one" where its bit, flipped for a negative sign, is 1.
      vk_.count_votes(a, b, c < 0.0f ? ~std::uint64_t(0) : 0, planes_[s.level].data(), s.nplanes, carry_.data(),
                      width_);
      return;
    }
    float* acc = static_cast<float*>(s.out);
    const bool fhrr = p_.algebra == Algebra::fhrr;
    if (s.empty) {
      s.empty = false;
      if (v.bound()) {
        if (fhrr)
          vk_.cmul_scaled(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other), acc, p_.dim);
        else
          vk_.mul_scaled(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other), acc, width_);
      } else if (coef == 1.0) {
        std::memcpy(acc, v.vec, p_.bytes());
      } else {
        vk_.scale(c, static_cast<const float*>(v.vec), acc, width_);
      }
      return;
    }
    if (v.bound()) {
      if (fhrr)
        vk_.cmul_axpy(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other), acc, p_.dim);
      else
        vk_.mul_axpy(c, static_cast<const float*>(v.vec), static_cast<const float*>(v.other), acc, width_);
    } else {
      k_.axpy(c, static_cast<const float*>(v.vec), acc, width_);
    }
  }

  void flush(Sum& s) {
    if (s.pending == 0) return;
    vk_.cmul_sum(s.pa, s.pb, s.pc, std::size_t(s.pending), s.empty, static_cast<float*>(s.out), p_.dim);
    s.empty = false;
    s.pending = 0;
  }

  void finish(Sum& s) {
    if (!bsc_) {
      flush(s);
      return;
    }
    auto* dst = static_cast<std::uint64_t*>(s.out);
    if (!s.bits) {
      vk_.majority_bits(counts(s.level), tie_, dst, width_);
      return;
    }
    // The float count is voters - 2 * ones: bit 1 when ones > voters / 2,
    // the tie bit when exactly half (voters even), else 0.
    vk_.count_majority(planes_[s.level].data(), s.nplanes, s.voters, tie_, carry_.data(), dst, width_);
  }

  // ---------------------------------------------------------------- references
  [[noreturn]] void fail(const fm::Document& doc, const fm::Statement& st, std::uint32_t pos, std::string msg) {
    throw StatementError{doc.error_at(st, pos, std::move(msg))};
  }

  // Weights are applied in float32: large ones overflow it. The caret goes to the largest weight.
  [[noreturn]] void fail_overflow(const fm::Document& doc, const fm::Statement& st) {
    std::uint32_t pos = 0;
    double largest = 0.0;
    if (st.root != fm::kNone)
      for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
        const fm::Node& n = doc.nodes[i];
        if (n.kind == NodeKind::Weight && n.weight > largest) {
          largest = n.weight;
          pos = n.pos;
        }
      }
    char num[32];
    std::snprintf(num, sizeof num, "%g", largest);
    fail(doc, st, pos,
         std::string("the vector of this formula overflows float32: weights are too large (the largest is ") + num +
             ")");
  }

  // Addresses a statement needs encoded first: plain references and glyphs,
  // also those inside the bodies of the parametric formulas it applies.
  void dependencies(const fm::Document& doc, const fm::Statement& st, std::vector<std::string>& out,
                    std::unordered_set<std::string>& templates_seen) {
    if (st.root == fm::kNone) return;
    for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
      const fm::Node& n = doc.nodes[i];
      if (n.kind == NodeKind::Glyph || (n.kind == NodeKind::Ref && n.count == 0)) {
        out.emplace_back(doc.text(n));
      } else if (n.kind == NodeKind::Ref) {
        std::string name(doc.text(n));
        if (templates_seen.insert(name).second)
          if (const Located* t = scope_.definition(name)) dependencies(*t->doc, t->get(), out, templates_seen);
      }
    }
  }

  // The stored vector of an address if it is already known (encoded or in a scope).
  const void* stored(std::string_view address) {
    if (const void** v = refs_.find(address)) return *v;
    std::string key(address);
    const void* found = nullptr;
    {
      std::shared_lock lock(enc_.cache_mutex_);
      auto it = enc_.cache_.find(key);
      if (it != enc_.cache_.end()) found = it->second.data();
    }
    if (!found)
      if (const std::string* v = scope_.vector(key)) found = v->data();
    return found;
  }

  // Encodes every definition the statement refers to, deepest first, without
  // recursion (chains of references may be arbitrarily long). Errors are
  // reported at the reference in this statement that leads to them.
  void ensure_references(const Located& loc) {
    std::vector<std::string> deps;
    std::unordered_set<std::string> seen;
    dependencies(*loc.doc, loc.get(), deps, seen);
    for (const std::string& d : deps) {
      if (stored(d)) continue;
      std::vector<std::string> stack{d};
      std::unordered_set<std::string> on_stack{d};
      while (!stack.empty()) {
        const std::string addr = stack.back();
        const Located* def = scope_.definition(addr);
        if (!def) fail_unknown(loc, stack);
        const fm::Statement& dst = def->get();
        if (dst.name_count > 0)
          fail_at_reference(loc, stack.front(),
                            addr + " is a parametric formula of " + std::to_string(dst.name_count) +
                                " parameter(s): apply it with arguments, " + addr + "(…)");
        std::vector<std::string> sub;
        std::unordered_set<std::string> sub_seen;
        dependencies(*def->doc, dst, sub, sub_seen);
        bool pushed = false;
        for (const std::string& s : sub) {
          if (stored(s)) continue;
          if (on_stack.count(s)) fail_at_reference(loc, stack.front(), "cyclic reference: " + cycle_text(stack, s));
          stack.push_back(s);
          on_stack.insert(s);
          pushed = true;
          break;
        }
        if (pushed) continue;
        std::vector<std::uint64_t> v(lines_ * 8);
        try {
          statement(*def, v.data());
        } catch (const StatementError& e) {
          const fm::Error& inner = e.error;
          fail_at_reference(loc, stack.front(),
                            "cannot encode " + addr + (stack.size() > 1 ? " (through " + chain_text(stack) + ")" : "") +
                                ": " + inner.message + " (" + inner.file + ":" + std::to_string(inner.line) + ":" +
                                std::to_string(inner.column) + ")");
        }
        {
          std::unique_lock lock(enc_.cache_mutex_);
          enc_.cache_.emplace(addr, std::move(v));
        }
        stack.pop_back();
        on_stack.erase(addr);
      }
    }
  }

  static std::string chain_text(const std::vector<std::string>& stack) {
    std::string s;
    for (const auto& a : stack) s += (s.empty() ? "" : " → ") + a;
    return s;
  }

  static std::string cycle_text(const std::vector<std::string>& stack, const std::string& again) {
    std::string s;
    bool on = false;
    for (const auto& a : stack) {
      if (a == again) on = true;
      if (on) s += a + " → ";
    }
    return s + again;
  }

  // The position of the first mention of `addr` in the statement (or its start).
  std::uint32_t position_of(const Located& loc, const std::string& addr) {
    const fm::Document& doc = *loc.doc;
    const fm::Statement& st = loc.get();
    if (st.root != fm::kNone)
      for (std::uint32_t i = st.first_node; i <= st.root; ++i) {
        const fm::Node& n = doc.nodes[i];
        if ((n.kind == NodeKind::Ref || n.kind == NodeKind::Glyph) && doc.text(n) == addr) return n.pos;
      }
    return 0;
  }
  [[noreturn]] void fail_at_reference(const Located& loc, const std::string& addr, std::string msg) {
    fail(*loc.doc, loc.get(), position_of(loc, addr), std::move(msg));
  }
  [[noreturn]] void fail_unknown(const Located& loc, const std::vector<std::string>& stack) {
    const std::string& addr = stack.back();
    fail_at_reference(loc, stack.front(),
                      "unknown reference " + addr + (stack.size() > 1 ? " (through " + chain_text(stack) + ")" : "") +
                          ": it is not defined here or in the memory");
  }

  const void* reference(const fm::Document& doc, const fm::Statement& st, const fm::Node& n) {
    const std::string_view addr = doc.text(n);
    if (const void* v = stored(addr)) {
      if (!refs_.find(addr)) refs_.insert(addr, v);
      return v;
    }
    fail(doc, st, n.pos, "unknown reference " + std::string(addr) + ": it is not defined here or in the memory");
  }

  const Located* schema(std::string_view name) {
    if (const Located** s = schemas_.find(name)) return *s;
    const Located* s = scope_.schema(name);
    if (s) schemas_.insert(name, s);
    return s;
  }

  // ---------------------------------------------------------------- expressions
  // Evaluates the statement's expression bottom-up over its post-order nodes.
  Value expression(const fm::Document& doc, const fm::Statement& st, const std::vector<Binding>& env, int level,
                   int expansion, const void* const* ahead = nullptr) {
    if (expansion > kMaxExpansion)
      fail(doc, st, 0, "parametric formulas expand deeper than " + std::to_string(kMaxExpansion) +
                           " levels: is a template applying itself?");
    const std::uint32_t base = st.first_node;
    const std::size_t count = st.root - base + 1;
    std::vector<Value>& values = values_[level];
    if (values.size() < count) values.resize(count);
    reserve_slots(level, count);
    reserve_slots(level + 1, 2);
    for (std::uint32_t i = base; i <= st.root; ++i) {
      values[i - base] = node(doc, st, doc.nodes[i], values, base, env, level, expansion, slot(level, i - base),
                              ahead ? ahead[i - base] : nullptr);
    }
    return values[st.root - base];
  }

  Value node(const fm::Document& doc, const fm::Statement& st, const fm::Node& n, std::vector<Value>& values,
             std::uint32_t base, const std::vector<Binding>& env, int level, int expansion, void* out,
             const void* known) {
    auto kid = [&](std::uint32_t i) -> const Value& { return values[doc.kid(n, i).node - base]; };
    switch (n.kind) {
      case NodeKind::Atom: {
        if (known) return Value{known};  // looked up ahead: the statement binds no names
        if (!env.empty() && !n.quoted) {
          std::string key = unicode::normalize_name(doc.text(n));
          for (const Binding& b : env)
            if (b.name == key) return b.value;
        }
        return Value{atom_cached(doc.text(n))};
      }
      case NodeKind::Var:
        return Value{atom(reserved_name("var:" + unicode::normalize_name(doc.text(n))))};
      case NodeKind::Glyph:
        return Value{reference(doc, st, n)};
      case NodeKind::Ref:
        if (n.count == 0) return Value{reference(doc, st, n)};
        return application(doc, st, n, values, base, level, expansion, out);
      case NodeKind::Weight: {
        Value v = kid(0);
        v.coef *= n.weight;
        return v;
      }
      case NodeKind::Inverse: {
        const void* x = materialize(kid(0), out);
        if (p_.algebra != Algebra::fhrr) return Value{x};
        const float* src = static_cast<const float*>(x);
        float* dst = static_cast<float*>(out);
        if (dst != src) std::memcpy(dst, src, p_.dim * sizeof(float));
        for (std::size_t j = p_.dim; j < width_; ++j) dst[j] = -src[j];
        return Value{out};
      }
      case NodeKind::Layer: {
        const void* role = known ? known : atom_cached(doc.text(n));
        if (p_.algebra != Algebra::fhrr) warn_self_binding(doc, st, n, role);
        return Value{role, materialize(kid(0), out), 1.0};
      }
      case NodeKind::Bind: {
        // Left fold; the last bind is left pending when its operands are stable.
        void* tmp = slot(level + 1, 0);
        const void* acc = materialize(kid(0), out);
        for (std::uint32_t i = 1; i < n.count; ++i) {
          const Value& f = kid(i);
          const bool plain = !f.bound() && (bsc_ || f.coef == 1.0);
          if (i + 1 == n.count && plain) return Value{acc, f.vec, 1.0};
          bind_into(acc, materialize(f, tmp), out);
          acc = out;
        }
        return Value{out};
      }
      case NodeKind::Bundle: {
        bool unit = true;
        for (std::uint32_t i = 0; i < n.count; ++i) unit = unit && unit_coefficient(kid(i).coef);
        Sum sum = begin_sum(out, level, unit, n.count);
        for (std::uint32_t i = 0; i < n.count; ++i) add(sum, kid(i), double(doc.kid(n, i).sign) * kid(i).coef);
        finish(sum);
        return Value{out};
      }
      case NodeKind::Flow: {
        void* tmp = slot(level + 1, 0);
        bool unit = true;
        if (bsc_)
          for (std::uint32_t i = 0; i < n.count; ++i) unit = unit && unit_coefficient(kid(i).coef);
        Sum sum = begin_sum(out, level, unit, n.count);
        for (std::uint32_t i = 0; i < n.count; ++i) {
          const Value& v = kid(i);
          // bsc: the step's weight votes in the majority; fhrr/map: it scales the step.
          const void* x = materialize(v, tmp);
          add(sum, Value{step(i), x, 1.0}, bsc_ ? v.coef : 1.0, x != tmp);
        }
        finish(sum);
        return Value{out};
      }
      case NodeKind::SchemaCall: {
        std::string_view name = doc.text(n);
        const Located* decl_at = schema(name);
        if (!decl_at)
          fail(doc, st, n.pos, "unknown schema '" + std::string(name) + "': declare it with `schema " +
                                   std::string(name) + "(role, …)`");
        const fm::Document& decl_doc = *decl_at->doc;
        const fm::Statement& decl = decl_at->get();
        if (decl.name_count != n.count)
          fail(doc, st, n.pos, "schema " + std::string(name) + " has " + std::to_string(decl.name_count) +
                                   " role(s), but " + std::to_string(n.count) + " argument(s) were given");
        void* tmp = slot(level + 1, 0);
        bool unit = true;
        if (bsc_)
          for (std::uint32_t i = 0; i < n.count; ++i) unit = unit && unit_coefficient(kid(i).coef);
        Sum sum = begin_sum(out, level, unit, n.count + 1);
        add(sum, Value{schema_atom_, atom_cached(name), 1.0}, 1.0);
        for (std::uint32_t i = 0; i < n.count; ++i) {
          const Value& v = kid(i);
          const void* x = materialize(v, tmp);
          add(sum, Value{atom_cached(decl_doc.str(decl_doc.name_at(decl, i).text)), x, 1.0}, bsc_ ? v.coef : 1.0,
              x != tmp);
        }
        finish(sum);
        return Value{out};
      }
    }
    fail(doc, st, n.pos, "unsupported formula node");
  }

  // Same atom vector, same normalised name: the codebook has one vector per name.
  bool warn_self_binding(const fm::Document& doc, const fm::Statement& st, const fm::Node& n, const void* role) {
    const fm::Node& f = doc.nodes[doc.kid(n, 0).node];
    if (f.kind == NodeKind::Atom && atom_cached(doc.text(f)) == role) {
      warnings.push_back(doc.error_at(st, n.pos, "role '" + std::string(doc.text(n)) + "' is bound to itself: in " +
                                                     algebra_name(p_.algebra) + " that is the identity vector"));
      return true;
    }
    return false;
  }

  Value application(const fm::Document& doc, const fm::Statement& st, const fm::Node& n, std::vector<Value>& values,
                    std::uint32_t base, int level, int expansion, void* out) {
    std::string addr(doc.text(n));
    const Located* def = scope_.definition(addr);
    if (!def) fail(doc, st, n.pos, "unknown parametric formula " + addr);
    const fm::Statement& dst = def->get();
    if (dst.name_count != n.count)
      fail(doc, st, n.pos, addr + " takes " + std::to_string(dst.name_count) + " argument(s), but " +
                               std::to_string(n.count) + " were given");
    std::vector<Binding> env;
    env.reserve(n.count);
    for (std::uint32_t i = 0; i < n.count; ++i)
      env.push_back({unicode::normalize_name(def->doc->str(def->doc->name_at(dst, i).text)),
                     values[doc.kid(n, i).node - base]});
    // The body is evaluated two levels deeper so its slots don't overwrite ours.
    Value v = expression(*def->doc, dst, env, level + 2, expansion + 1);
    materialize_into(v, out);
    return Value{out};
  }

  Encoder& enc_;
  const Scope& scope_;
  const SpaceParams& p_;
  const KernelTable& k_;
  const VectorKernels& vk_;
  Codebook& cb_;
  const bool bsc_;
  const std::size_t width_;  // elements of a vector (floats, or 64-bit words for bsc)
  const std::size_t lines_;  // cache lines of a vector
  std::vector<std::vector<Line>> arenas_;
  std::vector<std::vector<float>> counts_;
  std::vector<std::vector<std::uint64_t>> planes_;
  std::vector<std::vector<Value>> values_;
  std::vector<Line> final_;  // a statement's value before scaling, when not in a slot
  std::vector<Line> final_pair_;  // the same for the second of statement_pair
  // resolve_atoms' results: vectors by node of each statement looked up,
  // where each statement's run starts, and the hashes between the two passes.
  std::vector<const void*> ahead_;
  std::vector<std::uint32_t> ahead_at_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint64_t> carry_;  // bsc counters: one word per vector word
  const void* schema_atom_ = nullptr;
  const std::uint64_t* tie_ = nullptr;
  std::vector<const void*> steps_;
  // Atom text as written -> its vector; kept by the Space between calls.
  std::unique_ptr<AtomCache> atoms_ = enc_.space_->take_atom_cache();
  // Raw text -> what it resolves to in this call's scope. The keys view
  // Document pools, which outlive this Evaluation (it lasts one encode call).
  ViewMap<const void*> refs_;
  ViewMap<const Located*> schemas_;
};

Encoder::Encoder(std::shared_ptr<Space> space, std::shared_ptr<const Scope> scope)
    : space_(std::move(space)), scope_(scope ? std::move(scope) : std::make_shared<Scope>()) {}

namespace {
// Rows per chunk that workers take: small enough to balance two busy cores,
// large enough that taking one costs nothing.
std::size_t chunk_rows(std::size_t n, int threads) {
  return std::clamp<std::size_t>(n / (8 * std::size_t(resolve_threads(threads))), 16, 256);
}
// Statements whose atoms are looked up together (Evaluation::resolve_atoms).
constexpr std::size_t kLookAhead = 16;
}  // namespace

BatchResult Encoder::encode(const std::vector<Located>& items, void* out, int threads) {
  const std::size_t bytes = space_->params().bytes();
  const std::size_t workers = resolve_threads(threads);
  std::vector<std::unique_ptr<Evaluation>> evals(workers);  // one per worker, caches kept across chunks
  std::vector<std::vector<Failure>> failures(workers);
  space_->tie_vector();  // generate reserved atoms before threads race for them
  const VectorKernels& vk = vector_kernels();
  parallel_chunks(items.size(), threads, chunk_rows(items.size(), threads),
                  [&](std::size_t w, std::size_t lo, std::size_t hi) {
                    if (!evals[w]) evals[w] = std::make_unique<Evaluation>(*this, *scope_);
                    Evaluation& ev = *evals[w];
                    for (std::size_t g = lo; g < hi; g += kLookAhead) {
                      const std::size_t ge = std::min(hi, g + kLookAhead);
                      ev.resolve_atoms(items, g, ge);
                      for (std::size_t i = g; i < ge; ++i) {
                        char* row = static_cast<char*>(out) + i * bytes;
                        if (i + 1 < ge && ev.pairable(items[i]) && ev.pairable(items[i + 1])) {
                          try {
                            ev.statement_pair(items[i], items[i + 1], row, row + bytes, ev.ahead(i - g),
                                              ev.ahead(i + 1 - g));
                            ++i;
                            continue;
                          } catch (const StatementError&) {
                            // one of the two fails: each on its own below, for its own error
                          }
                        }
                        try {
                          ev.statement(items[i], row, true, ev.ahead(i - g));
                        } catch (const StatementError& e) {
                          std::memset(row, 0, bytes);
                          failures[w].push_back({std::uint32_t(i), e.error});
                        }
                      }
                    }
                    vk.store_fence();
                  });
  std::vector<std::vector<fm::Error>> warnings(workers);
  for (std::size_t w = 0; w < workers; ++w)
    if (evals[w]) warnings[w] = std::move(evals[w]->warnings);
  BatchResult r;
  for (auto& f : failures) r.failures.insert(r.failures.end(), f.begin(), f.end());
  std::sort(r.failures.begin(), r.failures.end(),
            [](const Failure& a, const Failure& b) { return a.statement < b.statement; });
  // A definition encoded both as its own row and as a dependency warns once.
  for (auto& w : warnings) r.warning_list.insert(r.warning_list.end(), w.begin(), w.end());
  auto key = [](const fm::Error& e) { return std::tie(e.file, e.line, e.column, e.message); };
  std::sort(r.warning_list.begin(), r.warning_list.end(),
            [&](const fm::Error& a, const fm::Error& b) { return key(a) < key(b); });
  r.warning_list.erase(std::unique(r.warning_list.begin(), r.warning_list.end(),
                                   [&](const fm::Error& a, const fm::Error& b) { return key(a) == key(b); }),
                       r.warning_list.end());
  r.warnings = r.warning_list.size();
  return r;
}

void encode_records(Space& space, const std::uint32_t* roles, const std::uint32_t* fillers, const float* weights,
                    std::size_t n, std::size_t k, void* out, int threads) {
  if (k == 0) throw InvalidArgument("encode_records: each record needs at least one (role, filler) pair");
  space.tie_vector();
  const Codebook::View view = space.codebook().view();
  const std::size_t known = view.size();
  for (std::size_t i = 0; i < n * k; ++i)
    if (roles[i] >= known || fillers[i] >= known)
      throw InvalidArgument("encode_records: codebook id " + std::to_string(std::max(roles[i], fillers[i])) +
                            " at flat index " + std::to_string(i) + " is unknown (the codebook holds " +
                            std::to_string(known) + " atoms; get ids with Space.atom_ids)");
  Encoder enc(std::shared_ptr<Space>(&space, [](Space*) {}), nullptr);
  const std::size_t bytes = space.params().bytes();
  const Scope empty;
  const VectorKernels& vk = vector_kernels();
  std::atomic<std::size_t> overflow{n};
  std::vector<std::unique_ptr<Evaluation>> evals(resolve_threads(threads));
  parallel_chunks(n, threads, chunk_rows(n, threads), [&](std::size_t w, std::size_t lo, std::size_t hi) {
    if (!evals[w]) evals[w] = std::make_unique<Evaluation>(enc, empty);
    Evaluation& ev = *evals[w];
    auto note_overflow = [&](std::size_t i) {
      std::size_t cur = overflow.load();
      while (i < cur && !overflow.compare_exchange_weak(cur, i)) {
      }
    };
    std::size_t i = lo;
    for (; i + 2 <= hi; i += 2) {
      bool ok[2];
      ev.record_pair(view, roles + i * k, fillers + i * k, weights ? weights + i * k : nullptr, k,
                     static_cast<char*>(out) + i * bytes, static_cast<char*>(out) + (i + 1) * bytes, ok);
      if (!ok[0]) note_overflow(i);
      if (!ok[1]) note_overflow(i + 1);
    }
    if (i < hi && !ev.record(view, roles + i * k, fillers + i * k, weights ? weights + i * k : nullptr, k,
                             static_cast<char*>(out) + i * bytes))
      note_overflow(i);
    vk.store_fence();
  });
  if (overflow.load() < n)
    throw InvalidArgument("encode_records: the vector of record " + std::to_string(overflow.load()) +
                          " overflows float32: its weights are too large");
}

}  // namespace deltaform::encode

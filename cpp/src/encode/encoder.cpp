#include "deltaform/encode/encoder.hpp"
#include "deltaform/encode/records.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "deltaform/kernels.hpp"
#include "deltaform/ops.hpp"
#include "deltaform/parallel.hpp"
#include "deltaform/unicode.hpp"

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
// (docs/encoding.md states the order; the reference encoder repeats it).
double squared_norm(const float* v, std::size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += double(v[i + j]) * double(v[i + j]);
  double total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) total += double(v[i]) * double(v[i]);
  return total;
}

namespace {

// Nested parametric applications expand inline; this bounds a recursive template.
constexpr int kMaxExpansion = 256;

// A node's value: coef * vec. Weights fold into coef (product in double) and
// are applied once, when the value is added to a sum or materialised.
struct Value {
  const void* vec = nullptr;
  double coef = 1.0;
};

struct Binding {
  std::string name;  // normalised parameter name
  Value value;
};

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

// One thread's evaluation state: scratch slots reused from statement to statement.
class Evaluation {
 public:
  Evaluation(Encoder& enc, const Scope& scope)
      : enc_(enc), scope_(scope), p_(enc.space_->params()), k_(kernels()), cb_(enc.space_->codebook()),
        words_((p_.bytes() + 7) / 8) {
    // Sized once: evaluation keeps references into these while going deeper.
    const std::size_t levels = 2 * kMaxExpansion + 8;
    arenas_.resize(levels);
    counts_.resize(levels);
    values_.resize(levels);
  }

  // The stored-scale vector of a statement into out.
  void statement(const Located& loc, void* out) {
    const fm::Document& doc = *loc.doc;
    const fm::Statement& st = loc.get();
    ensure_references(loc);
    if (st.kind == fm::StatementKind::Schema) {
      bind_into(atom(reserved_name("schema")), atom_named(doc.str(st.name)), out);
    } else {
      std::vector<Binding> env;
      for (std::uint32_t i = 0; i < st.name_count; ++i) {
        std::string pname(doc.str(doc.name_at(st, i).text));
        // The same slot atom as the variable ?p: its name is normalised too.
        std::string key = unicode::normalize_name(pname);
        env.push_back({key, Value{atom(reserved_name("var:" + key)), 1.0}});
      }
      Value v = expression(doc, st, env, 0, 0);
      materialize_into(v, out);
    }
    if (!scale_to_atom_norm(out)) fail_overflow(doc, st);
  }

  // One row of encode_records: the same arithmetic as the text
  // `w1*r1: f1 + w2*r2: f2 + …` (a single pair is not a sum).
  void record(const std::uint32_t* roles, const std::uint32_t* fillers, const float* weights, std::size_t k,
              void* out) {
    reserve_slots(0, 1);
    void* term = slot(0, 0);
    if (k == 1) {
      bind_into(cb_.vector(roles[0]), cb_.vector(fillers[0]), term);
      materialize_into(Value{term, weights ? double(weights[0]) : 1.0}, out);
    } else {
      Sum sum{*this, out, p_.algebra == Algebra::bsc ? counts(0) : nullptr};
      for (std::size_t j = 0; j < k; ++j) {
        bind_into(cb_.vector(roles[j]), cb_.vector(fillers[j]), term);
        sum.add(term, weights ? double(weights[j]) : 1.0);
      }
      sum.finish();
    }
    if (!scale_to_atom_norm(out))
      throw InvalidArgument("encode_records: a record's vector overflows float32: its weights are too large");
  }

  std::vector<fm::Error> warnings;

 private:
  // ---------------------------------------------------------------- scratch
  // Slot i of a level's arena. reserve_slots() must have made room first:
  // growing an arena would move the vectors that values point into.
  void* slot(int level, std::size_t i) { return arenas_[level].data() + i * words_; }
  void reserve_slots(int level, std::size_t n) {
    auto& a = arenas_[level];
    if (a.size() < n * words_) a.resize(n * words_);
  }

  const void* atom(const std::string& normalized) { return cb_.vector(cb_.intern(normalized)); }
  const void* atom_named(std::string_view name) { return cb_.vector(cb_.intern_name(name)); }

  // ---------------------------------------------------------------- vector ops
  void bind_into(const void* a, const void* b, void* out) {
    switch (p_.algebra) {
      case Algebra::fhrr:
        k_.cmul(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), p_.dim, false);
        break;
      case Algebra::map:
        k_.mul(static_cast<const float*>(a), static_cast<const float*>(b), static_cast<float*>(out), p_.dim);
        break;
      case Algebra::bsc:
        k_.xor_words(static_cast<const std::uint64_t*>(a), static_cast<const std::uint64_t*>(b),
                     static_cast<std::uint64_t*>(out), p_.width());
        break;
    }
  }

  // out = float(coef) * vec (float algebras); bsc values carry no scale outside sums.
  void materialize_into(const Value& v, void* out) {
    if (p_.algebra == Algebra::bsc || v.coef == 1.0) {
      if (out != v.vec) std::memcpy(out, v.vec, p_.bytes());
      return;
    }
    const float c = float(v.coef);
    const float* x = static_cast<const float*>(v.vec);
    float* o = static_cast<float*>(out);
    for (std::size_t i = 0; i < p_.width(); ++i) o[i] = c * x[i];
  }
  const void* materialize(const Value& v, void* scratch) {
    if (p_.algebra == Algebra::bsc || v.coef == 1.0) return v.vec;
    materialize_into(v, scratch);
    return scratch;
  }

  // Sums: float algebras add coef * vec in order (the first term initialises);
  // bsc accumulates signed weights per bit and takes the majority at the end.
  struct Sum {
    Evaluation& ev;
    void* out;
    float* counts;  // bsc only
    bool empty = true;
    void add(const void* vec, double coef) {
      const auto& p = ev.p_;
      if (p.algebra == Algebra::bsc) {
        if (empty) std::fill(counts, counts + p.dim, 0.0f);
        ev.k_.axpy_bits(float(coef), static_cast<const std::uint64_t*>(vec), counts, p.dim);
      } else if (empty) {
        ev.materialize_into(Value{vec, coef}, out);
      } else {
        ev.k_.axpy(float(coef), static_cast<const float*>(vec), static_cast<float*>(out), p.width());
      }
      empty = false;
    }
    void finish() {
      const auto& p = ev.p_;
      if (p.algebra != Algebra::bsc) return;
      const std::uint64_t* tie = ev.enc_.space_->tie_vector();
      auto* dst = static_cast<std::uint64_t*>(out);
      for (std::size_t w = 0; w < p.width(); ++w) {
        std::uint64_t word = 0;
        for (int b = 0; b < 64; ++b) {
          float s = counts[w * 64 + b];
          std::uint64_t bit = s < 0.0f ? 1u : (s > 0.0f ? 0u : ((tie[w] >> b) & 1u));
          word |= bit << b;
        }
        dst[w] = word;
      }
    }
  };
  float* counts(int level) {
    if (counts_[level].size() < p_.dim) counts_[level].resize(p_.dim);
    return counts_[level].data();
  }

  // False when the vector is not finite (an infinity or NaN makes n2 so).
  bool scale_to_atom_norm(void* out) {
    if (p_.algebra == Algebra::bsc) return true;
    float* v = static_cast<float*>(out);
    const double n2 = squared_norm(v, p_.width());
    if (!std::isfinite(n2)) return false;
    if (!(n2 > 0.0)) return true;
    const float s = float(std::sqrt(double(p_.dim) / n2));
    for (std::size_t i = 0; i < p_.width(); ++i) v[i] = v[i] * s;
    return true;
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

  const void* atom_cached(std::string_view raw) {
    auto it = atom_cache_.find(raw);
    if (it != atom_cache_.end()) return it->second;
    const void* v = atom_named(raw);
    atom_cache_.emplace(raw, v);
    return v;
  }

  // ---------------------------------------------------------------- references
  [[noreturn]] void fail(const fm::Document& doc, const fm::Statement& st, std::uint32_t pos, std::string msg) {
    throw StatementError{doc.error_at(st, pos, std::move(msg))};
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

  bool available(const std::string& address) {
    {
      std::shared_lock lock(enc_.cache_mutex_);
      if (enc_.cache_.count(address)) return true;
    }
    return scope_.vector(address) != nullptr;
  }

  // Encodes every definition the statement refers to, deepest first, without
  // recursion (chains of references may be arbitrarily long).
  void ensure_references(const Located& loc) {
    std::vector<std::string> deps;
    std::unordered_set<std::string> seen;
    dependencies(*loc.doc, loc.get(), deps, seen);
    for (const std::string& d : deps) {
      if (available(d)) continue;
      std::vector<std::string> stack{d};
      std::unordered_set<std::string> on_stack{d};
      while (!stack.empty()) {
        const std::string addr = stack.back();
        const Located* def = scope_.definition(addr);
        if (!def) fail_unknown(loc, addr);
        const fm::Statement& dst = def->get();
        if (dst.name_count > 0)
          fail_at_reference(loc, addr, addr + " is a parametric formula of " + std::to_string(dst.name_count) +
                                           " parameter(s): apply it with arguments, " + addr + "(…)");
        std::vector<std::string> sub;
        std::unordered_set<std::string> sub_seen;
        dependencies(*def->doc, dst, sub, sub_seen);
        bool pushed = false;
        for (const std::string& s : sub) {
          if (available(s)) continue;
          if (on_stack.count(s)) fail_at_reference(loc, addr, "cyclic reference: " + cycle_text(stack, s));
          stack.push_back(s);
          on_stack.insert(s);
          pushed = true;
          break;
        }
        if (pushed) continue;
        std::vector<std::uint64_t> v(words_);
        statement(*def, v.data());
        {
          std::unique_lock lock(enc_.cache_mutex_);
          enc_.cache_.emplace(addr, std::move(v));
        }
        stack.pop_back();
        on_stack.erase(addr);
      }
    }
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
  [[noreturn]] void fail_unknown(const Located& loc, const std::string& addr) {
    fail_at_reference(loc, addr, "unknown reference " + addr + ": it is not defined here or in the memory");
  }

  const void* reference(const fm::Document& doc, const fm::Statement& st, const fm::Node& n) {
    std::string addr(doc.text(n));
    {
      std::shared_lock lock(enc_.cache_mutex_);
      auto it = enc_.cache_.find(addr);
      if (it != enc_.cache_.end()) return it->second.data();
    }
    if (const std::string* v = scope_.vector(addr)) return v->data();
    fail(doc, st, n.pos, "unknown reference " + addr + ": it is not defined here or in the memory");
  }

  // ---------------------------------------------------------------- expressions
  // Evaluates the statement's expression bottom-up over its post-order nodes.
  Value expression(const fm::Document& doc, const fm::Statement& st, const std::vector<Binding>& env, int level,
                   int expansion) {
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
      values[i - base] = node(doc, st, doc.nodes[i], values, base, env, level, expansion, slot(level, i - base));
    }
    return values[st.root - base];
  }

  Value node(const fm::Document& doc, const fm::Statement& st, const fm::Node& n, std::vector<Value>& values,
             std::uint32_t base, const std::vector<Binding>& env, int level, int expansion, void* out) {
    auto kid = [&](std::uint32_t i) -> const Value& { return values[doc.kid(n, i).node - base]; };
    switch (n.kind) {
      case NodeKind::Atom: {
        if (!env.empty() && !n.quoted) {
          std::string key = unicode::normalize_name(doc.text(n));
          for (const Binding& b : env)
            if (b.name == key) return b.value;
          return Value{atom(key), 1.0};
        }
        return Value{atom_cached(doc.text(n)), 1.0};
      }
      case NodeKind::Var:
        return Value{atom(reserved_name("var:" + unicode::normalize_name(doc.text(n)))), 1.0};
      case NodeKind::Glyph:
        return Value{reference(doc, st, n), 1.0};
      case NodeKind::Ref:
        if (n.count == 0) return Value{reference(doc, st, n), 1.0};
        return application(doc, st, n, values, base, level, expansion, out);
      case NodeKind::Weight: {
        Value v = kid(0);
        v.coef *= n.weight;
        return v;
      }
      case NodeKind::Inverse: {
        const void* x = materialize(kid(0), out);
        if (p_.algebra != Algebra::fhrr) return Value{x, 1.0};
        const float* src = static_cast<const float*>(x);
        float* dst = static_cast<float*>(out);
        if (dst != src) std::memcpy(dst, src, p_.dim * sizeof(float));
        for (std::size_t j = p_.dim; j < p_.width(); ++j) dst[j] = -src[j];
        return Value{out, 1.0};
      }
      case NodeKind::Layer: {
        std::string_view role = doc.text(n);
        const Value& f = kid(0);
        if (p_.algebra != Algebra::fhrr) warn_self_binding(doc, st, n, role);
        bind_into(atom_named(role), materialize(f, out), out);
        return Value{out, 1.0};
      }
      case NodeKind::Bind: {
        const void* first = materialize(kid(0), out);
        void* tmp = slot(level + 1, 0);
        bind_into(first, materialize(kid(1), tmp), out);
        for (std::uint32_t i = 2; i < n.count; ++i) bind_into(out, materialize(kid(i), tmp), out);
        return Value{out, 1.0};
      }
      case NodeKind::Bundle: {
        Sum sum{*this, out, p_.algebra == Algebra::bsc ? counts(level) : nullptr};
        for (std::uint32_t i = 0; i < n.count; ++i) {
          const Value& v = kid(i);
          sum.add(v.vec, double(doc.kid(n, i).sign) * v.coef);
        }
        sum.finish();
        return Value{out, 1.0};
      }
      case NodeKind::Flow: {
        Sum sum{*this, out, p_.algebra == Algebra::bsc ? counts(level) : nullptr};
        void* tmp = slot(level + 1, 0);
        void* term = slot(level + 1, 1);
        for (std::uint32_t i = 0; i < n.count; ++i) {
          const Value& v = kid(i);
          const bool bsc = p_.algebra == Algebra::bsc;
          bind_into(enc_.step_vector(i), bsc ? v.vec : materialize(v, tmp), term);
          sum.add(term, bsc ? v.coef : 1.0);
        }
        sum.finish();
        return Value{out, 1.0};
      }
      case NodeKind::SchemaCall: {
        std::string_view name = doc.text(n);
        const Located* schema = scope_.schema(name);
        if (!schema)
          fail(doc, st, n.pos, "unknown schema '" + std::string(name) + "': declare it with `schema " +
                                   std::string(name) + "(role, …)`");
        const fm::Statement& decl = schema->get();
        if (decl.name_count != n.count)
          fail(doc, st, n.pos, "schema " + std::string(name) + " has " + std::to_string(decl.name_count) +
                                   " role(s), but " + std::to_string(n.count) + " argument(s) were given");
        Sum sum{*this, out, p_.algebra == Algebra::bsc ? counts(level) : nullptr};
        void* tmp = slot(level + 1, 0);
        void* term = slot(level + 1, 1);
        bind_into(atom(reserved_name("schema")), atom_named(name), term);
        sum.add(term, 1.0);
        for (std::uint32_t i = 0; i < n.count; ++i) {
          const Value& v = kid(i);
          const bool bsc = p_.algebra == Algebra::bsc;
          bind_into(atom_named(schema->doc->str(schema->doc->name_at(decl, i).text)), bsc ? v.vec : materialize(v, tmp),
                    term);
          sum.add(term, bsc ? v.coef : 1.0);
        }
        sum.finish();
        return Value{out, 1.0};
      }
    }
    fail(doc, st, n.pos, "unsupported formula node");
  }

  bool warn_self_binding(const fm::Document& doc, const fm::Statement& st, const fm::Node& n, std::string_view role) {
    const fm::Node& f = doc.nodes[doc.kid(n, 0).node];
    if (f.kind == NodeKind::Atom && unicode::normalize_name(doc.text(f)) == unicode::normalize_name(role)) {
      warnings.push_back(doc.error_at(st, n.pos, "role '" + std::string(role) + "' is bound to itself: in " +
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
    // The body is evaluated one level deeper so its slots don't overwrite ours.
    Value v = expression(*def->doc, dst, env, level + 2, expansion + 1);
    materialize_into(v, out);
    return Value{out, 1.0};
  }

  Encoder& enc_;
  const Scope& scope_;
  const SpaceParams& p_;
  const KernelTable& k_;
  Codebook& cb_;
  std::size_t words_;
  std::vector<std::vector<std::uint64_t>> arenas_;
  std::vector<std::vector<float>> counts_;
  std::vector<std::vector<Value>> values_;
  // Raw atom text -> codebook vector. The keys view Document pools, which
  // outlive this Evaluation (it lasts one encode call).
  std::unordered_map<std::string_view, const void*> atom_cache_;
};

Encoder::Encoder(std::shared_ptr<Space> space, std::shared_ptr<const Scope> scope)
    : space_(std::move(space)), scope_(scope ? std::move(scope) : std::make_shared<Scope>()) {}

BatchResult Encoder::encode(const std::vector<Located>& items, void* out, int threads) {
  const std::size_t bytes = space_->params().bytes();
  std::vector<std::vector<Failure>> failures(resolve_threads(threads));
  std::vector<std::vector<fm::Error>> warnings(failures.size());
  std::atomic<std::size_t> next_worker{0};
  space_->tie_vector();  // generate reserved atoms before threads race for them
  parallel_for(items.size(), threads, 64, [&](std::size_t lo, std::size_t hi) {
    std::size_t w = next_worker.fetch_add(1);
    Evaluation ev(*this, *scope_);
    for (std::size_t i = lo; i < hi; ++i) {
      char* row = static_cast<char*>(out) + i * bytes;
      try {
        ev.statement(items[i], row);
      } catch (const StatementError& e) {
        std::memset(row, 0, bytes);
        failures[w].push_back({std::uint32_t(i), e.error});
      }
    }
    warnings[w] = std::move(ev.warnings);
  });
  BatchResult r;
  for (auto& f : failures) r.failures.insert(r.failures.end(), f.begin(), f.end());
  std::sort(r.failures.begin(), r.failures.end(),
            [](const Failure& a, const Failure& b) { return a.statement < b.statement; });
  for (auto& w : warnings) r.warning_list.insert(r.warning_list.end(), w.begin(), w.end());
  r.warnings = r.warning_list.size();
  return r;
}

void encode_records(Space& space, const std::uint32_t* roles, const std::uint32_t* fillers, const float* weights,
                    std::size_t n, std::size_t k, void* out, int threads) {
  if (k == 0) throw InvalidArgument("encode_records: each record needs at least one (role, filler) pair");
  const std::size_t known = space.codebook().size();
  for (std::size_t i = 0; i < n * k; ++i)
    if (roles[i] >= known || fillers[i] >= known)
      throw InvalidArgument("encode_records: codebook id " + std::to_string(std::max(roles[i], fillers[i])) +
                            " at flat index " + std::to_string(i) + " is unknown (the codebook holds " +
                            std::to_string(known) + " atoms; get ids with Space.atom_ids)");
  space.tie_vector();
  Encoder enc(std::shared_ptr<Space>(&space, [](Space*) {}), nullptr);
  const std::size_t bytes = space.params().bytes();
  const Scope empty;
  parallel_for(n, threads, 64, [&](std::size_t lo, std::size_t hi) {
    Evaluation ev(enc, empty);
    for (std::size_t i = lo; i < hi; ++i)
      ev.record(roles + i * k, fillers + i * k, weights ? weights + i * k : nullptr, k,
                static_cast<char*>(out) + i * bytes);
  });
}

}  // namespace deltaform::encode

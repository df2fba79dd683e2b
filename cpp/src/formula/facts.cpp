#include "deltaform/formula/facts.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "deltaform/formula/printer.hpp"
#include "deltaform/unicode.hpp"

namespace deltaform::formula {

namespace {

// Names kept unique in first-seen order; a set only once the list is long.
class UniqueList {
 public:
  explicit UniqueList(std::vector<std::string>& out) : out_(out) {}

  bool contains(std::string_view s) const {
    if (out_.size() <= kLinear) return std::find(out_.begin(), out_.end(), s) != out_.end();
    return seen_.count(std::string(s)) != 0;
  }
  void add(std::string s) {
    if (contains(s)) return;
    out_.push_back(std::move(s));
    if (out_.size() == kLinear + 1) {
      for (const auto& x : out_) seen_.insert(x);
    } else if (out_.size() > kLinear + 1) {
      seen_.insert(out_.back());
    }
  }

 private:
  static constexpr std::size_t kLinear = 16;
  std::vector<std::string>& out_;
  std::unordered_set<std::string> seen_;
};

bool is_ascii_lower(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
  return true;
}

std::string normalized(std::string_view s) {
  // Plain lower-case ASCII is its own normal form; the rest goes through the tables.
  if (is_ascii_lower(s)) return std::string(s);
  return unicode::normalize_name(s);
}

}  // namespace

Facts scan(const Document& doc, const Statement& st) {
  Facts f;
  if (st.kind == StatementKind::Schema || st.root == kNone) return f;
  UniqueList atoms(f.atoms), roles(f.roles), schemas(f.schemas), refs(f.refs), vars(f.vars),
      applied(f.applied);
  std::vector<std::string> plain_addresses;   // Ref nodes without arguments
  UniqueList plain_refs(plain_addresses);
  // Pre-order, left to right, with an explicit stack (node, depth).
  std::vector<std::pair<std::uint32_t, int>> stack{{st.root, 0}};
  while (!stack.empty()) {
    auto [i, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxPrintDepth)
      throw std::length_error("the formula is nested deeper than " + std::to_string(kMaxPrintDepth) +
                              " levels");
    const Node& n = doc.node(i);
    switch (n.kind) {
      case NodeKind::Atom: atoms.add(normalized(doc.text(n))); break;
      case NodeKind::Var: vars.add(std::string(doc.text(n))); break;
      case NodeKind::Glyph: refs.add(std::string(doc.text(n))); break;
      case NodeKind::Ref:
        refs.add(std::string(doc.text(n)));
        if (n.count) applied.add(std::string(doc.text(n)));
        else plain_refs.add(std::string(doc.text(n)));
        break;
      case NodeKind::SchemaCall: schemas.add(normalized(doc.text(n))); break;
      case NodeKind::Layer: roles.add(normalized(doc.text(n))); break;
      default: break;
    }
    for (std::uint32_t k = n.count; k-- > 0;) stack.emplace_back(doc.kid(n, k).node, depth + 1);
  }
  if (st.kind == StatementKind::Definition && st.name_count) {
    // Parameters appear as atoms in the body; they are placeholders, not concepts.
    std::vector<std::string> params;
    for (std::uint32_t k = 0; k < st.name_count; ++k) params.push_back(normalized(doc.str(doc.name_at(st, k).text)));
    f.atoms.erase(std::remove_if(f.atoms.begin(), f.atoms.end(),
                                 [&](const std::string& a) {
                                   return std::find(params.begin(), params.end(), a) != params.end();
                                 }),
                  f.atoms.end());
  }
  for (const auto& r : f.refs) {
    const bool only_applied = std::find(f.applied.begin(), f.applied.end(), r) != f.applied.end() &&
                              std::find(plain_addresses.begin(), plain_addresses.end(), r) == plain_addresses.end();
    if (!only_applied) f.plain.push_back(r);
  }
  return f;
}

}  // namespace deltaform::formula

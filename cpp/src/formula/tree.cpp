#include "deltaform/formula/tree.hpp"

namespace deltaform::formula {

const char* kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::Atom: return "Atom";
    case NodeKind::Var: return "Var";
    case NodeKind::Ref: return "Ref";
    case NodeKind::Glyph: return "Glyph";
    case NodeKind::SchemaCall: return "SchemaCall";
    case NodeKind::Layer: return "Layer";
    case NodeKind::Inverse: return "Inverse";
    case NodeKind::Weight: return "Weight";
    case NodeKind::Bind: return "Bind";
    case NodeKind::Bundle: return "Bundle";
    case NodeKind::Flow: return "Flow";
  }
  return "?";
}

const char* kind_name(StatementKind kind) {
  switch (kind) {
    case StatementKind::Definition: return "Definition";
    case StatementKind::Anonymous: return "Anonymous";
    case StatementKind::Schema: return "Schema";
  }
  return "?";
}

Str Document::intern(std::string_view s) {
  Str out{static_cast<std::uint32_t>(pool.size()), static_cast<std::uint32_t>(s.size())};
  pool.append(s);
  return out;
}

std::uint32_t Document::column_of(const Statement& s, std::uint32_t pos) const {
  return formula::column_of(str(s.source), pos);
}

Error Document::error_at(const Statement& s, std::uint32_t pos, std::string message) const {
  return make_error(filename, s.line, str(s.source), pos, std::move(message));
}

void Document::clear() {
  pool.clear();
  nodes.clear();
  children.clear();
  names.clear();
  statements.clear();
  errors.clear();
}

}  // namespace deltaform::formula

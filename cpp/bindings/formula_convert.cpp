#include "formula_convert.hpp"

#include <vector>

namespace deltaform::bindings {

using formula::Document;
using formula::Node;
using formula::NodeKind;
using formula::Statement;
using formula::StatementKind;
using formula::Str;

AstClasses::AstClasses() {
  py::module_ ast = py::module_::import("deltaform.ast");
  Atom = ast.attr("Atom");
  Var = ast.attr("Var");
  Ref = ast.attr("Ref");
  Glyph = ast.attr("Glyph");
  SchemaCall = ast.attr("SchemaCall");
  Layer = ast.attr("Layer");
  Inverse = ast.attr("Inverse");
  Weight = ast.attr("Weight");
  Bind = ast.attr("Bind");
  Bundle = ast.attr("Bundle");
  Flow = ast.attr("Flow");
  Definition = ast.attr("Definition");
  Anonymous = ast.attr("Anonymous");
  Schema = ast.attr("Schema");
}

namespace {

py::str text(const Document& doc, Str s) {
  PyObject* o = PyUnicode_DecodeUTF8(doc.pool.data() + s.offset, s.length, "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

py::tuple kids(const Document& doc, const Node& n, std::uint32_t first,
               const std::vector<py::object>& done) {
  py::tuple t(n.count);
  for (std::uint32_t i = 0; i < n.count; ++i) t[i] = done[doc.kid(n, i).node - first];
  return t;
}

}  // namespace

py::object to_python_expr(const Document& doc, std::uint32_t first, std::uint32_t root,
                          const AstClasses& c) {
  // Post-order: every child is converted before its parent.
  std::vector<py::object> done(root - first + 1);
  for (std::uint32_t i = first; i <= root; ++i) {
    const Node& n = doc.nodes[i];
    py::object o;
    switch (n.kind) {
      case NodeKind::Atom: o = c.Atom(text(doc, n.text), py::bool_(n.quoted)); break;
      case NodeKind::Var: o = c.Var(text(doc, n.text)); break;
      case NodeKind::Ref: o = c.Ref(text(doc, n.text), kids(doc, n, first, done)); break;
      case NodeKind::Glyph: o = c.Glyph(text(doc, n.text)); break;
      case NodeKind::SchemaCall: o = c.SchemaCall(text(doc, n.text), kids(doc, n, first, done)); break;
      case NodeKind::Layer: o = c.Layer(text(doc, n.text), done[doc.kid(n, 0).node - first]); break;
      case NodeKind::Inverse: o = c.Inverse(done[doc.kid(n, 0).node - first]); break;
      case NodeKind::Weight: o = c.Weight(py::float_(n.weight), done[doc.kid(n, 0).node - first]); break;
      case NodeKind::Bind: o = c.Bind(kids(doc, n, first, done)); break;
      case NodeKind::Flow: o = c.Flow(kids(doc, n, first, done)); break;
      case NodeKind::Bundle: {
        py::tuple signs(n.count);
        for (std::uint32_t k = 0; k < n.count; ++k) signs[k] = py::int_(doc.kid(n, k).sign);
        o = c.Bundle(kids(doc, n, first, done), signs);
        break;
      }
    }
    done[i - first] = std::move(o);
  }
  return done.back();
}

py::object to_python_statement(const Document& doc, const Statement& st, const AstClasses& c) {
  py::object scene = st.has_scene ? py::object(text(doc, st.scene)) : py::object(py::none());
  py::tuple names(st.name_count);
  for (std::uint32_t i = 0; i < st.name_count; ++i) names[i] = text(doc, doc.name_at(st, i).text);
  switch (st.kind) {
    case StatementKind::Schema:
      return c.Schema(text(doc, st.name), names);
    case StatementKind::Definition:
      return c.Definition(text(doc, st.name), to_python_expr(doc, st.first_node, st.root, c), names,
                          scene);
    case StatementKind::Anonymous:
      break;
  }
  return c.Anonymous(to_python_expr(doc, st.first_node, st.root, c), scene);
}

py::tuple to_python_error(const formula::Error& e) {
  return py::make_tuple(e.file, e.line, e.column, e.message, e.source_line, e.format());
}

}  // namespace deltaform::bindings

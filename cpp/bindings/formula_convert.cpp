#include "formula_convert.hpp"

#include <vector>

namespace deltaform::bindings {

using formula::Document;
using formula::Node;
using formula::NodeKind;
using formula::Statement;
using formula::StatementKind;
using formula::Str;

NodeMaker::NodeMaker(const py::module_& ast, const char* name,
                     std::initializer_list<const char*> fields)
    : cls_(ast.attr(name)) {
  for (const char* f : fields) fields_.emplace_back(f);
  // Direct construction only for a slotted dataclass with exactly these fields.
  py::object dataclass_fields = py::getattr(cls_, "__dataclass_fields__", py::none());
  py::object slots = py::getattr(cls_, "__slots__", py::none());
  if (dataclass_fields.is_none() || slots.is_none() || py::len(dataclass_fields) != fields_.size()) return;
  for (const auto& f : fields_)
    if (!dataclass_fields.contains(f)) return;
  if (py::hasattr(cls_, "__post_init__") && std::string(name) != "Bundle") return;
  direct_ = PyType_Check(cls_.ptr());
}

py::object NodeMaker::operator()(std::initializer_list<py::handle> values) const {
  if (!direct_) {
    py::tuple args(values.size());
    std::size_t i = 0;
    for (auto v : values) args[i++] = py::reinterpret_borrow<py::object>(v);
    return cls_(*args);
  }
  auto* type = reinterpret_cast<PyTypeObject*>(cls_.ptr());
  py::object obj = py::reinterpret_steal<py::object>(type->tp_alloc(type, 0));
  if (!obj) throw py::error_already_set();
  std::size_t i = 0;
  for (auto v : values) {
    // object.__setattr__: sets the slot even though the dataclass is frozen
    if (PyObject_GenericSetAttr(obj.ptr(), fields_[i++].ptr(), v.ptr()) != 0) throw py::error_already_set();
  }
  return obj;
}

AstClasses::AstClasses()
    : ast(py::module_::import("deltaform.ast")),
      Atom(ast, "Atom", {"name", "quoted"}),
      Var(ast, "Var", {"name"}),
      Ref(ast, "Ref", {"address", "args"}),
      Glyph(ast, "Glyph", {"symbol"}),
      SchemaCall(ast, "SchemaCall", {"schema", "args"}),
      Layer(ast, "Layer", {"role", "filler"}),
      Inverse(ast, "Inverse", {"expr"}),
      Weight(ast, "Weight", {"weight", "expr"}),
      Bind(ast, "Bind", {"factors"}),
      Bundle(ast, "Bundle", {"terms", "signs"}),
      Flow(ast, "Flow", {"steps"}),
      Definition(ast, "Definition", {"target", "expr", "params", "scene"}),
      Anonymous(ast, "Anonymous", {"expr", "scene"}),
      Schema(ast, "Schema", {"name", "roles"}) {}

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
      case NodeKind::Atom: o = c.Atom({text(doc, n.text), py::bool_(n.quoted)}); break;
      case NodeKind::Var: o = c.Var({text(doc, n.text)}); break;
      case NodeKind::Ref: o = c.Ref({text(doc, n.text), kids(doc, n, first, done)}); break;
      case NodeKind::Glyph: o = c.Glyph({text(doc, n.text)}); break;
      case NodeKind::SchemaCall: o = c.SchemaCall({text(doc, n.text), kids(doc, n, first, done)}); break;
      case NodeKind::Layer: o = c.Layer({text(doc, n.text), done[doc.kid(n, 0).node - first]}); break;
      case NodeKind::Inverse: o = c.Inverse({done[doc.kid(n, 0).node - first]}); break;
      case NodeKind::Weight: o = c.Weight({py::float_(n.weight), done[doc.kid(n, 0).node - first]}); break;
      case NodeKind::Bind: o = c.Bind({kids(doc, n, first, done)}); break;
      case NodeKind::Flow: o = c.Flow({kids(doc, n, first, done)}); break;
      case NodeKind::Bundle: {
        py::tuple signs(n.count);
        for (std::uint32_t k = 0; k < n.count; ++k) signs[k] = py::int_(doc.kid(n, k).sign);
        o = c.Bundle({kids(doc, n, first, done), signs});
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
      return c.Schema({text(doc, st.name), names});
    case StatementKind::Definition:
      return c.Definition({text(doc, st.name), to_python_expr(doc, st.first_node, st.root, c), names,
                           scene});
    case StatementKind::Anonymous:
      break;
  }
  return c.Anonymous({to_python_expr(doc, st.first_node, st.root, c), scene});
}

py::tuple to_python_error(const formula::Error& e) {
  return py::make_tuple(e.file, e.line, e.column, e.message, e.source_line, e.format());
}

py::list to_python_errors(const std::vector<formula::Error>& errors) {
  py::list out(errors.size());
  for (std::size_t i = 0; i < errors.size(); ++i) out[i] = to_python_error(errors[i]);
  return out;
}

}  // namespace deltaform::bindings

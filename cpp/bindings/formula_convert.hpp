// Turns the C++ formula arena into the node classes of deltaform.ast (and
// errors into plain tuples). Shared by the parser and registry bindings.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>

#include "deltaform/formula/tree.hpp"

namespace deltaform::bindings {

namespace py = pybind11;

// The classes of deltaform.ast, looked up once per call.
struct AstClasses {
  py::object Atom, Var, Ref, Glyph, SchemaCall, Layer, Inverse, Weight, Bind, Bundle, Flow,
      Definition, Anonymous, Schema;
  AstClasses();
};

// The expression whose root is `root`; every node it uses has an index in
// [first, root] (true of a parsed statement and of an expansion).
py::object to_python_expr(const formula::Document& doc, std::uint32_t first, std::uint32_t root,
                          const AstClasses& cls);
py::object to_python_statement(const formula::Document& doc, const formula::Statement& st,
                               const AstClasses& cls);
// (file, line, column, message, source_line, formatted)
py::tuple to_python_error(const formula::Error& e);

}  // namespace deltaform::bindings

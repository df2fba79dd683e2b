// Turns the C++ formula arena into the node classes of deltaform.ast (and
// errors into plain tuples). Shared by the parser and registry bindings.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "deltaform/formula/tree.hpp"

namespace deltaform::bindings {

namespace py = pybind11;

// Builds instances of one deltaform.ast class. The classes are frozen
// dataclasses with slots and no validation the parser could fail, so an
// instance is allocated and its fields set directly, without running
// __init__ (ten times faster); if the class does not have exactly the fields
// expected, the class is called as usual.
class NodeMaker {
 public:
  NodeMaker(const py::module_& ast, const char* name, std::initializer_list<const char*> fields);
  py::object operator()(std::initializer_list<py::handle> values) const;

 private:
  py::object cls_;
  std::vector<py::str> fields_;
  bool direct_ = false;
};

// The classes of deltaform.ast, looked up once per conversion.
struct AstClasses {
  py::module_ ast;
  NodeMaker Atom, Var, Ref, Glyph, SchemaCall, Layer, Inverse, Weight, Bind, Bundle, Flow,
      Definition, Anonymous, Schema;
  AstClasses();
};

// Switches Python's cyclic garbage collector off while many nodes are built
// (they form no cycles) and back to its previous state afterwards.
class GcPause {
 public:
  GcPause() : was_enabled_(PyGC_Disable() == 1) {}
  ~GcPause() {
    if (was_enabled_) PyGC_Enable();
  }
  GcPause(const GcPause&) = delete;
  GcPause& operator=(const GcPause&) = delete;

 private:
  bool was_enabled_;
};

// The expression whose root is `root`; every node it uses has an index in
// [first, root] (true of a parsed statement and of an expansion).
py::object to_python_expr(const formula::Document& doc, std::uint32_t first, std::uint32_t root,
                          const AstClasses& cls);
py::object to_python_statement(const formula::Document& doc, const formula::Statement& st,
                               const AstClasses& cls);
// (file, line, column, message, source_line, formatted)
py::tuple to_python_error(const formula::Error& e);
// A list of those, in order.
py::list to_python_errors(const std::vector<formula::Error>& errors);

}  // namespace deltaform::bindings

// deltaform._core: the formula parser. Thin: parse in C++ (without the GIL
// for big inputs), then build deltaform.ast nodes; python/deltaform/formula.py
// holds the public API on top.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <string_view>

#include "binding_registry.hpp"
#include "deltaform/formula/parser.hpp"
#include "formula_convert.hpp"

namespace py = pybind11;
namespace fm = deltaform::formula;
using deltaform::bindings::AstClasses;

namespace {

constexpr std::size_t kReleaseGilFrom = 4096;

std::string_view view(const py::bytes& b) {
  char* data = nullptr;
  Py_ssize_t size = 0;
  if (PyBytes_AsStringAndSize(b.ptr(), &data, &size) != 0) throw py::error_already_set();
  return std::string_view(data, static_cast<std::size_t>(size));
}

template <typename F>
void maybe_without_gil(std::size_t size, F&& f) {
  if (size < kReleaseGilFrom) {
    f();
  } else {
    py::gil_scoped_release release;
    f();
  }
}

// (document, statement or None, error tuple or None)
py::tuple parse_one(const py::bytes& data, const std::string& filename, bool expression) {
  auto doc = std::make_shared<fm::Document>();
  doc->filename = filename;
  const std::string_view text = view(data);
  std::uint32_t index = fm::kNone;
  maybe_without_gil(text.size(), [&] {
    fm::Parser parser;
    index = expression ? parser.parse_expression(text, *doc) : parser.parse_statement(text, *doc);
  });
  if (index == fm::kNone)
    return py::make_tuple(doc, py::none(), deltaform::bindings::to_python_error(doc->errors.front()));
  AstClasses cls;
  const fm::Statement& st = doc->statements[index];
  py::object node = expression ? deltaform::bindings::to_python_expr(*doc, st.first_node, st.root, cls)
                               : deltaform::bindings::to_python_statement(*doc, st, cls);
  return py::make_tuple(doc, node, py::none());
}

// (document, [(line, statement)], [error tuple])
py::tuple parse_text(const py::bytes& data, const std::string& filename, bool stop_at_error,
                     bool convert) {
  auto doc = std::make_shared<fm::Document>();
  doc->filename = filename;
  const std::string_view text = view(data);
  maybe_without_gil(text.size(), [&] {
    fm::Parser parser;
    parser.parse_text(text, *doc, 1, stop_at_error);
  });
  py::list statements(convert ? doc->statements.size() : 0);
  if (convert) {
    deltaform::bindings::GcPause no_gc;
    AstClasses cls;
    for (std::size_t i = 0; i < doc->statements.size(); ++i) {
      const fm::Statement& st = doc->statements[i];
      statements[i] = py::make_tuple(st.line, deltaform::bindings::to_python_statement(*doc, st, cls));
    }
  }
  return py::make_tuple(doc, statements, deltaform::bindings::to_python_errors(doc->errors));
}

}  // namespace

DF_BINDING(50, formula) {
  py::class_<fm::Document, std::shared_ptr<fm::Document>>(
      m, "FormulaDocument",
      "Parsed Δ-formula text held by the C++ core (statements, nodes and errors).")
      .def_property_readonly("filename", [](const fm::Document& d) { return d.filename; })
      .def_property_readonly("statement_count", [](const fm::Document& d) { return d.statements.size(); })
      .def_property_readonly("node_count", [](const fm::Document& d) { return d.nodes.size(); })
      .def_property_readonly("error_count", [](const fm::Document& d) { return d.errors.size(); })
      .def("__repr__", [](const fm::Document& d) {
        return "<FormulaDocument " + d.filename + ": " + std::to_string(d.statements.size()) +
               " statements, " + std::to_string(d.errors.size()) + " errors>";
      });

  m.def("formula_parse_one", &parse_one, py::arg("data"), py::arg("filename"), py::arg("expression"),
        "Parses UTF-8 bytes as one statement (or one expression). Returns "
        "(document, node or None, error tuple or None).");
  m.def("formula_parse_text", &parse_text, py::arg("data"), py::arg("filename"),
        py::arg("stop_at_error") = false, py::arg("convert") = true,
        "Parses UTF-8 bytes line by line. Returns (document, [(line, statement)], [error tuple]); "
        "an error tuple is (file, line, column, message, source_line, formatted).");
  m.attr("FORMULA_MAX_DEPTH") = fm::kMaxDepth;
}

// deltaform._core.Registry: the definitions of parsed formula documents.
// python/deltaform/registry.py adds the convenient Python face.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "binding_registry.hpp"
#include "deltaform/formula/registry.hpp"
#include "formula_convert.hpp"

namespace py = pybind11;
namespace fm = deltaform::formula;
using deltaform::bindings::AstClasses;

namespace {

py::object statement_or_none(const fm::Registry::Entry& e) {
  if (!e) return py::none();
  AstClasses cls;
  return deltaform::bindings::to_python_statement(*e.doc, *e.statement, cls);
}

}  // namespace

DF_BINDING(51, formula_registry) {
  // C++ formula errors become deltaform.formula.FormulaError.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const fm::FormulaException& e) {
      py::object cls = py::module_::import("deltaform.formula").attr("FormulaError");
      const fm::Error& err = e.error;
      py::object instance = cls(err.file, err.line, err.column, err.message, err.source_line, err.format());
      PyErr_SetObject(cls.ptr(), instance.ptr());
    }
  });

  py::class_<fm::Registry, std::shared_ptr<fm::Registry>>(
      m, "Registry", "Schema declarations and Δ/glyph/parametric definitions, checked together.")
      .def(py::init<>())
      .def("add_document",
           [](fm::Registry& r, std::shared_ptr<fm::Document> doc) { r.add(std::move(doc)); },
           py::arg("document"), "Adds every statement of a parsed FormulaDocument.")
      .def("add_known", &fm::Registry::add_known, py::arg("address"),
           "Marks an address or glyph as defined elsewhere (e.g. in a memory).")
      .def("check_errors",
           [](const fm::Registry& r) {
             std::vector<fm::Error> errors;
             {
               py::gil_scoped_release release;
               errors = r.check();
             }
             py::list out;
             for (const auto& e : errors) out.append(deltaform::bindings::to_python_error(e));
             return out;
           },
           "Every problem as (file, line, column, message, source_line, formatted).")
      .def("definition_of",
           [](const fm::Registry& r, const std::string& address) { return statement_or_none(r.definition(address)); },
           py::arg("address"))
      .def("schema_of",
           [](const fm::Registry& r, const std::string& name) { return statement_or_none(r.schema(name)); },
           py::arg("name"))
      .def("order_names",
           [](const fm::Registry& r) {
             std::vector<fm::Registry::Entry> order;
             {
               py::gil_scoped_release release;
               order = r.order();
             }
             std::vector<std::string> names;
             names.reserve(order.size());
             for (const auto& e : order) names.emplace_back(e.doc->str(e.statement->name));
             return names;
           },
           "Addresses and glyphs of the definitions, each after those it refers to.")
      .def("expand_statement",
           [](const fm::Registry& r, std::shared_ptr<fm::Document> doc, std::uint32_t index,
              std::size_t max_nodes) {
             if (index >= doc->statements.size()) throw py::index_error("no such statement");
             fm::Document out;
             std::uint32_t root;
             {
               py::gil_scoped_release release;
               root = r.expand(*doc, doc->statements[index], out, max_nodes);
             }
             AstClasses cls;  // `out` holds only this expansion: nodes 0 .. root
             return deltaform::bindings::to_python_expr(out, 0, root, cls);
           },
           py::arg("document"), py::arg("index"), py::arg("max_nodes") = std::size_t{1} << 20,
           "The expression of a statement with every parametric application expanded.")
      .def_property_readonly("definition_count", &fm::Registry::definition_count)
      .def_property_readonly("schema_count", &fm::Registry::schema_count);
}

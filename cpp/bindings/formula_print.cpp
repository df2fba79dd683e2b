// deltaform._core: the canonical printer and the fact scanner for trees built
// in Python (deltaform.ast.to_text, deltaform.memory.records.scan). The tree
// is converted into the core's Document and printed / scanned by the same
// code that serves parsed text, so each rule exists once.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "binding_registry.hpp"
#include "deltaform/formula/facts.hpp"
#include "deltaform/formula/printer.hpp"
#include "formula_from_python.hpp"

namespace py = pybind11;
namespace fm = deltaform::formula;
using deltaform::bindings::from_python;
using deltaform::bindings::str_list;
using deltaform::bindings::str_of;

namespace {

py::str print_node(py::handle node, fm::Document& doc, std::string& out) {
  bool expression_only = false;
  const std::uint32_t i = from_python(node, doc, &expression_only);
  const fm::Statement& st = doc.statements[i];
  if (expression_only) fm::print_expr(doc, st.root, out);
  else fm::print_statement(doc, st, out);
  return str_of(out);
}

py::str to_text(py::handle node) {
  // One arena per thread, cleared after each use: printing a small node allocates
  // nothing here (str(node) of a single atom is common). Converting a node can run
  // Python code (str() of a field that is not a str) that prints again: that inner
  // call gets an arena of its own.
  thread_local fm::Document shared_doc;
  thread_local std::string shared_out;
  thread_local bool busy = false;
  if (busy) {
    fm::Document doc;
    std::string out;
    return print_node(node, doc, out);
  }
  struct Reset {
    ~Reset() {
      busy = false;
      if (shared_doc.pool.capacity() > (1u << 16) || shared_doc.nodes.capacity() > (1u << 12)) shared_doc = fm::Document();
      else shared_doc.clear();
      if (shared_out.capacity() > (1u << 16)) std::string().swap(shared_out);
      else shared_out.clear();
    }
  } reset;
  busy = true;
  return print_node(node, shared_doc, shared_out);
}

// (atoms, roles, schemas, refs, vars, applied, plain)
py::tuple scan(py::handle node) {
  fm::Document doc;
  bool expression_only = false;
  const std::uint32_t i = from_python(node, doc, &expression_only, false);
  const fm::Facts f = fm::scan(doc, doc.statements[i]);
  return py::make_tuple(str_list(f.atoms), str_list(f.roles), str_list(f.schemas), str_list(f.refs),
                        str_list(f.vars), str_list(f.applied), str_list(f.plain));
}

py::str definition_text(py::handle target, py::handle params, py::handle expr_text, py::handle scene) {
  std::deque<std::string> own;
  using deltaform::bindings::utf8_of;
  auto utf8 = [&](py::handle o) -> std::string_view {
    if (!PyUnicode_Check(o.ptr()))
      throw py::type_error(std::string("definition_text: expected str, got ") + Py_TYPE(o.ptr())->tp_name);
    return utf8_of(o.ptr(), own);
  };
  std::vector<std::string_view> names;
  for (py::handle p : params) names.push_back(utf8(p));
  std::string_view scene_text;
  if (!scene.is_none()) scene_text = utf8(scene);
  std::string out;
  fm::print_definition(utf8(target), names.data(), names.size(), utf8(expr_text),
                       scene.is_none() ? nullptr : &scene_text, out);
  return str_of(out);
}

// formula_to_text as a plain CPython function of one argument: it runs for every
// str(node), often on a single atom, where pybind11's call machinery would cost
// as much as the printing.
PyObject* to_text_raw(PyObject*, PyObject* node) {
  try {
    return to_text(node).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::length_error& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyMethodDef to_text_def = {
    "formula_to_text", to_text_raw, METH_O,
    "formula_to_text(node) -> str\n\nThe canonical text of a deltaform.ast node (statement or expression), "
    "printed by the core."};

}  // namespace

DF_BINDING(52, formula_print) {
  PyObject* fn = PyCFunction_NewEx(&to_text_def, nullptr, m.attr("__name__").ptr());
  if (!fn) throw py::error_already_set();
  m.add_object("formula_to_text", py::reinterpret_steal<py::object>(fn));
  m.def("formula_scan", &scan, py::arg("node"),
        "The facts of a deltaform.ast node: (atoms, roles, schemas, refs, vars, applied, plain), "
        "each a list of unique names in first-seen order.");
  m.def("formula_definition_text", &definition_text, py::arg("target"), py::arg("params"),
        py::arg("expr_text"), py::arg("scene"),
        "A definition's canonical text from its parts, the expression already printed.");
  m.def("formula_float_repr", &fm::float_repr, py::arg("x"),
        "Python's repr(float(x)), computed by the core (the printer's rule for weights).");
  m.def("formula_format_weight", &fm::format_weight, py::arg("w"),
        "A weight as the printer writes it: repr(float) without a trailing '.0'.");
}

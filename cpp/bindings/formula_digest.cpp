// deltaform._core.formula_digest: what the memory needs from a batch of
// formula lines, in one call and without Python syntax trees. Each line is one
// statement (an empty line is an error, as for the encoder). Parsing, printing
// and scanning run without the GIL; only the answer is built with it.
#include <pybind11/pybind11.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.hpp"
#include "deltaform/formula/facts.hpp"
#include "deltaform/formula/parser.hpp"
#include "deltaform/formula/printer.hpp"
#include "formula_convert.hpp"
#include "formula_from_python.hpp"

namespace py = pybind11;
namespace fm = deltaform::formula;
using deltaform::bindings::str_of;

namespace {

struct Digested {
  std::uint32_t slot = 0;        // index of the line in the batch
  std::uint32_t statement = 0;   // index in the document
  std::string expr;              // canonical text of the expression ("" for a schema)
  fm::Facts facts;
};

// The UTF-8 of each item (str or bytes), viewed without copying where it can.
std::vector<std::string_view> item_texts(const py::tuple& items, std::deque<std::string>& own) {
  std::vector<std::string_view> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    PyObject* o = PyTuple_GET_ITEM(items.ptr(), Py_ssize_t(i));
    std::string_view text;
    if (PyUnicode_Check(o)) {
      Py_ssize_t size = 0;
      const char* data = PyUnicode_AsUTF8AndSize(o, &size);
      if (data) {
        text = std::string_view(data, std::size_t(size));
      } else {
        // Lone surrogates: kept as invalid bytes, which the parser reports with their position.
        PyErr_Clear();
        PyObject* raw = PyUnicode_AsEncodedString(o, "utf-8", "surrogateescape");
        if (!raw) {
          PyErr_Clear();
          own.emplace_back("\xff");
        } else {
          own.emplace_back(PyBytes_AS_STRING(raw), std::size_t(PyBytes_GET_SIZE(raw)));
          Py_DECREF(raw);
        }
        text = own.back();
      }
    } else if (PyBytes_Check(o)) {
      text = std::string_view(PyBytes_AS_STRING(o), std::size_t(PyBytes_GET_SIZE(o)));
    } else {
      throw py::type_error("item " + std::to_string(i) + ": expected str or bytes, got " + Py_TYPE(o)->tp_name);
    }
    if (std::memchr(text.data(), '\n', text.size()) || std::memchr(text.data(), '\r', text.size()))
      throw py::value_error("item " + std::to_string(i) + ": one statement per item; found a line break");
    out.push_back(text);
  }
  return out;
}

py::list str_list(const std::vector<std::string>& names) {
  PyObject* list = PyList_New(Py_ssize_t(names.size()));
  if (!list) throw py::error_already_set();
  py::list out = py::reinterpret_steal<py::list>(list);
  for (std::size_t i = 0; i < names.size(); ++i) PyList_SET_ITEM(list, Py_ssize_t(i), str_of(names[i]).release().ptr());
  return out;
}

py::object text_or_none(const fm::Document& doc, bool has, fm::Str s) {
  return has ? py::object(str_of(doc.str(s))) : py::object(py::none());
}

// (document, rows, errors); a row per good statement:
// (slot, kind, name, names, scene, expr, atoms, roles, schemas, refs, vars, applied, plain)
py::tuple digest(const py::iterable& lines, const std::string& filename) {
  py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(lines.ptr()));
  if (!items) throw py::error_already_set();
  std::deque<std::string> own;
  const std::vector<std::string_view> texts = item_texts(items, own);
  auto doc = std::make_shared<fm::Document>();
  doc->filename = filename;
  std::vector<Digested> rows;
  std::string failure;
  {
    py::gil_scoped_release nogil;
    std::size_t bytes = 0;
    for (auto t : texts) bytes += t.size();
    doc->pool.reserve(bytes * 2 + 64);
    doc->nodes.reserve(bytes / 8 + 16);
    doc->children.reserve(bytes / 8 + 16);
    doc->statements.reserve(texts.size());
    rows.reserve(texts.size());
    fm::Parser parser;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::size_t before = doc->statements.size(), errs = doc->errors.size();
      const bool ok = parser.parse_line(texts[i], std::uint32_t(i + 1), *doc);
      if (!ok || doc->errors.size() > errs) continue;
      if (doc->statements.size() == before) {
        doc->errors.push_back(fm::make_error(filename, std::uint32_t(i + 1), texts[i], 0,
                                             "expected a formula, found an empty line"));
        continue;
      }
      Digested d;
      d.slot = std::uint32_t(i);
      d.statement = std::uint32_t(before);
      const fm::Statement& st = doc->statements[before];
      try {
        if (st.kind != fm::StatementKind::Schema) {
          fm::print_expr(*doc, st.root, d.expr);
          d.facts = fm::scan(*doc, st);
        }
      } catch (const std::exception& e) {
        // Cannot happen for parsed text (valid UTF-8, bounded depth); said plainly if it does.
        failure = "item " + std::to_string(i) + ": " + e.what();
        break;
      }
      rows.push_back(std::move(d));
    }
  }
  if (!failure.empty()) throw py::value_error(failure);
  static const py::str* kinds = new py::str[3]{py::str("definition"), py::str("anonymous"), py::str("schema")};
  py::list out(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Digested& d = rows[r];
    const fm::Statement& st = doc->statements[d.statement];
    py::tuple names(st.name_count);
    for (std::uint32_t k = 0; k < st.name_count; ++k) names[k] = str_of(doc->str(doc->name_at(st, k).text));
    const bool has_name = st.kind != fm::StatementKind::Anonymous;
    const fm::Facts& f = d.facts;
    out[r] = py::make_tuple(d.slot, kinds[int(st.kind)], text_or_none(*doc, has_name, st.name), names,
                            text_or_none(*doc, st.has_scene, st.scene), str_of(d.expr), str_list(f.atoms),
                            str_list(f.roles), str_list(f.schemas), str_list(f.refs), str_list(f.vars),
                            str_list(f.applied), str_list(f.plain));
  }
  py::list errors(doc->errors.size());
  for (std::size_t i = 0; i < doc->errors.size(); ++i)
    errors[i] = deltaform::bindings::to_python_error(doc->errors[i]);
  return py::make_tuple(doc, out, errors);
}

}  // namespace

DF_BINDING(53, formula_digest) {
  m.def("formula_digest", &digest, py::arg("lines"), py::arg("filename") = "<string>",
        "Digests a batch of statements, one per item (str or bytes). Returns (document, rows, errors): "
        "a row per good statement, (slot, kind, name, names, scene, expr, atoms, roles, schemas, refs, "
        "vars, applied, plain), kind 'definition' | 'anonymous' | 'schema'; errors as formula_parse_text.");
}

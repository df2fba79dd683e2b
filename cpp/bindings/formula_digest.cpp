// deltaform._core.formula_digest: what the memory needs from a batch of
// formula lines, in one call and without Python syntax trees. Each line is one
// statement (an empty line is an error, as for the encoder). Parsing, printing
// and scanning run without the GIL; only the answer is built with it.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <unordered_map>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "binding_registry.hpp"
#include "deltaform/parallel.hpp"
#include "deltaform/formula/facts.hpp"
#include "deltaform/formula/parser.hpp"
#include "deltaform/formula/printer.hpp"
#include "formula_convert.hpp"
#include "formula_from_python.hpp"
#include "item_texts.hpp"

namespace py = pybind11;
namespace fm = deltaform::formula;
using deltaform::parallel_chunks;
using deltaform::bindings::str_of;
using deltaform::bindings::str_tuple;

namespace {

struct Digested {
  std::uint32_t slot = 0;        // index of the line in the batch
  std::uint32_t statement = 0;   // index in the document
  std::string expr;              // canonical text of the expression ("" for a schema)
  fm::Facts facts;
  std::string json;              // the stored facts JSON when there are no refs and vars
};

void json_string(std::string_view s, std::string& out) {
  // json.JSONEncoder(ensure_ascii=False): only '"', '\\' and control characters are escaped.
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
}

void json_list(const char* key, const std::vector<std::string>& names, std::string& out) {
  out += '"';
  out += key;
  out += "\":[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    json_string(names[i], out);
  }
  out += ']';
}

// What the memory stores as the facts of a formula without references and
// variables: Facts.to_json() written by json.JSONEncoder(ensure_ascii=False,
// separators=(",", ":")): atoms always, roles and schemas when there are any.
std::string plain_facts_json(const fm::Facts& f) {
  std::string out = "{";
  json_list("atoms", f.atoms, out);
  if (!f.roles.empty()) {
    out += ',';
    json_list("roles", f.roles, out);
  }
  if (!f.schemas.empty()) {
    out += ',';
    json_list("schemas", f.schemas, out);
  }
  out += '}';
  return out;
}

py::object text_or_none(const fm::Document& doc, bool has, fm::Str s) {
  return has ? py::object(str_of(doc.str(s))) : py::object(py::none());
}

py::list new_list(std::size_t n) {
  PyObject* list = PyList_New(Py_ssize_t(n));
  if (!list) throw py::error_already_set();
  return py::reinterpret_steal<py::list>(list);
}

// The filter terms of formulas without refs and vars ("a:atom", "s:schema",
// "r:role", as the store files them), grouped: (names in first-seen order,
// count per name, formula indices per name in increasing order as one int64
// array); None when some formula has refs or vars (their terms need the store).
// Formula index j counts formula statements only (schema declarations are skipped).
py::object plain_terms(const fm::Document& doc, const std::vector<Digested>& rows) {
  for (const auto& d : rows)
    if (doc.statements[d.statement].kind != fm::StatementKind::Schema &&
        (!d.facts.refs.empty() || !d.facts.vars.empty()))
      return py::none();
  std::unordered_map<std::string, std::uint32_t> group_of;
  std::vector<std::string> names;
  std::vector<std::vector<std::int64_t>> groups;
  std::size_t total = 0;
  {
    py::gil_scoped_release nogil;
    std::string term;
    std::int64_t j = 0;
    auto add = [&](const char* prefix, const std::vector<std::string>& list) {
      for (const auto& x : list) {
        term.assign(prefix);
        term += x;
        auto [it, fresh] = group_of.try_emplace(term, std::uint32_t(names.size()));
        if (fresh) {
          names.push_back(term);
          groups.emplace_back();
        }
        groups[it->second].push_back(j);   // names are unique within a formula
        ++total;
      }
    };
    for (const auto& d : rows) {
      if (doc.statements[d.statement].kind == fm::StatementKind::Schema) continue;
      add("a:", d.facts.atoms);
      add("s:", d.facts.schemas);
      add("r:", d.facts.roles);
      ++j;
    }
  }
  py::list name_list = new_list(names.size()), counts = new_list(names.size());
  py::array_t<std::int64_t> formulas(static_cast<py::ssize_t>(total));
  std::int64_t* out = formulas.mutable_data();
  for (std::size_t g = 0; g < names.size(); ++g) {
    PyList_SET_ITEM(name_list.ptr(), Py_ssize_t(g), str_of(names[g]).release().ptr());
    PyList_SET_ITEM(counts.ptr(), Py_ssize_t(g), PyLong_FromSize_t(groups[g].size()));
    out = std::copy(groups[g].begin(), groups[g].end(), out);
  }
  return py::make_tuple(name_list, counts, formulas);
}

// (document, columns, errors): columns is a dict of lists with an entry per
// good statement, in line order (see the docstring below).
py::tuple digest(const py::iterable& lines, const std::string& filename, int threads) {
  py::tuple items = py::reinterpret_steal<py::tuple>(PySequence_Tuple(lines.ptr()));
  if (!items) throw py::error_already_set();
  std::deque<std::string> own;
  const std::vector<std::string_view> texts = deltaform::bindings::item_texts(items, own, true, "statement");
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
      const std::int64_t statement = deltaform::bindings::parse_item(parser, texts[i], std::uint32_t(i + 1), *doc);
      if (statement < 0) continue;
      Digested d;
      d.slot = std::uint32_t(i);
      d.statement = std::uint32_t(statement);
      rows.push_back(std::move(d));
    }
    // Printing and scanning only read the document: the statements are shared among threads.
    std::vector<std::string> failures(rows.size());
    parallel_chunks(rows.size(), threads, 512, [&](std::size_t, std::size_t lo, std::size_t hi) {
      for (std::size_t r = lo; r < hi; ++r) {
        Digested& d = rows[r];
        const fm::Statement& st = doc->statements[d.statement];
        if (st.kind == fm::StatementKind::Schema) continue;
        try {
          fm::print_expr(*doc, st.root, d.expr);
          d.facts = fm::scan(*doc, st);
          if (d.facts.refs.empty() && d.facts.vars.empty()) d.json = plain_facts_json(d.facts);
        } catch (const std::exception& e) {
          // Cannot happen for parsed text (valid UTF-8, bounded depth); said plainly if it does.
          failures[r] = "item " + std::to_string(d.slot) + ": " + e.what();
        }
      }
    });
    for (const auto& f : failures)
      if (!f.empty()) {
        failure = f;
        break;
      }
  }
  if (!failure.empty()) throw py::value_error(failure);
  deltaform::bindings::GcPause no_gc;   // many small containers, no cycles
  static const py::str* kinds = new py::str[3]{py::str("definition"), py::str("anonymous"), py::str("schema")};
  const std::size_t n = rows.size();
  py::list slot = new_list(n), kind = new_list(n), name = new_list(n), names = new_list(n), scene = new_list(n),
           expr = new_list(n), atoms = new_list(n), roles = new_list(n), schemas = new_list(n), refs = new_list(n),
           vars = new_list(n), applied = new_list(n), plain = new_list(n), facts_json = new_list(n);
  auto set = [](py::list& col, std::size_t r, py::object v) { PyList_SET_ITEM(col.ptr(), Py_ssize_t(r), v.release().ptr()); };
  for (std::size_t r = 0; r < n; ++r) {
    const Digested& d = rows[r];
    const fm::Statement& st = doc->statements[d.statement];
    py::tuple ns(st.name_count);
    for (std::uint32_t k = 0; k < st.name_count; ++k) ns[k] = str_of(doc->str(doc->name_at(st, k).text));
    const fm::Facts& f = d.facts;
    set(slot, r, py::int_(d.slot));
    set(kind, r, kinds[int(st.kind)]);
    set(name, r, text_or_none(*doc, st.kind != fm::StatementKind::Anonymous, st.name));
    set(names, r, ns);
    set(scene, r, text_or_none(*doc, st.has_scene, st.scene));
    set(expr, r, str_of(d.expr));
    set(atoms, r, str_tuple(f.atoms));
    set(roles, r, str_tuple(f.roles));
    set(schemas, r, str_tuple(f.schemas));
    set(refs, r, str_tuple(f.refs));
    set(vars, r, str_tuple(f.vars));
    set(applied, r, str_tuple(f.applied));
    set(plain, r, str_tuple(f.plain));
    set(facts_json, r, d.json.empty() ? py::object(py::none()) : py::object(str_of(d.json)));
  }
  py::dict columns;
  columns["slot"] = slot;
  columns["kind"] = kind;
  columns["name"] = name;
  columns["names"] = names;
  columns["scene"] = scene;
  columns["expr"] = expr;
  columns["atoms"] = atoms;
  columns["roles"] = roles;
  columns["schemas"] = schemas;
  columns["refs"] = refs;
  columns["vars"] = vars;
  columns["applied"] = applied;
  columns["plain"] = plain;
  columns["facts_json"] = facts_json;
  columns["terms"] = plain_terms(*doc, rows);
  return py::make_tuple(doc, columns, deltaform::bindings::to_python_errors(doc->errors));
}

}  // namespace

DF_BINDING(53, formula_digest) {
  m.def("formula_digest", &digest, py::arg("lines"), py::arg("filename") = "<string>", py::arg("threads") = 0,
        "Digests a batch of statements, one per item (str or bytes), printing and scanning them on "
        "`threads` threads (0: all cores). Returns (document, columns, errors). "
        "columns maps each name to a list with an entry per good statement, in line order: slot (item "
        "index), kind ('definition' | 'anonymous' | 'schema'), name (target or schema name, None for "
        "anonymous), names (parameters or roles), scene, expr (canonical text of the expression, '' for a "
        "schema), atoms, roles, schemas, refs, vars, applied, plain (the facts, as records.scan), "
        "facts_json (the memory's facts JSON of a formula without refs and vars, else None); and terms: "
        "(term names, count per name, int64 array of formula indices grouped by name) when no formula "
        "has refs or vars, else None (formula index: among the non-schema statements). errors as "
        "formula_parse_text; an empty item is an error.");
}

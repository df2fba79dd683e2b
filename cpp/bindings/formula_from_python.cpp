#include "formula_from_python.hpp"

#include <cmath>
#include <vector>

#include "deltaform/formula/printer.hpp"

namespace deltaform::bindings {

namespace fm = deltaform::formula;
using fm::Document;
using fm::NodeKind;

namespace {

// The classes of deltaform.ast and the field names, looked up once (kept for
// the life of the interpreter: never destroyed, so no teardown order issue).
struct Classes {
  PyObject* node[11];  // in NodeKind order
  PyObject* definition;
  PyObject* anonymous;
  PyObject* schema;
  PyObject *name, *quoted, *address, *args, *symbol, *schema_f, *role, *filler, *expr, *weight, *factors,
      *terms, *signs, *steps, *target, *params, *scene, *roles;

  Classes() {
    py::module_ ast = py::module_::import("deltaform.ast");
    const char* kinds[11] = {"Atom", "Var", "Ref", "Glyph", "SchemaCall", "Layer",
                             "Inverse", "Weight", "Bind", "Bundle", "Flow"};
    for (int i = 0; i < 11; ++i) node[i] = py::object(ast.attr(kinds[i])).release().ptr();
    definition = py::object(ast.attr("Definition")).release().ptr();
    anonymous = py::object(ast.attr("Anonymous")).release().ptr();
    schema = py::object(ast.attr("Schema")).release().ptr();
    auto s = [](const char* n) { return PyUnicode_InternFromString(n); };
    name = s("name"); quoted = s("quoted"); address = s("address"); args = s("args"); symbol = s("symbol");
    schema_f = s("schema"); role = s("role"); filler = s("filler"); expr = s("expr"); weight = s("weight");
    factors = s("factors"); terms = s("terms"); signs = s("signs"); steps = s("steps"); target = s("target");
    params = s("params"); scene = s("scene"); roles = s("roles");
  }
};

const Classes& classes() {
  static const Classes* c = new Classes();
  return *c;
}

// The order in which the Python printer looked for a subclass's rule.
constexpr NodeKind kSubclassOrder[11] = {NodeKind::Atom, NodeKind::Var, NodeKind::Glyph, NodeKind::Ref,
                                         NodeKind::SchemaCall, NodeKind::Layer, NodeKind::Inverse,
                                         NodeKind::Weight, NodeKind::Bind, NodeKind::Bundle, NodeKind::Flow};

bool is_instance(PyObject* o, PyObject* cls) {
  int r = PyObject_IsInstance(o, cls);
  if (r < 0) throw py::error_already_set();
  return r == 1;
}

py::object attr(PyObject* o, PyObject* name) {
  PyObject* v = PyObject_GetAttr(o, name);
  if (!v) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(v);
}

class Reader {
 public:
  explicit Reader(Document& doc) : doc_(doc), c_(classes()) {}

  std::uint32_t statement(py::handle h, bool* expression_only) {
    PyObject* o = h.ptr();
    fm::Statement st;
    st.line = 1;
    st.first_node = std::uint32_t(doc_.nodes.size());
    *expression_only = false;
    if (is_instance(o, c_.schema)) {
      st.kind = fm::StatementKind::Schema;
      st.name = text(attr(o, c_.name).ptr());
      names(attr(o, c_.roles).ptr(), st);
    } else if (is_instance(o, c_.definition)) {
      st.kind = fm::StatementKind::Definition;
      st.name = text(attr(o, c_.target).ptr());
      st.root = expr(attr(o, c_.expr).ptr(), 0);
      names(attr(o, c_.params).ptr(), st);
      scene(o, st);
    } else if (is_instance(o, c_.anonymous)) {
      st.kind = fm::StatementKind::Anonymous;
      st.root = expr(attr(o, c_.expr).ptr(), 0);
      scene(o, st);
    } else {
      st.kind = fm::StatementKind::Anonymous;
      st.root = expr(o, 0);
      *expression_only = true;
    }
    doc_.statements.push_back(st);
    return std::uint32_t(doc_.statements.size() - 1);
  }

 private:
  NodeKind kind_of(PyObject* o) {
    PyObject* t = reinterpret_cast<PyObject*>(Py_TYPE(o));
    for (int i = 0; i < 11; ++i)
      if (t == c_.node[i]) return NodeKind(i);
    for (NodeKind k : kSubclassOrder)   // a subclass of a node class
      if (is_instance(o, c_.node[int(k)])) return k;
    PyObject* r = PyObject_Repr(o);
    if (!r) throw py::error_already_set();
    throw py::type_error("not a formula node: " + py::reinterpret_steal<py::str>(r).cast<std::string>());
  }

  fm::Str text(PyObject* o) {
    py::object s;
    if (!PyUnicode_Check(o)) {
      s = py::reinterpret_steal<py::object>(PyObject_Str(o));
      if (!s) throw py::error_already_set();
      o = s.ptr();
    }
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(o, &size);
    if (data) return doc_.intern(std::string_view(data, std::size_t(size)));
    PyErr_Clear();   // lone surrogates: kept as surrogatepass bytes, so printed text decodes back the same
    PyObject* raw = PyUnicode_AsEncodedString(o, "utf-8", "surrogatepass");
    if (!raw) throw py::error_already_set();
    const fm::Str out = doc_.intern(std::string_view(PyBytes_AS_STRING(raw), std::size_t(PyBytes_GET_SIZE(raw))));
    Py_DECREF(raw);
    return out;
  }

  void names(PyObject* seq, fm::Statement& st) {
    py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq, "expected a sequence of names"));
    if (!fast) throw py::error_already_set();
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
    st.first_name = std::uint32_t(doc_.names.size());
    st.name_count = std::uint32_t(n);
    for (Py_ssize_t i = 0; i < n; ++i) doc_.names.push_back({text(PySequence_Fast_GET_ITEM(fast.ptr(), i)), 0});
  }

  void scene(PyObject* o, fm::Statement& st) {
    py::object s = attr(o, c_.scene);
    st.has_scene = !s.is_none();
    if (st.has_scene) st.scene = text(s.ptr());
  }

  std::uint32_t add(fm::Node n, const std::vector<fm::Child>& kids) {
    n.first = std::uint32_t(doc_.children.size());
    n.count = std::uint32_t(kids.size());
    doc_.children.insert(doc_.children.end(), kids.begin(), kids.end());
    doc_.nodes.push_back(n);
    return std::uint32_t(doc_.nodes.size() - 1);
  }

  std::vector<fm::Child> sequence(PyObject* seq, int depth) {
    py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq, "expected a sequence of nodes"));
    if (!fast) throw py::error_already_set();
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
    std::vector<fm::Child> kids(static_cast<std::size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) kids[i].node = expr(PySequence_Fast_GET_ITEM(fast.ptr(), i), depth + 1);
    return kids;
  }

  std::uint32_t one(PyObject* o, PyObject* field, int depth, fm::Node n) {
    std::vector<fm::Child> kids(1);
    kids[0].node = expr(attr(o, field).ptr(), depth + 1);
    return add(n, kids);
  }

  std::uint32_t expr(PyObject* o, int depth) {
    if (depth > fm::kMaxPrintDepth) {
      PyErr_SetString(PyExc_RecursionError, ("the formula is nested deeper than " +
                                             std::to_string(fm::kMaxPrintDepth) + " levels").c_str());
      throw py::error_already_set();
    }
    fm::Node n;
    n.kind = kind_of(o);
    switch (n.kind) {
      case NodeKind::Atom: {
        n.text = text(attr(o, c_.name).ptr());
        const int q = PyObject_IsTrue(attr(o, c_.quoted).ptr());
        if (q < 0) throw py::error_already_set();
        n.quoted = q == 1;
        return add(n, {});
      }
      case NodeKind::Var: n.text = text(attr(o, c_.name).ptr()); return add(n, {});
      case NodeKind::Glyph: n.text = text(attr(o, c_.symbol).ptr()); return add(n, {});
      case NodeKind::Ref: {
        n.text = text(attr(o, c_.address).ptr());
        return add(n, sequence(attr(o, c_.args).ptr(), depth));
      }
      case NodeKind::SchemaCall: {
        n.text = text(attr(o, c_.schema_f).ptr());
        return add(n, sequence(attr(o, c_.args).ptr(), depth));
      }
      case NodeKind::Layer: n.text = text(attr(o, c_.role).ptr()); return one(o, c_.filler, depth, n);
      case NodeKind::Inverse: return one(o, c_.expr, depth, n);
      case NodeKind::Weight: {
        py::object w = attr(o, c_.weight);
        const double v = PyFloat_AsDouble(w.ptr());
        if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
        if (check_weights_ && (!std::isfinite(v) || v < 0))
          throw py::value_error("a weight must be a finite number >= 0, got " + py::repr(w).cast<std::string>());
        n.weight = v;
        return one(o, c_.expr, depth, n);
      }
      case NodeKind::Bind: return add(n, sequence(attr(o, c_.factors).ptr(), depth));
      case NodeKind::Flow: return add(n, sequence(attr(o, c_.steps).ptr(), depth));
      case NodeKind::Bundle: {
        std::vector<fm::Child> kids = sequence(attr(o, c_.terms).ptr(), depth);
        py::object signs = attr(o, c_.signs);
        py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(signs.ptr(), "expected signs"));
        if (!fast) throw py::error_already_set();
        const Py_ssize_t m = PySequence_Fast_GET_SIZE(fast.ptr());
        for (std::size_t i = 0; i < kids.size() && Py_ssize_t(i) < m; ++i) {
          const double s = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast.ptr(), Py_ssize_t(i)));
          if (s == -1.0 && PyErr_Occurred()) throw py::error_already_set();
          kids[i].sign = s > 0 ? 1 : -1;
        }
        return add(n, kids);
      }
    }
    throw py::type_error("not a formula node");
  }

  Document& doc_;
  const Classes& c_;
  bool check_weights_ = true;

 public:
  void check_weights(bool on) { check_weights_ = on; }
};

}  // namespace

std::string_view utf8_of(PyObject* str, std::deque<std::string>& own) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(str, &size);
  if (data) return std::string_view(data, std::size_t(size));
  PyErr_Clear();
  PyObject* raw = PyUnicode_AsEncodedString(str, "utf-8", "surrogatepass");
  if (!raw) throw py::error_already_set();
  own.emplace_back(PyBytes_AS_STRING(raw), std::size_t(PyBytes_GET_SIZE(raw)));
  Py_DECREF(raw);
  return own.back();
}

py::str str_of(std::string_view utf8) {
  PyObject* o = PyUnicode_DecodeUTF8(utf8.data(), Py_ssize_t(utf8.size()), "surrogatepass");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

namespace {
template <class Seq, class Make, class Put>
Seq str_sequence(const std::vector<std::string>& names, Make make, Put put) {
  PyObject* seq = make(Py_ssize_t(names.size()));
  if (!seq) throw py::error_already_set();
  Seq out = py::reinterpret_steal<Seq>(seq);
  for (std::size_t i = 0; i < names.size(); ++i) put(seq, Py_ssize_t(i), str_of(names[i]).release().ptr());
  return out;
}
}  // namespace

py::list str_list(const std::vector<std::string>& names) {
  return str_sequence<py::list>(names, PyList_New, [](PyObject* l, Py_ssize_t i, PyObject* v) { PyList_SET_ITEM(l, i, v); });
}

py::tuple str_tuple(const std::vector<std::string>& names) {
  return str_sequence<py::tuple>(names, PyTuple_New,
                                 [](PyObject* t, Py_ssize_t i, PyObject* v) { PyTuple_SET_ITEM(t, i, v); });
}

std::uint32_t from_python(py::handle node, Document& doc, bool* expression_only, bool check_weights) {
  Reader reader(doc);
  reader.check_weights(check_weights);
  return reader.statement(node, expression_only);
}

}  // namespace deltaform::bindings

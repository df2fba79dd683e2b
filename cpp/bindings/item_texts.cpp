#include "item_texts.hpp"

#include <cstring>

namespace deltaform::bindings {

std::vector<std::string_view> item_texts(const py::tuple& items, std::deque<std::string>& own, bool bytes_ok,
                                         const char* unit, const char* hint) {
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
    } else if (bytes_ok && PyBytes_Check(o)) {
      text = std::string_view(PyBytes_AS_STRING(o), std::size_t(PyBytes_GET_SIZE(o)));
    } else {
      throw py::type_error("item " + std::to_string(i) + ": expected " + (bytes_ok ? "str or bytes" : "str") +
                           ", got " + Py_TYPE(o)->tp_name);
    }
    if (std::memchr(text.data(), '\n', text.size()) || std::memchr(text.data(), '\r', text.size()))
      throw py::value_error("item " + std::to_string(i) + ": one " + unit + " per item; found a line break" + hint);
    out.push_back(text);
  }
  return out;
}

std::int64_t parse_item(formula::Parser& parser, std::string_view text, std::uint32_t line_no,
                        formula::Document& doc) {
  const std::size_t before = doc.statements.size(), errors = doc.errors.size();
  if (!parser.parse_line(text, line_no, doc) || doc.errors.size() > errors) return -1;
  if (doc.statements.size() == before) {
    doc.errors.push_back(formula::make_error(doc.filename, line_no, text, 0, "expected a formula, found an empty line"));
    return -1;
  }
  return std::int64_t(before);
}

}  // namespace deltaform::bindings

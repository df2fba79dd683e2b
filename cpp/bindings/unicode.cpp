// Python access to the Unicode layer, mainly so tests can hold it against
// unicodedata.
#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "binding_registry.hpp"
#include "deltaform/unicode.hpp"

namespace py = pybind11;
namespace uc = deltaform::unicode;

namespace {
// Below this size the work is cheaper than handing the GIL back and forth.
constexpr std::size_t kReleaseGilFrom = 4096;

constexpr int kCategoryCount = static_cast<int>(uc::Category::Cn) + 1;

char32_t checked_code_point(long long cp) {
  if (cp < 0 || cp > 0x10FFFF)
    throw py::value_error("code point " + std::to_string(cp) + " is outside 0..0x10FFFF");
  return static_cast<char32_t>(cp);
}

template <typename F>
std::string run_text(const std::string& s, F&& f) {
  if (s.size() < kReleaseGilFrom) return f(s);
  py::gil_scoped_release release;
  return f(s);
}
}  // namespace

DF_BINDING(40, unicode) {
  m.def(
      "normalize_name",
      [](const std::string& s) { return run_text(s, uc::normalize_name); }, py::arg("text"),
      "casefold(NFC(text)): equals unicodedata.normalize('NFC', text).casefold().");
  m.def(
      "unicode_nfc", [](const std::string& s) { return run_text(s, uc::nfc); }, py::arg("text"),
      "NFC of text: equals unicodedata.normalize('NFC', text).");
  m.def(
      "unicode_casefold", [](const std::string& s) { return run_text(s, uc::casefold); },
      py::arg("text"), "Full case folding of text: equals text.casefold().");
  m.def(
      "unicode_category",
      [](long long cp) { return std::string(uc::category_name(uc::category(checked_code_point(cp)))); },
      py::arg("codepoint"), "General category (two letters), as unicodedata.category(chr(cp)).");
  m.def(
      "unicode_categories",
      [](long long start, long long stop) {
        checked_code_point(start);
        if (stop < start || stop > 0x110000)
          throw py::value_error("stop must lie in start..0x110000, got " + std::to_string(stop));
        std::vector<py::str> names;
        for (int c = 0; c < kCategoryCount; ++c)
          names.emplace_back(uc::category_name(static_cast<uc::Category>(c)));
        py::list out(static_cast<std::size_t>(stop - start));
        for (long long cp = start; cp < stop; ++cp)
          out[static_cast<std::size_t>(cp - start)] =
              names[static_cast<std::size_t>(uc::category(static_cast<char32_t>(cp)))];
        return out;
      },
      py::arg("start"), py::arg("stop"),
      "General categories of the code points start..stop-1, as a list of two-letter names.");
  m.def(
      "utf8_valid",
      [](const py::bytes& data) {
        char* buf = nullptr;
        Py_ssize_t len = 0;
        if (PyBytes_AsStringAndSize(data.ptr(), &buf, &len) != 0) throw py::error_already_set();
        const std::string_view view(buf, static_cast<std::size_t>(len));
        std::size_t bad = 0;
        bool ok;
        if (view.size() < kReleaseGilFrom) {
          ok = uc::valid_utf8(view, &bad);
        } else {
          py::gil_scoped_release release;  // data stays alive: the caller holds it
          ok = uc::valid_utf8(view, &bad);
        }
        return std::make_pair(ok, ok ? -1LL : static_cast<long long>(bad));
      },
      py::arg("data"),
      "(True, -1) for valid UTF-8, else (False, offset of the first byte of the first bad "
      "sequence), the offset Python's UnicodeDecodeError.start reports.");
  m.attr("UNICODE_VERSION") = uc::unicode_version();
}

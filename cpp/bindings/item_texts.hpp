// The text of each item of a batch, as the parser reads it: UTF-8, viewed in
// place where Python keeps it (a str's UTF-8, a bytes object), one line each.
#pragma once
#include <pybind11/pybind11.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace deltaform::bindings {

namespace py = pybind11;

// `items` must outlive the views. A str with lone surrogates cannot become
// UTF-8: it is kept in `own` as invalid bytes, which the parser reports with
// their position, like any other bad input. An item of another type is a
// TypeError, and an item holding a line break a ValueError:
// "item i: one <unit> per item; found a line break<hint>".
std::vector<std::string_view> item_texts(const py::tuple& items, std::deque<std::string>& own, bool bytes_ok,
                                         const char* unit, const char* hint = "");

}  // namespace deltaform::bindings

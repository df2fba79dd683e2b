// The text of each item of a batch, as the parser reads it: UTF-8, viewed in
// place where Python keeps it (a str's UTF-8, a bytes object), one line each.
#pragma once
#include <pybind11/pybind11.h>

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "deltaform/formula/parser.hpp"

namespace deltaform::bindings {

namespace py = pybind11;

// `items` must outlive the views. A str with lone surrogates cannot become
// UTF-8: it is kept in `own` as invalid bytes, which the parser reports with
// their position, like any other bad input. An item of another type is a
// TypeError, and an item holding a line break a ValueError:
// "item i: one <unit> per item; found a line break<hint>".
std::vector<std::string_view> item_texts(const py::tuple& items, std::deque<std::string>& own, bool bytes_ok,
                                         const char* unit, const char* hint = "");

// Parses one item's text as its statement (line number `line_no`): the
// statement's index in `doc`, or -1 with an Error appended. Each item is a
// formula, so an empty item (blank or only a comment) is an error too.
std::int64_t parse_item(formula::Parser& parser, std::string_view text, std::uint32_t line_no,
                        formula::Document& doc);

}  // namespace deltaform::bindings

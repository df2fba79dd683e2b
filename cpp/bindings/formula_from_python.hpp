// Turns a deltaform.ast tree (Python objects) into the core's Document, so that
// the one printer and the one fact scanner of the core work on trees built in
// Python too. Structural only: no printing or normalising rule lives here.
#pragma once
#include <pybind11/pybind11.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "deltaform/formula/tree.hpp"

namespace deltaform::bindings {

namespace py = pybind11;

// UTF-8 of a str; a str with lone surrogates is kept as surrogatepass bytes
// (`own` holds them), so that printed text decodes back to the same str.
std::string_view utf8_of(PyObject* str, std::deque<std::string>& own);
// A str from UTF-8 made by utf8_of (surrogates come back).
py::str str_of(std::string_view utf8);
// A list, or a tuple, of such str (a tuple of str soon leaves the cyclic
// collector's books, and the empty one is shared).
py::list str_list(const std::vector<std::string>& names);
py::tuple str_tuple(const std::vector<std::string>& names);

// Converts `node` (a statement, or an expression, which becomes an Anonymous
// statement without scene) into `doc`; returns the statement's index and sets
// *expression_only when `node` was an expression.
// TypeError "not a formula node: …" for anything else; ValueError for a
// negative or non-finite weight (when check_weights: the printer needs it, the
// fact scanner does not); RecursionError for a tree deeper than
// formula::kMaxPrintDepth.
std::uint32_t from_python(py::handle node, formula::Document& doc, bool* expression_only,
                          bool check_weights = true);

}  // namespace deltaform::bindings

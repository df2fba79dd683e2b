// The ONE canonical printer of the Δ-formula language (FORMULA.md,
// "Canonical form"): parentheses only where the binding levels need them,
// quoted atoms with '\' and '"' escaped, weights as Python's repr(float)
// without a trailing ".0". Python's deltaform.ast.to_text prints through it
// (a Python tree is first converted into a Document), so text printed here
// and there is the same, and parse(print(t)) == t for every tree.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "deltaform/formula/tree.hpp"

namespace deltaform::formula {

// Deepest tree the printer and the fact scanner walk (a parsed tree is at most
// kMaxDepth deep; a tree built in code may be deeper). Deeper: std::length_error.
inline constexpr int kMaxPrintDepth = 4096;

// Python's repr(float(w)) with a trailing ".0" dropped: "0.8", "2", "1e-05",
// "1e+16". Throws std::invalid_argument for a negative or non-finite weight.
std::string format_weight(double w);
// Python's repr(float(x)) for any double ("nan", "inf", "-0.0", "1e-05"…).
std::string float_repr(double x);

// Appends the canonical text of the expression rooted at node `root`.
void print_expr(const Document& doc, std::uint32_t root, std::string& out);
// The canonical text of a statement: "Δ1 = a + b = scene", "schema s(a, b)", "(Δ1) = scene".
void print_statement(const Document& doc, const Statement& st, std::string& out);
// A definition's text from its parts, the expression already printed.
void print_definition(std::string_view target, const std::string_view* params, std::size_t param_count,
                      std::string_view expr_text, const std::string_view* scene, std::string& out);

}  // namespace deltaform::formula

// The facts of a formula: what it mentions, read from its tree. The memory
// stores them for its filters and uses them to find what a statement needs
// from the store (referenced vectors, parametric definitions, schemas).
// Python's deltaform.memory.records.scan reads them through here too.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "deltaform/formula/tree.hpp"

namespace deltaform::formula {

struct Facts {
  // Each list holds unique names in first-seen order of a depth-first,
  // left-to-right walk of the expression.
  std::vector<std::string> atoms;    // unicode::normalize_name of each atom; a parametric
                                     // definition's parameters left out
  std::vector<std::string> roles;    // normalised layer roles
  std::vector<std::string> schemas;  // normalised schema names of calls
  std::vector<std::string> refs;     // addresses (Δ…) and glyph symbols, as written
  std::vector<std::string> vars;     // variable names, as written
  std::vector<std::string> applied;  // addresses applied with arguments (ΔF(a, b))
  std::vector<std::string> plain;    // refs used as a plain vector: every ref except an address
                                     // that is only ever applied with arguments
};

// The facts of a statement's expression (empty for a schema declaration).
// Throws std::invalid_argument for a name that is not valid UTF-8 and
// std::length_error for a tree deeper than kMaxPrintDepth.
Facts scan(const Document& doc, const Statement& st);

}  // namespace deltaform::formula

// The definitions a body of formulas refers to: schema declarations, Δ- and
// glyph definitions and parametric definitions, gathered from parsed
// Documents (in any order within and across files) and checked together.
//
// What an encoder needs from it:
//   definition(address)   the statement that defines Δ12 / ΔF / ⟁
//   schema(name)          the declaration of a schema (names compare as atoms:
//                         NFC + casefold)
//   order()               every definition after the definitions it refers to
//   expand(doc, st, out)  a statement's expression with every parametric
//                         application ΔF(a, b) replaced by ΔF's body, the
//                         arguments put where the parameters stood
//   check()               every problem, as positioned Errors
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "deltaform/formula/tree.hpp"

namespace deltaform::formula {

class Registry {
 public:
  // A statement of one of the added documents.
  struct Entry {
    const Document* doc = nullptr;
    const Statement* statement = nullptr;
    explicit operator bool() const { return statement != nullptr; }
  };

  // Adds every statement of the document (the registry keeps it alive).
  // Anonymous formulas are kept too, so that check() covers their references.
  void add(std::shared_ptr<const Document> doc);
  // Addresses and glyphs defined elsewhere (say, already in a memory):
  // references to them are not unknown.
  void add_known(std::string address);

  Entry definition(std::string_view address) const;
  Entry schema(std::string_view name) const;
  bool is_known(std::string_view address) const { return known_.count(std::string(address)) > 0; }
  // True when the statement's expression contains a variable (?x or a phrase
  // word ?y): it is a pattern, matched rather than encoded into others.
  static bool is_pattern(const Document& doc, const Statement& st);

  // Every problem: redefinitions, unknown references and schemas, wrong
  // numbers of arguments, cycles, variables where they cannot be. Sorted by
  // document (in the order added), line and column.
  std::vector<Error> check() const;

  // The definitions in dependency order (each after every definition it
  // refers to, otherwise in the order added). Definitions in a cycle, or that
  // depend on one, are left out (check() reports the cycle).
  std::vector<Entry> order() const;

  // Copies the expression of `st` (a Definition or Anonymous statement of
  // `doc`) into `out` with every parametric application expanded, and returns
  // its root in `out`. Plain references (Δ12) and glyphs stay references. A
  // parameter is replaced where it stands as a whole unquoted atom (not inside
  // a phrase, not as a role or schema name). The copy is in post-order and may
  // share subtrees (an argument used twice is one node). Throws
  // FormulaException for an application of an unknown or non-parametric
  // address, a wrong number of arguments, a cycle, or an expansion of more
  // than max_nodes nodes.
  std::uint32_t expand(const Document& doc, const Statement& st, Document& out,
                       std::size_t max_nodes = 1u << 20) const;

  std::size_t definition_count() const { return definitions_.size(); }
  std::size_t schema_count() const { return schemas_.size(); }

 private:
  struct Item {
    const Document* doc;
    std::uint32_t statement;
    std::uint32_t doc_index;
    bool pattern;
    std::vector<std::string> param_keys;  // normalised parameter names
    const Statement& st() const { return doc->statements[statement]; }
  };
  struct Duplicate {
    std::uint32_t item, first;
  };
  struct Expander;

  const Item* find_definition(std::string_view address) const;
  // Indices (into items_) of the definitions that item i refers to, in node order,
  // with the position of each reference.
  void references(const Item& item, std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const;
  std::vector<std::vector<std::uint32_t>> cycles() const;

  std::vector<std::shared_ptr<const Document>> docs_;
  std::vector<Item> items_;
  std::unordered_map<std::string, std::uint32_t> definitions_;  // address or glyph -> item
  std::unordered_map<std::string, std::uint32_t> schemas_;      // normalised name -> item
  std::vector<Duplicate> duplicates_;
  std::unordered_set<std::string> known_;
};

}  // namespace deltaform::formula

// What names in a formula resolve to while encoding: definitions (Δ-addresses,
// glyphs, parametric formulas) and schema declarations found in parsed
// Documents, and vectors stored elsewhere (a memory) under an address.
// A Scope may sit on a parent scope (a batch of lines over a registry over a
// memory); lookups try the nearest scope first. Addresses compare exactly;
// schema names compare like atoms (NFC + casefold). Lookups return pointers
// into the scope: do not change a scope while an encode call reads it.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deltaform/formula/tree.hpp"

namespace deltaform::encode {

struct Located {
  std::shared_ptr<const formula::Document> doc;
  std::uint32_t statement = 0;
  const formula::Statement& get() const { return doc->statements[statement]; }
};

class Scope {
 public:
  explicit Scope(std::shared_ptr<const Scope> parent = nullptr) : parent_(std::move(parent)) {}

  // Registers every Definition and Schema of doc. A later definition of the
  // same name replaces an earlier one (the registry decides whether that is allowed).
  void add_document(const std::shared_ptr<const formula::Document>& doc);
  void add_definition(const Located& def);
  void add_schema(const Located& schema);
  // A vector stored under an address (copied), already at the stored scale.
  void add_vector(std::string_view address, const void* data, std::size_t bytes);
  void remove(std::string_view name);

  const Located* definition(std::string_view address) const;
  const Located* schema(std::string_view name) const;
  // Stored bytes of a vector for the address, or nullptr.
  const std::string* vector(std::string_view address) const;
  std::size_t size() const;

 private:
  std::shared_ptr<const Scope> parent_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Located> definitions_;
  std::unordered_map<std::string, Located> schemas_;
  std::unordered_map<std::string, std::string> vectors_;
};

}  // namespace deltaform::encode

// Atom text as written in a formula -> its codebook vector, for one encoding
// thread at a time. The codebook maps a name only after NFC + casefold and a
// lookup under its lock; this cache skips both for text it has seen. It owns
// its keys, so it outlives the documents of one call: the Space keeps the
// caches between calls (Space::take_atom_cache), and a batch that repeats the
// atoms of the last one finds them all here. Entries never go stale: an atom's
// vector never changes or moves once the codebook has it.
#pragma once
#include <deque>
#include <string>
#include <string_view>

#include "encode/view_map.hpp"

namespace deltaform::encode {

class AtomCache {
 public:
  const void* find(std::string_view raw) {
    const void** v = map_.find(raw);
    return v ? *v : nullptr;
  }
  // The same lookup in two steps, for many texts at once: hash and prefetch
  // each, then find each (see ViewMap::prefetch).
  static std::uint64_t hash(std::string_view raw) { return hash_text(raw); }
  void prefetch(std::uint64_t hash) const { map_.prefetch(hash); }
  const void* find(std::string_view raw, std::uint64_t hash) {
    const void** v = map_.find(raw, hash);
    return v ? *v : nullptr;
  }
  void insert(std::string_view raw, const void* vector) {
    keys_.emplace_back(raw);  // a deque never moves its elements: the view stays valid
    map_.insert(keys_.back(), vector);
  }
  std::size_t size() const { return map_.size(); }

 private:
  ViewMap<const void*> map_;
  std::deque<std::string> keys_;
};

}  // namespace deltaform::encode

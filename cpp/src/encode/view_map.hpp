// A small hash map from text to a value, keyed by views of text that outlive
// it (slices of Document pools): no string is copied or allocated per lookup.
// Open addressing with linear probing and a power-of-two table; one per
// evaluation thread, so no locks. The encoder looks up every atom and role of
// every formula here, so the hash reads 8 bytes at a time.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace deltaform::encode {

inline std::uint64_t hash_text(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  std::size_t n = s.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ (std::uint64_t(n) * 0xFF51AFD7ED558CCDULL);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  // The last 1-7 bytes in one or two loads, not byte by byte (a byte-wise
  // copy read back as a word stalls the load). Reads may overlap bytes
  // already mixed in; with the length mixed in first, they still tell any
  // two texts apart.
  std::uint64_t w = 0;
  if (n > 0) {
    if (s.size() >= 8) {
      std::memcpy(&w, end - 8, 8);
    } else if (n >= 4) {
      std::uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, end - 4, 4);
      w = (std::uint64_t(a) << 32) | b;
    } else {
      w = (std::uint64_t(static_cast<unsigned char>(p[0])) << 16) |
          (std::uint64_t(static_cast<unsigned char>(p[n / 2])) << 8) | static_cast<unsigned char>(end[-1]);
    }
  }
  h = (h ^ w) * 0x94D049BB133111EBULL;
  return h ^ (h >> 32);
}

template <class V>
class ViewMap {
 public:
  // The value stored for `key`, or nullptr.
  V* find(std::string_view key) { return find(key, hash_text(key)); }
  // The same, with the key's hash_text() already computed.
  V* find(std::string_view key, std::uint64_t hash) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key.matches(hash, key)) return &s.value;
    }
  }

  // Starts loading the slot where a lookup of a key with this hash begins:
  // a batch of lookups prefetched first waits for memory once, not per key.
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  void insert(std::string_view key, V value) {
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    place(Key(key), std::move(value));
    ++count_;
  }

  std::size_t size() const { return count_; }

 private:
  // Short keys (most words) are copied into the slot, so a lookup reads one
  // place in memory instead of the slot and then the text far away.
  static constexpr std::size_t kInline = 24;
  struct Key {
    std::uint64_t hash = 0;
    std::uint64_t words[kInline / 8] = {0, 0, 0};
    std::string_view text;  // the full key (compared when it is longer than kInline)
    Key() = default;
    explicit Key(std::string_view s) : hash(hash_text(s)), text(s) {
      if (s.size() <= kInline) std::memcpy(words, s.data(), s.size());
    }
    // The key against a text and its hash, without padding a copy of the text.
    bool matches(std::uint64_t h, std::string_view s) const {
      if (hash != h || text.size() != s.size()) return false;
      return std::memcmp(s.size() <= kInline ? static_cast<const void*>(words) : text.data(), s.data(), s.size()) == 0;
    }
    bool operator==(const Key& o) const {
      if (hash != o.hash || text.size() != o.text.size()) return false;
      if (text.size() <= kInline) return words[0] == o.words[0] && words[1] == o.words[1] && words[2] == o.words[2];
      return text == o.text;
    }
  };
  struct Slot {
    Key key;
    V value{};
    bool used = false;
  };

  void place(const Key& k, V value) {
    for (std::size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.used) {
        s.key = k;
        s.value = std::move(value);
        s.used = true;
        return;
      }
      if (s.key == k) {
        s.value = std::move(value);
        --count_;  // replaced, not added
        return;
      }
    }
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (Slot& s : old)
      if (s.used) place(s.key, std::move(s.value));
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace deltaform::encode

// Atom vectors as a pure function of (algebra, dim, seed, normalised name).
//
//   h     = FNV-1a 64 of the UTF-8 bytes of casefold(NFC(name))
//   salt  = mix(seed XOR (algebra_code * 2^32 + dim))      algebra_code: fhrr 1, map 2, bsc 3
//   key   = mix(h XOR salt)
//   w_i   = mix(key + (i + 1) * 0x9E3779B97F4A7C15)          i = 0, 1, 2, ...  (counter based)
//   mix   = the SplitMix64 finaliser
//
//   fhrr: component j has phase 2*pi*u_j, u_j = (w_j >> 11) * 2^-53; re = cos, im = sin,
//         computed in double by a fixed polynomial (no libm), rounded to float32.
//   map:  component j = +1 if bit (j % 64) of w_{j/64} is 0, else -1.
//   bsc:  component j = bit (j % 64) of w_{j/64}  (so word i of the vector is w_i).
//
// Changing any of this changes stored memories: bump kCodebookVersion.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "deltaform/algebra.hpp"

namespace deltaform {

std::uint64_t mix64(std::uint64_t z);
std::uint64_t fnv1a64(std::string_view bytes);
std::uint64_t atom_key(const SpaceParams& p, std::uint64_t name_hash);
// Writes the vector for `key` into out (width() floats, or width() words for bsc).
void generate_vector(const SpaceParams& p, std::uint64_t key, void* out);
// cos and sin of 2*pi*u for u in [0, 1), identical on every IEEE-754 machine.
void unit_phasor(double u, double& c, double& s);

// Reserved atoms live under a NUL prefix, a character the language cannot spell.
inline std::string reserved_name(std::string_view name) { return std::string(1, '\0') + std::string(name); }

// A growable, thread-safe cache of atom vectors keyed by normalised name.
// Ids are dense and stable; vector memory never moves once written.
class Codebook {
 public:
  explicit Codebook(SpaceParams params);

  const SpaceParams& params() const { return params_; }
  // Id of the atom with this (already normalised) name, generating it on first use.
  std::uint32_t intern(std::string_view normalized_name);
  // Normalises (NFC + casefold) first.
  std::uint32_t intern_name(std::string_view name);
  const void* vector(std::uint32_t id) const;
  const float* floats(std::uint32_t id) const { return static_cast<const float*>(vector(id)); }
  const std::uint64_t* words(std::uint32_t id) const { return static_cast<const std::uint64_t*>(vector(id)); }
  std::size_t size() const;
  std::string name(std::uint32_t id) const;

  // Grounding: installs the given vectors (n rows of params().bytes() bytes) for
  // these names (normalised here), in place of their identity vectors, so that
  // the encoder finds them like any other atom. Atoms never change once used: a
  // name already in the codebook must come with the vector it already has.
  void set_atoms(const std::vector<std::string>& names, const void* vectors);
  // A text that identifies the grounding (source, weight, vocabulary); empty
  // for a pure codebook. Recorded by memories so a grounded space is reopened
  // with the same atoms.
  std::string grounding() const;
  void set_grounding(std::string fingerprint);

  // The addresses of the vectors known now, read under one lock; lookups
  // through a view take no lock (vector memory never moves).
  class View {
   public:
    const void* vector(std::uint32_t id) const { return blocks_[id / kBlock] + (id % kBlock) * stride_; }
    std::size_t size() const { return size_; }

   private:
    friend class Codebook;
    std::vector<const char*> blocks_;
    std::size_t stride_ = 0;
    std::size_t size_ = 0;
  };
  View view() const;

 private:
  // Appends an atom under the unique lock; src == nullptr generates its identity vector.
  std::uint32_t append_locked(std::string key, const void* src);
  static constexpr std::size_t kBlock = 256;  // vectors per storage block
  SpaceParams params_;
  std::size_t stride_bytes_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::string> names_;
  // Cache-line aligned (a plain new[] of this size is 16 bytes past a page
  // boundary, which would split every vector load across two lines).
  struct FreeBlock {
    void operator()(std::uint64_t* p) const;
  };
  std::deque<std::unique_ptr<std::uint64_t[], FreeBlock>> blocks_;
  std::string grounding_;
};

}  // namespace deltaform

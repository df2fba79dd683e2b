// The three vector algebras and the parameters that fix a space.
//
// Storage (see ENCODING.md): fhrr = 2*dim float32 (re-plane then im-plane),
// map = dim float32 (+1/-1 atoms, sums kept as float), bsc = dim bits packed
// little-endian into 64-bit words (component j is bit j%8 of byte j/8).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "deltaform/errors.hpp"

namespace deltaform {

enum class Algebra : std::uint8_t { fhrr = 1, map = 2, bsc = 3 };

inline const char* algebra_name(Algebra a) {
  switch (a) {
    case Algebra::fhrr: return "fhrr";
    case Algebra::map: return "map";
    case Algebra::bsc: return "bsc";
  }
  return "?";
}

inline Algebra parse_algebra(std::string_view s) {
  if (s == "fhrr") return Algebra::fhrr;
  if (s == "map") return Algebra::map;
  if (s == "bsc") return Algebra::bsc;
  throw InvalidArgument("unknown algebra '" + std::string(s) + "': expected 'fhrr', 'map' or 'bsc'");
}

struct SpaceParams {
  Algebra algebra = Algebra::fhrr;
  std::uint32_t dim = 1024;
  std::uint64_t seed = 0;

  // Elements of the storage type per vector: floats for fhrr/map, 64-bit words for bsc.
  std::size_t width() const {
    switch (algebra) {
      case Algebra::fhrr: return 2 * std::size_t(dim);
      case Algebra::map: return dim;
      case Algebra::bsc: return dim / 64;
    }
    return 0;
  }
  std::size_t bytes() const { return algebra == Algebra::bsc ? dim / 8 : width() * 4; }
  bool is_binary() const { return algebra == Algebra::bsc; }

  void validate() const {
    if (dim == 0) throw InvalidArgument("dim must be positive");
    if (dim > (1u << 24)) throw InvalidArgument("dim must be at most 16777216, got " + std::to_string(dim));
    if (algebra == Algebra::bsc && dim % 64 != 0)
      throw InvalidArgument("bsc packs components into 64-bit words: dim must be a multiple of 64, got " +
                            std::to_string(dim));
  }
};

// Bumped whenever the atom vectors of any (algebra, dim, seed, name) change.
inline constexpr int kCodebookVersion = 1;

}  // namespace deltaform

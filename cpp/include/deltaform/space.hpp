// A vector space: its parameters and its codebook. Everything that turns
// names or formulas into vectors goes through one Space.
#pragma once
#include <cstdint>
#include <memory>

#include "deltaform/algebra.hpp"
#include "deltaform/codebook.hpp"

namespace deltaform {

class Space {
 public:
  explicit Space(SpaceParams params) : codebook_(params) {}
  const SpaceParams& params() const { return codebook_.params(); }
  Codebook& codebook() { return codebook_; }
  const Codebook& codebook() const { return codebook_; }
  // The bsc bundle's tie-break vector (a reserved atom).
  const std::uint64_t* tie_vector() { return codebook_.words(codebook_.intern(reserved_name("tie"))); }

 private:
  Codebook codebook_;
};

}  // namespace deltaform

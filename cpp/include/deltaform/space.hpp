// A vector space: its parameters and its codebook. Everything that turns
// names or formulas into vectors goes through one Space.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "deltaform/algebra.hpp"
#include "deltaform/codebook.hpp"

namespace deltaform {

namespace encode {
class AtomCache;
}

class Space {
 public:
  explicit Space(SpaceParams params);
  ~Space();
  const SpaceParams& params() const { return codebook_.params(); }
  Codebook& codebook() { return codebook_; }
  const Codebook& codebook() const { return codebook_; }
  // The bsc bundle's tie-break vector (a reserved atom).
  const std::uint64_t* tie_vector() { return codebook_.words(codebook_.intern(reserved_name("tie"))); }

  // Caches of atom text -> vector kept between encode calls, one per thread
  // that encodes at a time: take one for a call's work, give it back after.
  std::unique_ptr<encode::AtomCache> take_atom_cache();
  void give_atom_cache(std::unique_ptr<encode::AtomCache> cache);

 private:
  Codebook codebook_;
  std::mutex caches_mutex_;
  std::vector<std::unique_ptr<encode::AtomCache>> atom_caches_;
};

}  // namespace deltaform

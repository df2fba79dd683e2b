// The Space's pool of atom caches (see encode/atom_cache.hpp).
#include "encode/atom_cache.hpp"

#include "deltaform/space.hpp"

namespace deltaform {

namespace {
// A cache larger than this is dropped when given back rather than kept
// (about 40 MB of table and keys at this size).
constexpr std::size_t kMaxCachedAtoms = std::size_t(1) << 18;
}  // namespace

Space::Space(SpaceParams params) : codebook_(params) {}
Space::~Space() = default;

std::unique_ptr<encode::AtomCache> Space::take_atom_cache() {
  {
    std::lock_guard<std::mutex> lock(caches_mutex_);
    if (!atom_caches_.empty()) {
      std::unique_ptr<encode::AtomCache> c = std::move(atom_caches_.back());
      atom_caches_.pop_back();
      return c;
    }
  }
  return std::make_unique<encode::AtomCache>();
}

void Space::give_atom_cache(std::unique_ptr<encode::AtomCache> cache) {
  if (!cache || cache->size() > kMaxCachedAtoms) return;
  std::lock_guard<std::mutex> lock(caches_mutex_);
  atom_caches_.push_back(std::move(cache));
}

}  // namespace deltaform

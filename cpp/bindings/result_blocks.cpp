#include "result_blocks.hpp"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "binding_registry.hpp"

namespace deltaform::bindings {
namespace {

// Blocks are whole huge pages, so that the system can back them with 2 MiB
// pages where it allows that (fewer faults the first time they are written).
constexpr std::size_t kAlign = std::size_t(2) << 20;

struct Block {
  void* data = nullptr;
  std::size_t bytes = 0;
};

class Keeper {
 public:
  Block take(std::size_t need) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // The smallest kept block that fits, if it is not more than twice the need.
      std::size_t best = kept_.size();
      for (std::size_t i = 0; i < kept_.size(); ++i)
        if (kept_[i].bytes >= need && kept_[i].bytes / 2 <= need &&
            (best == kept_.size() || kept_[i].bytes < kept_[best].bytes))
          best = i;
      if (best < kept_.size()) {
        Block b = kept_[best];
        kept_.erase(kept_.begin() + std::ptrdiff_t(best));
        kept_bytes_ -= b.bytes;
        return b;
      }
    }
    Block b;
    b.bytes = (need + kAlign - 1) / kAlign * kAlign;
    b.data = std::aligned_alloc(kAlign, b.bytes);
    if (!b.data) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(b.data, b.bytes, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return b;
  }

  void give(Block b) {
    std::vector<Block> drop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (b.bytes > limit_) {
        drop.push_back(b);
      } else {
        kept_.push_back(b);
        kept_bytes_ += b.bytes;
        trim(drop);
      }
    }
    for (const Block& d : drop) std::free(d.data);
  }

  std::size_t set_limit(std::size_t bytes) {
    std::vector<Block> drop;
    std::size_t old;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      old = limit_;
      limit_ = bytes;
      trim(drop);
    }
    for (const Block& d : drop) std::free(d.data);
    return old;
  }

  std::size_t release() {
    std::vector<Block> drop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      drop.swap(kept_);
      kept_bytes_ = 0;
    }
    std::size_t freed = 0;
    for (const Block& d : drop) {
      freed += d.bytes;
      std::free(d.data);
    }
    return freed;
  }

  std::pair<std::size_t, std::size_t> kept() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {kept_bytes_, kept_.size()};
  }

 private:
  // The oldest blocks go first while more than the limit is kept.
  void trim(std::vector<Block>& drop) {
    while (kept_bytes_ > limit_) {
      drop.push_back(kept_.front());
      kept_bytes_ -= kept_.front().bytes;
      kept_.erase(kept_.begin());
    }
  }

  std::mutex mutex_;
  std::vector<Block> kept_;  // in the order they were freed
  std::size_t kept_bytes_ = 0;
  std::size_t limit_ = std::size_t(1) << 30;
};

// Never destroyed: arrays freed while the interpreter shuts down still give
// their blocks back to it.
Keeper& keeper() {
  static Keeper* k = new Keeper();
  return *k;
}

}  // namespace

py::array new_result_array(const py::dtype& dtype, const std::vector<py::ssize_t>& shape) {
  std::size_t bytes = std::size_t(dtype.itemsize());
  for (py::ssize_t s : shape) bytes *= std::size_t(s);
  if (bytes < kMinKeptResultBytes) return py::array(dtype, shape);
  auto block = std::make_unique<Block>(keeper().take(bytes));
  py::capsule owner;
  try {
    owner = py::capsule(block.get(), [](void* p) {
      std::unique_ptr<Block> b(static_cast<Block*>(p));
      keeper().give(*b);
    });
  } catch (...) {
    keeper().give(*block);
    throw;
  }
  void* data = block.release()->data;  // the capsule owns it now
  return py::array(dtype, shape, {}, data, owner);
}

std::size_t set_kept_result_limit(std::size_t bytes) { return keeper().set_limit(bytes); }
std::size_t release_kept_results() { return keeper().release(); }
std::pair<std::size_t, std::size_t> kept_results() { return keeper().kept(); }

}  // namespace deltaform::bindings

DF_BINDING(5, result_blocks) {
  using namespace deltaform::bindings;
  m.def("set_kept_result_limit", &set_kept_result_limit, py::arg("nbytes"),
        "Bytes of freed large result arrays kept for reuse at most; returns the previous limit.");
  m.def("release_kept_results", &release_kept_results,
        "Frees the kept blocks of large result arrays; returns the bytes given back.");
  m.def("kept_results", &kept_results, "(bytes, blocks) of freed large result arrays kept now.");
}

#include "deltaform/search.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "deltaform/errors.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/parallel.hpp"

namespace deltaform::search {
namespace {

struct Hit {
  float score;
  std::int64_t idx;
};
// a ranks before b
inline bool better(const Hit& a, const Hit& b) { return a.score > b.score || (a.score == b.score && a.idx < b.idx); }

// Keeps the k best hits; the root is the worst kept, so most candidates are
// rejected by one comparison.
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) { heap_.reserve(k); }
  float threshold() const { return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().score; }
  void push(float score, std::int64_t idx) {
    if (!(score == score)) return;  // NaN never ranks
    Hit h{score, idx};
    if (heap_.size() < k_) {
      heap_.push_back(h);
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (better(h, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = h;
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }
  const std::vector<Hit>& hits() const { return heap_; }

 private:
  std::size_t k_;
  std::vector<Hit> heap_;
};

// The lowest row whose score was not finite. Queries are checked before the
// search; the matrix is not scanned up front (that would double the memory
// traffic of a search), so a NaN or infinity in it shows up here instead, as a
// NaN or infinite score, and is reported rather than silently skipped.
class FirstBadRow {
 public:
  void note(std::int64_t row) {
    std::int64_t cur = row_.load(std::memory_order_relaxed);
    while ((cur < 0 || row < cur) && !row_.compare_exchange_weak(cur, row, std::memory_order_relaxed)) {
    }
  }
  void throw_if_any() const {
    std::int64_t row = row_.load();
    if (row >= 0)
      throw InvalidArgument("topk: matrix row " + std::to_string(row) +
                            " gives a non-finite score: it contains NaN or infinity (or values so large that the "
                            "dot product overflows float32)");
  }

 private:
  std::atomic<std::int64_t> row_{-1};
};

// Rows per block: about 1 MiB of the matrix. In a batch every query visits
// a block before the next is read; a block is also the unit of work that
// threads take.
std::size_t block_rows(std::size_t row_bytes) { return std::max<std::size_t>(8, (std::size_t(1) << 20) / row_bytes); }

// Threads take blocks from a shared counter rather than fixed halves: on a
// machine shared with other work a thread that loses its core for a while
// leaves its blocks to the others instead of holding up the whole search.
// Each thread keeps its own top-k; merging them does not depend on which
// thread scanned which block (ties go to the lower row index).
// make_scanner() gives each thread its own scanner (with its own buffers);
// scanner(begin, end, tops) scans rows [begin, end) of one block.
template <class MakeScanner>
void run(const Request& r, std::size_t block, MakeScanner&& make_scanner, std::int64_t* out_idx, float* out_score) {
  const std::size_t blocks = (r.rows + block - 1) / block;
  std::size_t t = std::min<std::size_t>(resolve_threads(r.threads), std::max<std::size_t>(1, blocks));
  std::vector<std::vector<TopK>> partial(t, std::vector<TopK>(r.nq, TopK(r.k)));
  std::atomic<std::size_t> next{0};
  parallel_for(t, int(t), 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t ti = lo; ti < hi; ++ti) {
      auto scan = make_scanner();
      for (std::size_t bi; (bi = next.fetch_add(1, std::memory_order_relaxed)) < blocks;)
        scan(bi * block, std::min(r.rows, (bi + 1) * block), partial[ti]);
    }
  });
  std::vector<Hit> all;
  for (std::size_t q = 0; q < r.nq; ++q) {
    all.clear();
    for (auto& p : partial) all.insert(all.end(), p[q].hits().begin(), p[q].hits().end());
    std::sort(all.begin(), all.end(), better);
    for (std::size_t j = 0; j < r.k; ++j) {
      bool have = j < all.size();
      out_idx[q * r.k + j] = have ? all[j].idx : -1;
      out_score[q * r.k + j] = have ? all[j].score : -std::numeric_limits<float>::infinity();
    }
  }
}

}  // namespace

void topk_dot(const Request& r, const float* Q, const float* X, std::size_t width, bool normalize,
              std::int64_t* out_idx, float* out_score) {
  const KernelTable& kt = kernels();
  std::vector<float> qinv(r.nq, 1.0f);
  if (normalize)
    for (std::size_t q = 0; q < r.nq; ++q) {
      double n = std::sqrt(double(kt.dot(Q + q * width, Q + q * width, width)));
      qinv[q] = n > 0 ? float(1.0 / n) : 0.0f;
    }
  FirstBadRow bad;
  const std::size_t block = block_rows(width * sizeof(float));
  auto make_scanner = [&] {
    return [&, dots = std::vector<float>(r.nq * block), norms = std::vector<float>(block)](
               std::size_t s, std::size_t e, std::vector<TopK>& tops) mutable {
      const std::size_t n = e - s;
      const float* Xb = X + s * width;
      if (r.nq == 1) {
        kt.scan_dot(Q, Xb, n, width, dots.data(), normalize ? norms.data() : nullptr);
      } else {
        kt.block_dot(Q, r.nq, Xb, n, width, dots.data(), block);
        if (normalize)
          for (std::size_t i = 0; i < n; ++i) norms[i] = kt.dot(Xb + i * width, Xb + i * width, width);
      }
      if (normalize)
        for (std::size_t i = 0; i < n; ++i) norms[i] = norms[i] > 0 ? float(1.0 / std::sqrt(double(norms[i]))) : 0.0f;
      for (std::size_t q = 0; q < r.nq; ++q) {
        const float* d = dots.data() + q * block;
        TopK& top = tops[q];
        for (std::size_t i = 0; i < n; ++i) {
          if (r.mask && !r.mask[s + i]) continue;
          float score = normalize ? d[i] * qinv[q] * norms[i] : d[i];
          if (!std::isfinite(score)) {
            bad.note(std::int64_t(s + i));
            continue;
          }
          if (score >= top.threshold()) top.push(score, std::int64_t(s + i));
        }
      }
    };
  };
  run(r, block, make_scanner, out_idx, out_score);
  bad.throw_if_any();
}

void topk_hamming(const Request& r, const std::uint64_t* Q, const std::uint64_t* X, std::size_t words,
                  std::size_t dim_bits, std::int64_t* out_idx, float* out_score) {
  const KernelTable& kt = kernels();
  const double scale = 2.0 / double(dim_bits);
  const std::size_t block = block_rows(words * 8);
  auto make_scanner = [&] {
    return [&, dist = std::vector<std::uint32_t>(r.nq * block)](std::size_t s, std::size_t e,
                                                               std::vector<TopK>& tops) mutable {
      const std::size_t n = e - s;
      kt.block_hamming(Q, r.nq, X + s * words, n, words, dist.data(), block);
      for (std::size_t q = 0; q < r.nq; ++q) {
        const std::uint32_t* d = dist.data() + q * block;
        TopK& top = tops[q];
        for (std::size_t i = 0; i < n; ++i) {
          if (r.mask && !r.mask[s + i]) continue;
          float score = float(1.0 - scale * double(d[i]));
          if (score >= top.threshold()) top.push(score, std::int64_t(s + i));
        }
      }
    };
  };
  run(r, block, make_scanner, out_idx, out_score);
}

}  // namespace deltaform::search

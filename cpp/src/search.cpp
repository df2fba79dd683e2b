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

// Rows per block: about 1 MiB of the matrix, so a block stays in L2 while every query visits it.
std::size_t block_rows(std::size_t row_bytes) { return std::max<std::size_t>(8, (std::size_t(1) << 20) / row_bytes); }

template <class ScanRange>
void run(const Request& r, std::size_t row_bytes, ScanRange&& scan, std::int64_t* out_idx, float* out_score) {
  std::size_t t = std::min<std::size_t>(resolve_threads(r.threads), std::max<std::size_t>(1, r.rows / 64));
  std::vector<std::vector<TopK>> partial(t, std::vector<TopK>(r.nq, TopK(r.k)));
  std::size_t chunk = (r.rows + t - 1) / t;
  parallel_for(t, int(t), 1, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t ti = lo; ti < hi; ++ti) {
      std::size_t b = ti * chunk, e = std::min(r.rows, b + chunk);
      if (b < e) scan(b, e, block_rows(row_bytes), partial[ti]);
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
  auto scan = [&](std::size_t b, std::size_t e, std::size_t block, std::vector<TopK>& tops) {
    std::vector<float> dots(r.nq * block), norms(block);
    for (std::size_t s = b; s < e; s += block) {
      std::size_t n = std::min(block, e - s);
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
    }
  };
  run(r, width * sizeof(float), scan, out_idx, out_score);
  bad.throw_if_any();
}

void topk_hamming(const Request& r, const std::uint64_t* Q, const std::uint64_t* X, std::size_t words,
                  std::size_t dim_bits, std::int64_t* out_idx, float* out_score) {
  const KernelTable& kt = kernels();
  const double scale = 2.0 / double(dim_bits);
  auto scan = [&](std::size_t b, std::size_t e, std::size_t block, std::vector<TopK>& tops) {
    std::vector<std::uint32_t> dist(r.nq * block);
    for (std::size_t s = b; s < e; s += block) {
      std::size_t n = std::min(block, e - s);
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
    }
  };
  run(r, words * 8, scan, out_idx, out_score);
}

}  // namespace deltaform::search

#include "deltaform/ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "deltaform/codebook.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/parallel.hpp"

namespace deltaform::ops {
namespace {

// Rows of work per thread below which threading costs more than it saves:
// starting a thread costs tens of microseconds (more on a busy machine), the
// time these memory-bound loops take over about 1 MiB.
std::size_t grain_rows(const SpaceParams& p) {
  constexpr std::size_t min_bytes = std::size_t(1) << 20;
  const std::size_t bytes = p.bytes();
  return bytes >= min_bytes ? 1 : min_bytes / bytes;
}

template <class T>
const T* row(const void* base, std::size_t rows, std::size_t i, std::size_t width) {
  return static_cast<const T*>(base) + (rows == 1 ? 0 : i) * width;
}

// bsc bundle with unit weights. The float sum at a bit is m - 2 * (number of
// ones), exact below 2^24 vectors, so its sign only compares that count with
// m / 2. The counts are kept bit-sliced (plane j holds bit j of the 64 counts
// of a word), so one word operation serves 64 components; the result is the
// same as the float path's, bit for bit, on every SIMD path.
void bsc_majority_unit(const std::uint64_t* base, std::size_t m, std::size_t w, std::size_t c0, std::size_t c1,
                       const std::uint64_t* tie, std::uint64_t* dst) {
  std::size_t planes = 1;
  while ((std::size_t(1) << planes) <= m) ++planes;
  const std::size_t cols = c1 - c0;
  // per-thread scratch: a bundle of many small groups would otherwise allocate per group
  static thread_local std::vector<std::uint64_t> count, carry;
  count.assign(planes * cols, 0);
  carry.resize(cols);
  for (std::size_t i = 0; i < m; ++i) {
    const std::uint64_t* x = base + i * w + c0;
    std::copy(x, x + cols, carry.begin());
    for (std::size_t j = 0; j < planes; ++j) {
      std::uint64_t* plane = count.data() + j * cols;
      for (std::size_t c = 0; c < cols; ++c) {
        const std::uint64_t t = plane[c] & carry[c];
        plane[c] ^= carry[c];
        carry[c] = t;
      }
    }
  }
  const std::size_t half = m / 2;
  for (std::size_t c = 0; c < cols; ++c) {
    std::uint64_t greater = 0, equal = ~std::uint64_t(0);  // count > half, count == half
    for (std::size_t j = planes; j-- > 0;) {
      const std::uint64_t bits = count[j * cols + c];
      if ((half >> j) & 1u) {
        equal &= bits;
      } else {
        greater |= equal & bits;
        equal &= ~bits;
      }
    }
    dst[c0 + c] = greater | (m % 2 == 0 ? equal & tie[c0 + c] : 0);
  }
}

}  // namespace

void bind(const SpaceParams& p, const void* a, std::size_t a_rows, const void* b, std::size_t b_rows, void* out,
          std::size_t n, bool unbind, int threads) {
  const KernelTable& k = kernels();
  const std::size_t w = p.width();
  parallel_for(n, threads, grain_rows(p), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      switch (p.algebra) {
        case Algebra::fhrr:
          k.cmul(row<float>(a, a_rows, i, w), row<float>(b, b_rows, i, w), static_cast<float*>(out) + i * w, p.dim,
                 unbind);
          break;
        case Algebra::map:
          k.mul(row<float>(a, a_rows, i, w), row<float>(b, b_rows, i, w), static_cast<float*>(out) + i * w, w);
          break;
        case Algebra::bsc:
          k.xor_words(row<std::uint64_t>(a, a_rows, i, w), row<std::uint64_t>(b, b_rows, i, w),
                      static_cast<std::uint64_t*>(out) + i * w, w);
          break;
      }
    }
  });
}

void inverse(const SpaceParams& p, const void* a, void* out, std::size_t n, int threads) {
  const std::size_t w = p.width();
  parallel_for(n, threads, grain_rows(p), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (p.algebra == Algebra::fhrr) {
        const float* src = static_cast<const float*>(a) + i * w;
        float* dst = static_cast<float*>(out) + i * w;
        std::memmove(dst, src, p.dim * sizeof(float));
        for (std::size_t j = p.dim; j < w; ++j) dst[j] = -src[j];
      } else {
        std::size_t bytes = p.bytes();
        std::memmove(static_cast<char*>(out) + i * bytes, static_cast<const char*>(a) + i * bytes, bytes);
      }
    }
  });
}

void bundle(const SpaceParams& p, const void* X, std::size_t groups, std::size_t m, const float* weights,
            bool weights_per_group, const std::uint64_t* tie, void* out, int threads) {
  const KernelTable& k = kernels();
  const std::size_t w = p.width();
  auto weight = [&](std::size_t g, std::size_t i) -> float {
    if (!weights) return 1.0f;
    return weights_per_group ? weights[g * m + i] : weights[i];
  };
  // Column ranges [c0, c1) of one group; float columns for fhrr/map, words for bsc.
  auto run = [&](std::size_t g, std::size_t c0, std::size_t c1) {
    if (p.algebra == Algebra::bsc && !weights && m < (std::size_t(1) << 24)) {
      bsc_majority_unit(static_cast<const std::uint64_t*>(X) + g * m * w, m, w, c0, c1, tie,
                        static_cast<std::uint64_t*>(out) + g * w);
    } else if (p.algebra == Algebra::bsc) {
      const std::uint64_t* base = static_cast<const std::uint64_t*>(X) + g * m * w;
      static thread_local std::vector<float> acc;
      acc.assign((c1 - c0) * 64, 0.0f);
      for (std::size_t i = 0; i < m; ++i) k.axpy_bits(weight(g, i), base + i * w + c0, acc.data(), (c1 - c0) * 64);
      std::uint64_t* dst = static_cast<std::uint64_t*>(out) + g * w;
      k.sign_bits(acc.data(), tie + c0, dst + c0, c1 - c0);
    } else {
      const float* base = static_cast<const float*>(X) + g * m * w;
      float* dst = static_cast<float*>(out) + g * w;
      std::fill(dst + c0, dst + c1, 0.0f);
      for (std::size_t i = 0; i < m; ++i) k.axpy(weight(g, i), base + i * w + c0, dst + c0, c1 - c0);
    }
  };
  unsigned t = resolve_threads(threads);
  if (groups >= t || groups == 0) {
    parallel_for(groups, threads, 1, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t g = lo; g < hi; ++g) run(g, 0, w);
    });
  } else {
    // Few groups: split the columns instead; every column keeps the same order of additions.
    const std::size_t align = p.algebra == Algebra::bsc ? 1 : 16;
    const std::size_t chunks = (w + align - 1) / align;
    for (std::size_t g = 0; g < groups; ++g) {
      std::size_t min_chunks = std::max<std::size_t>(1, (1u << 14) / std::max<std::size_t>(m, 1) / align);
      parallel_for(chunks, threads, min_chunks, [&](std::size_t lo, std::size_t hi) {
        run(g, lo * align, std::min(w, hi * align));
      });
    }
  }
}

namespace {
// 64 bits of x starting at bit `pos` (0 <= pos < dim), wrapping around dim.
inline std::uint64_t read64(const std::uint64_t* x, std::size_t words, std::size_t dim, std::size_t pos) {
  std::size_t wi = pos / 64, off = pos % 64;
  if (pos + 64 <= dim) return off == 0 ? x[wi] : (x[wi] >> off) | (x[wi + 1] << (64 - off));
  std::size_t n1 = dim - pos;  // 1..63 bits before the wrap, all in the last word
  return (x[words - 1] >> (64 - n1)) | (x[0] << n1);
}
}  // namespace

void permute(const SpaceParams& p, const void* X, void* out, std::size_t n, std::int64_t k, int threads) {
  const std::size_t dim = p.dim, w = p.width();
  const std::size_t s = std::size_t(((k % std::int64_t(dim)) + std::int64_t(dim)) % std::int64_t(dim));
  parallel_for(n, threads, grain_rows(p), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (p.algebra == Algebra::bsc) {
        const std::uint64_t* src = static_cast<const std::uint64_t*>(X) + i * w;
        std::uint64_t* dst = static_cast<std::uint64_t*>(out) + i * w;
        std::vector<std::uint64_t> tmp(w);
        for (std::size_t o = 0; o < w; ++o) tmp[o] = read64(src, w, dim, (o * 64 + dim - s) % dim);
        std::memcpy(dst, tmp.data(), w * 8);
      } else {
        const std::size_t planes = p.algebra == Algebra::fhrr ? 2 : 1;
        for (std::size_t pl = 0; pl < planes; ++pl) {
          const float* src = static_cast<const float*>(X) + i * w + pl * dim;
          float* dst = static_cast<float*>(out) + i * w + pl * dim;
          std::vector<float> tmp(src, src + dim);
          std::memcpy(dst + s, tmp.data(), (dim - s) * sizeof(float));
          std::memcpy(dst, tmp.data() + dim - s, s * sizeof(float));
        }
      }
    }
  });
}

void similarity(const SpaceParams& p, const void* a, std::size_t a_rows, const void* b, std::size_t b_rows,
                float* out, std::size_t n, int threads) {
  const KernelTable& k = kernels();
  const std::size_t w = p.width();
  parallel_for(n, threads, grain_rows(p), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (p.algebra == Algebra::bsc) {
        std::uint64_t h = k.hamming(row<std::uint64_t>(a, a_rows, i, w), row<std::uint64_t>(b, b_rows, i, w), w);
        out[i] = float(1.0 - 2.0 * double(h) / double(p.dim));
      } else {
        const float* x = row<float>(a, a_rows, i, w);
        const float* y = row<float>(b, b_rows, i, w);
        double d = k.dot(x, y, w), nx = k.dot(x, x, w), ny = k.dot(y, y, w);
        double den = std::sqrt(nx * ny);
        out[i] = den > 0 ? float(d / den) : 0.0f;
      }
    }
  });
}

void random_vectors(const SpaceParams& p, std::uint64_t seed, std::size_t n, void* out, int threads) {
  const std::size_t bytes = p.bytes();
  const std::uint64_t stream = mix64(fnv1a64(reserved_name("random")) ^ mix64(seed));
  parallel_for(n, threads, grain_rows(p), [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i)
      generate_vector(p, atom_key(p, mix64(stream + i)), static_cast<char*>(out) + i * bytes);
  });
}

}  // namespace deltaform::ops

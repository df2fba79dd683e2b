// The decoder's batch kernels (deltaform/decode.hpp). Every row of a batch is
// handled by one thread from start to end, with buffers of its own; the SIMD
// work is the core's kernel table (dot products, binding).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "deltaform/decode.hpp"
#include "deltaform/kernels.hpp"
#include "deltaform/parallel.hpp"

namespace deltaform::decode {
namespace {

struct Entry {
  float mag;
  float score;
  std::int64_t idx;
};
// a ranks before b: larger magnitude, then lower index (a lambda, so that the sorts inline it)
constexpr auto before = [](const Entry& a, const Entry& b) {
  return a.mag > b.mag || (a.mag == b.mag && a.idx < b.idx);
};

inline void unbind_row(RealBind bind, const KernelTable& kt, const float* x, const float* key, float* out,
                       std::size_t width) {
  if (bind == RealBind::complex)
    kt.cmul(x, key, out, width / 2, true);
  else
    kt.mul(x, key, out, width);
}

inline void bind_row(RealBind bind, const KernelTable& kt, const float* x, const float* key, float* out,
                     std::size_t width) {
  if (bind == RealBind::complex)
    kt.cmul(x, key, out, width / 2, false);
  else
    kt.mul(x, key, out, width);
}

}  // namespace

void select_abs(const float* scores, std::size_t nq, std::size_t n, const float* qscale, const float* xscale,
                std::size_t m, const std::int64_t* ex_off, const std::int64_t* ex_rows, int threads,
                std::int64_t* out_idx, float* out_score) {
  parallel_for(nq, threads, 4, [&, qscale, xscale, scores](std::size_t lo, std::size_t hi) {
    // Entries above a running bar go into a buffer; when it holds 2m, the best m are kept and the
    // bar rises to the worst of them. Most entries are turned away by one comparison.
    std::vector<Entry> buf;
    buf.reserve(2 * m + 1);
    std::vector<std::int64_t> ex;
    auto keep_best = [&](std::size_t k) {
      if (buf.size() > k) {
        std::nth_element(buf.begin(), buf.begin() + std::ptrdiff_t(k - 1), buf.end(), before);
        buf.resize(k);
      }
    };
    for (std::size_t q = lo; q < hi; ++q) {
      std::int64_t* oi = out_idx + q * m;
      float* os = out_score + q * m;
      std::fill(oi, oi + m, std::int64_t(-1));
      std::fill(os, os + m, 0.0f);
      if (m == 0) continue;
      buf.clear();
      ex.clear();
      if (ex_off) {
        ex.assign(ex_rows + ex_off[q], ex_rows + ex_off[q + 1]);
        std::sort(ex.begin(), ex.end());
      }
      std::size_t next_ex = 0;
      const float* s = scores + q * n;
      const float qs = qscale[q];
      float bar = 0.0f;  // zero scores never count
      for (std::size_t j = 0; j < n; ++j) {
        const float v = s[j] * qs * xscale[j];
        const float a = std::fabs(v);
        // Rows come in increasing order: an entry equal to the bar ranks after the one that set it.
        if (!(a > bar)) continue;
        while (next_ex < ex.size() && ex[next_ex] < std::int64_t(j)) ++next_ex;
        if (next_ex < ex.size() && ex[next_ex] == std::int64_t(j)) continue;
        buf.push_back(Entry{a, v, std::int64_t(j)});
        if (buf.size() == 2 * m) {
          keep_best(m);
          bar = buf[m - 1].mag;  // the worst kept (nth_element put it last)
        }
      }
      keep_best(m);
      std::sort(buf.begin(), buf.end(), before);
      for (std::size_t i = 0; i < buf.size(); ++i) {
        oi[i] = buf[i].idx;
        os[i] = buf[i].score;
      }
    }
  });
}

void score_pool(RealBind bind, const float* R, std::size_t rows, std::size_t width, const std::int64_t* pool,
                std::size_t C, const float* F, const float* xscale, const float* keys, std::size_t nk,
                const std::uint8_t* active, int threads, float* out) {
  const KernelTable& kt = kernels();
  parallel_for(rows, threads, 2, [&](std::size_t lo, std::size_t hi) {
    std::vector<float> U(nk * width), X(C * width), dots(nk * C);
    std::vector<std::size_t> act, pos;
    for (std::size_t b = lo; b < hi; ++b) {
      float* o = out + b * nk * C;
      std::fill(o, o + nk * C, 0.0f);
      const float* r = R + b * width;
      const double rn = std::sqrt(double(kt.dot(r, r, width)));
      const float rinv = rn > 0 ? float(1.0 / rn) : 1.0f;
      act.clear();
      for (std::size_t k = 0; k < nk; ++k)
        if (active[b * nk + k]) act.push_back(k);
      pos.clear();
      for (std::size_t c = 0; c < C; ++c)
        if (pool[b * C + c] >= 0) pos.push_back(c);
      if (act.empty() || pos.empty()) continue;
      // <R unbound by k, F> for every active k and pooled F: the unbound residuals are the queries.
      for (std::size_t a = 0; a < act.size(); ++a) unbind_row(bind, kt, r, keys + act[a] * width, U.data() + a * width, width);
      for (std::size_t v = 0; v < pos.size(); ++v)
        std::memcpy(X.data() + v * width, F + std::size_t(pool[b * C + pos[v]]) * width, width * sizeof(float));
      kt.block_dot(U.data(), act.size(), X.data(), pos.size(), width, dots.data(), pos.size());
      for (std::size_t a = 0; a < act.size(); ++a)
        for (std::size_t v = 0; v < pos.size(); ++v)
          o[act[a] * C + pos[v]] = dots[a * pos.size() + v] * rinv * xscale[pool[b * C + pos[v]]];
    }
  });
}

namespace {

// The term vector of one code (see gather_bind).
inline void term_vector(const Dictionary& d, const KernelTable& kt, std::int64_t c, float* out) {
  const std::int64_t terms = std::int64_t(d.nk * d.N), all = terms + std::int64_t(d.T);
  if (c < 0 || c >= all) {
    std::fill(out, out + d.width, 0.0f);
  } else if (c >= terms) {
    std::memcpy(out, d.tags + std::size_t(c - terms) * d.width, d.width * sizeof(float));
  } else {
    const std::size_t key = std::size_t(c) / d.N, row = std::size_t(c) % d.N;
    if (key == 0)  // the identity key
      std::memcpy(out, d.candidates + row * d.width, d.width * sizeof(float));
    else
      bind_row(d.bind, kt, d.candidates + row * d.width, d.keys + key * d.width, out, d.width);
  }
}

}  // namespace

void gather_bind(RealBind bind, const std::int64_t* codes, std::size_t n_codes, const float* F, std::size_t N,
                 const float* keys, std::size_t nk, const float* tags, std::size_t T, std::size_t width, int threads,
                 float* out) {
  const KernelTable& kt = kernels();
  const Dictionary d{bind, F, N, keys, nk, tags, T, width};
  parallel_for(n_codes, threads, 64, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) term_vector(d, kt, codes[i], out + i * width);
  });
}

void gram(const Dictionary& dict, const std::int64_t* codes, std::size_t rows, std::size_t M, const float* V,
          int threads, double* G, double* c) {
  const KernelTable& kt = kernels();
  const std::size_t width = dict.width;
  constexpr std::size_t band = 8;  // rows of the upper triangle per product
  parallel_for(rows, threads, 2, [&](std::size_t lo, std::size_t hi) {
    std::vector<float> d(M * width), g(M * M), cv(M);
    for (std::size_t b = lo; b < hi; ++b) {
      for (std::size_t i = 0; i < M; ++i) term_vector(dict, kt, codes[b * M + i], d.data() + i * width);
      // Only the upper triangle (in bands of rows), then mirrored: the Gram matrix is symmetric.
      for (std::size_t i0 = 0; i0 < M; i0 += band) {
        const std::size_t nb = std::min(band, M - i0);
        kt.block_dot(d.data() + i0 * width, nb, d.data() + i0 * width, M - i0, width, g.data() + i0 * M + i0, M);
      }
      if (M) kt.block_dot(V + b * width, 1, d.data(), M, width, cv.data(), M);
      double* Gb = G + b * M * M;
      for (std::size_t i = 0; i < M; ++i)
        for (std::size_t j = i; j < M; ++j) Gb[i * M + j] = Gb[j * M + i] = double(g[i * M + j]);
      for (std::size_t i = 0; i < M; ++i) c[b * M + i] = double(cv[i]);
    }
  });
}

void residual(const Dictionary& dict, const std::int64_t* codes, const double* weights, std::size_t rows,
              std::size_t M, const float* V, int threads, float* out) {
  const KernelTable& kt = kernels();
  const std::size_t width = dict.width;
  parallel_for(rows, threads, 4, [&](std::size_t lo, std::size_t hi) {
    std::vector<float> d(width), acc(width);
    for (std::size_t b = lo; b < hi; ++b) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (std::size_t i = 0; i < M; ++i) {
        const double w = weights[b * M + i];
        if (w == 0.0 || codes[b * M + i] < 0) continue;
        term_vector(dict, kt, codes[b * M + i], d.data());
        kt.axpy(float(w), d.data(), acc.data(), width);
      }
      const float* v = V + b * width;
      float* o = out + b * width;
      for (std::size_t j = 0; j < width; ++j) o[j] = v[j] - acc[j];
    }
  });
}

}  // namespace deltaform::decode

// Batch kernels of the decoder's inner loops (python/deltaform/decoding/pursuit.py).
//
// They work in the real view of a space (fhrr: 2*dim floats, re-plane then
// im-plane; map and bsc: dim floats, bsc as +1/-1), on whole batches of rows,
// with no Python between candidates. Each row's result depends only on that
// row, so results do not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>

namespace deltaform::decode {

// How the real view binds: component-wise product (map, bsc), or the complex
// product of the two planes (fhrr, dim = width / 2).
enum class RealBind : std::uint8_t { product = 0, complex = 1 };

// Top-m entries of each row of a score matrix by absolute value, after scaling
// entry (q, j) by qscale[q] * xscale[j] (the cosine from raw dot products).
// Excluded entries: row q excludes ex_rows[ex_off[q] .. ex_off[q+1]) (ex_off
// null: none). Output per query: indices ordered by |score| descending, ties
// to the lower index, with the signed scaled score; slots past what exists,
// and entries whose score is exactly zero, are index -1 with score 0.
void select_abs(const float* scores, std::size_t nq, std::size_t n, const float* qscale, const float* xscale,
                std::size_t m, const std::int64_t* ex_off, const std::int64_t* ex_rows, int threads,
                std::int64_t* out_idx, float* out_score);

// Scores of pooled candidates under every active key of their row:
// out[b, k, c] = < R[b] unbound by key k, F[pool[b, c]] > / |R[b]| * xscale[pool[b, c]]
// for active[b, k] != 0 and pool[b, c] >= 0, else 0. Shapes: R (rows, width),
// pool (rows, C), F (N, width), keys (nk, width), active (rows, nk), out (rows, nk, C).
void score_pool(RealBind bind, const float* R, std::size_t rows, std::size_t width, const std::int64_t* pool,
                std::size_t C, const float* F, const float* xscale, const float* keys, std::size_t nk,
                const std::uint8_t* active, int threads, float* out);

// Term vectors of codes: code c in [0, nk*N) is F[c % N] bound to keys[c / N]
// (key 0 is the identity: a copy); c in [nk*N, nk*N + T) is tags[c - nk*N];
// c < 0 is zeros. out has shape (n_codes, width).
void gather_bind(RealBind bind, const std::int64_t* codes, std::size_t n_codes, const float* F, std::size_t N,
                 const float* keys, std::size_t nk, const float* tags, std::size_t T, std::size_t width, int threads,
                 float* out);

// What a term code stands for (gather_bind's rule), for the kernels that bind
// shortlists on the fly instead of reading them from a (rows, M, width) array.
struct Dictionary {
  RealBind bind;
  const float* candidates;  // (N, width)
  std::size_t N;
  const float* keys;        // (nk, width); key 0 is the identity
  std::size_t nk;
  const float* tags;        // (T, width)
  std::size_t T;
  std::size_t width;
};

// Per row b of codes (rows, M) and vectors V (rows, width), with d_i the term
// vector of codes[b, i]: G[b] = (d_i . d_j) (M x M) and c[b] = (d_i . V[b]), as
// float64 (products in float32). The terms are bound row by row into a buffer
// that stays in cache.
void gram(const Dictionary& dict, const std::int64_t* codes, std::size_t rows, std::size_t M, const float* V,
          int threads, double* G, double* c);

// out[b] = V[b] - sum_i weights[b, i] * d_i over the terms with a non-zero
// weight (each product rounded to float32, then added: no FMA).
void residual(const Dictionary& dict, const std::int64_t* codes, const double* weights, std::size_t rows,
              std::size_t M, const float* V, int threads, float* out);

}  // namespace deltaform::decode

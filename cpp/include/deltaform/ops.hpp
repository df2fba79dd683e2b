// Batch operations of an algebra over row-major batches of vectors.
// A "batch" is `rows` vectors of p.width() elements (floats, or 64-bit words
// for bsc); an operand with 1 row is broadcast against n. Work is split over
// `threads` (0 = all cores) so that each output element is computed by one
// thread in a fixed order: results do not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>

#include "deltaform/algebra.hpp"

namespace deltaform::ops {

// out = a ⊛ b, or a ⊛ inverse(b) when unbind.
void bind(const SpaceParams& p, const void* a, std::size_t a_rows, const void* b, std::size_t b_rows, void* out,
          std::size_t n, bool unbind, int threads);
void inverse(const SpaceParams& p, const void* a, void* out, std::size_t n, int threads);
// groups x m input vectors -> groups outputs: out[g] = sum_i w[g][i] * X[g][i].
// weights: null (all 1), m values shared by every group, or groups*m values.
// fhrr/map: plain float sums (not re-normalised). bsc: weighted majority, a
// tie (sum exactly 0) takes the bit of `tie` (one vector).
void bundle(const SpaceParams& p, const void* X, std::size_t groups, std::size_t m, const float* weights,
            bool weights_per_group, const std::uint64_t* tie, void* out, int threads);
// Cyclic shift of the components by k (np.roll semantics: out[(j + k) mod dim] = x[j]).
void permute(const SpaceParams& p, const void* X, void* out, std::size_t n, std::int64_t k, int threads);
// fhrr: Re<a, conj b> / (|a||b|); map: cosine; bsc: 1 - 2 * Hamming / dim. Zero vectors score 0.
void similarity(const SpaceParams& p, const void* a, std::size_t a_rows, const void* b, std::size_t b_rows,
                float* out, std::size_t n, int threads);
// n random vectors (atoms of the reserved names "random:<seed>:<i>").
void random_vectors(const SpaceParams& p, std::uint64_t seed, std::size_t n, void* out, int threads);

}  // namespace deltaform::ops

// Exact top-k search. Rows are split into contiguous ranges, one per thread;
// each range is streamed block by block and every block serves all queries of
// the batch before the next is read. Results are ordered by score (desc), ties
// by row index (asc), so they do not depend on the thread count.
#pragma once
#include <cstddef>
#include <cstdint>

namespace deltaform::search {

struct Request {
  std::size_t nq = 0, rows = 0, k = 0;
  const std::uint8_t* mask = nullptr;  // rows bytes; 0 = skip the row
  int threads = 0;
};

// Float inner product; with normalize, score = dot / (|q| |x|) (cosine, the
// fhrr and map similarity). out_idx/out_score hold nq*k entries; where fewer
// than k rows are allowed, the rest are -1 / -inf. An allowed row whose score
// is not finite (NaN or infinity in it) throws InvalidArgument naming the row.
void topk_dot(const Request& r, const float* Q, const float* X, std::size_t width, bool normalize,
              std::int64_t* out_idx, float* out_score);
// Hamming over bit-packed words; score = 1 - 2 * distance / dim_bits.
void topk_hamming(const Request& r, const std::uint64_t* Q, const std::uint64_t* X, std::size_t words,
                  std::size_t dim_bits, std::int64_t* out_idx, float* out_score);

}  // namespace deltaform::search

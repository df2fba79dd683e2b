// Fused kernels of the encoder, one table per SIMD level (the level of the
// active KernelTable). Each does exactly the float32 operations that the
// encoding rules fix, in the same order, without FMA: a product is rounded to
// float32, then scaled by the coefficient (rounded), then added. So the fused
// forms give the same bits as bind, then scale, then add — on every path.
//
// Operands of the fused kernels must not overlap their output.
#pragma once
#include <cstddef>
#include <cstdint>

namespace deltaform::encode {

struct VectorKernels {
  // fhrr (planar re/im, dim components): out = c * (a ⊛ b)
  void (*cmul_scaled)(float c, const float* a, const float* b, float* out, std::size_t dim);
  // fhrr: acc = acc + c * (a ⊛ b)
  void (*cmul_axpy)(float c, const float* a, const float* b, float* acc, std::size_t dim);
  // fhrr, k terms in one pass: per component, acc = acc + c[j] * (a[j] ⊛ b[j]) for j in
  // order (with init, term 0 sets acc = c[0] * (a[0] ⊛ b[0]) instead). The same
  // bits as cmul_scaled / cmul_axpy term by term; one pass keeps acc in
  // registers and streams the k operand pairs together.
  void (*cmul_sum)(const float* const* a, const float* const* b, const float* c, std::size_t k, bool init,
                   float* acc, std::size_t dim);
  // map: out = c * (a * b);  acc = acc + c * (a * b)
  void (*mul_scaled)(float c, const float* a, const float* b, float* out, std::size_t n);
  void (*mul_axpy)(float c, const float* a, const float* b, float* acc, std::size_t n);
  // out = c * x
  void (*scale)(float c, const float* x, float* out, std::size_t n);
  // out = x * s into a batch row; `stream` allows non-temporal stores (the
  // caller then calls store_fence before the rows are read by another thread).
  void (*store_scaled)(const float* x, float s, float* out, std::size_t n, bool stream);
  void (*store_fence)();
  // Σ double(v_i)^2 with 8 interleaved partial sums, combined as
  // ((0+1)+(2+3))+((4+5)+(6+7)), then the tail in order (the rules' order).
  double (*squared_norm)(const float* v, std::size_t n);
  // The squared norms of a and b, each exactly as squared_norm, in one pass
  // (two independent chains of additions overlap): out[0] for a, out[1] for b.
  void (*squared_norm2)(const float* a, const float* b, std::size_t n, double out[2]);
  // bsc counts: acc = acc + (bit of a^b ? -c : +c) per component (b may be null: bits of a)
  void (*xor_axpy_bits)(float c, const std::uint64_t* a, const std::uint64_t* b, float* acc, std::size_t nbits);
  // bsc with unit weights, bit-sliced counters (plane q, words apart, holds bit q of
  // every count): adds one vote per component where (a ^ b ^ flip) is 1 (b may be null).
  void (*count_votes)(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t flip, std::uint64_t* planes,
                      int nplanes, std::uint64_t* carry, std::size_t words);
  // out = 1 where the count > voters / 2, the bit of tie where equal (voters even), else 0.
  void (*count_majority)(const std::uint64_t* planes, int nplanes, std::uint32_t voters, const std::uint64_t* tie,
                         std::uint64_t* eq, std::uint64_t* out, std::size_t words);
  // bsc majority: bit = count < 0 ? 1 : count > 0 ? 0 : bit of tie
  void (*majority_bits)(const float* counts, const std::uint64_t* tie, std::uint64_t* out, std::size_t words);
};

// The table matching the active SIMD path (deltaform::kernels()).
const VectorKernels& vector_kernels();

}  // namespace deltaform::encode

// The table of low-level kernels, one instance per SIMD level, chosen once at
// import (or forced with DELTAFORM_SIMD=scalar|avx2|avx512, or set_isa()).
//
// Vector kernels (bind, bundle, bits) are bit-identical on every path: the
// same IEEE operations in the same order, no FMA. Score kernels (dot, norm,
// Hamming) may sum in a different order per path; they agree to rounding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deltaform {

enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };

struct KernelTable {
  Isa isa;
  const char* name;

  // ---- vector kernels (bit-identical across paths)
  // out = a * b component-wise (map bind)
  void (*mul)(const float* a, const float* b, float* out, std::size_t n);
  // fhrr bind over planes: out = a * b, or a * conj(b) when conj_b
  void (*cmul)(const float* a, const float* b, float* out, std::size_t dim, bool conj_b);
  // out = a ^ b (bsc bind)
  void (*xor_words)(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* out, std::size_t words);
  // acc = acc + w * x   (w * x rounded, then added: no FMA)
  void (*axpy)(float w, const float* x, float* acc, std::size_t n);
  // acc = acc + (bit ? -w : +w) for each of the n bits of x (bsc bundle counts)
  void (*axpy_bits)(float w, const std::uint64_t* x, float* acc, std::size_t nbits);
  // bit j of out = acc[j] < 0, or the bit of tie where acc[j] == 0 (bsc majority)
  void (*sign_bits)(const float* acc, const std::uint64_t* tie, std::uint64_t* out, std::size_t words);
  // true when no element is NaN or infinite
  bool (*all_finite)(const float* x, std::size_t n);

  // ---- score kernels
  float (*dot)(const float* a, const float* b, std::size_t n);
  // dots[r] = q . X[r], norms2[r] = X[r] . X[r]   (norms2 may be null)
  void (*scan_dot)(const float* q, const float* X, std::size_t rows, std::size_t width, float* dots, float* norms2);
  // out[i*out_stride + r] = Q[i] . X[r] for nq queries, rows rows
  void (*block_dot)(const float* Q, std::size_t nq, const float* X, std::size_t rows, std::size_t width,
                    float* out, std::size_t out_stride);
  std::uint64_t (*hamming)(const std::uint64_t* a, const std::uint64_t* b, std::size_t words);
  void (*block_hamming)(const std::uint64_t* Q, std::size_t nq, const std::uint64_t* X, std::size_t rows,
                        std::size_t words, std::uint32_t* out, std::size_t out_stride);
};

const KernelTable& kernels();            // the active table
bool isa_supported(Isa isa);             // compiled in and supported by this CPU
void set_isa(Isa isa);                   // throws InvalidArgument if not supported
Isa best_isa();                          // what import picks without DELTAFORM_SIMD
std::vector<Isa> supported_isas();
const char* isa_name(Isa isa);
Isa parse_isa(const std::string& name);

namespace isa_tables {
const KernelTable& scalar();
const KernelTable& avx2();
const KernelTable& avx512();
}  // namespace isa_tables

}  // namespace deltaform

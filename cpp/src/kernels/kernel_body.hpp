// Kernel bodies compiled once per SIMD level. Each isa_*.cpp defines DF_ISA
// (scalar, avx2, avx512), sets the compiler's target flags (CMakeLists.txt)
// and includes this file; the element-wise loops are auto-vectorised for that
// target, the score loops use intrinsics where the target has them.
//
// Element-wise kernels keep IEEE semantics (-ffp-contract=off, no fast-math),
// so every path produces the same bits.
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
// GCC's AVX-512 headers read an undefined vector inside the 512 -> 256 bit
// casts and extracts (horizontal sums), and warn at every inlined use.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "deltaform/kernels.hpp"

namespace deltaform::isa_impl::DF_ISA {

using std::size_t;
using std::uint32_t;
using std::uint64_t;

void mul(const float* __restrict a, const float* __restrict b, float* __restrict out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

// The n floats at x and at y do not overlap.
inline bool apart(const float* x, const float* y, size_t n) {
  const auto u = reinterpret_cast<std::uintptr_t>(x), v = reinterpret_cast<std::uintptr_t>(y);
  return u + n * sizeof(float) <= v || v + n * sizeof(float) <= u;
}

void cmul(const float* a, const float* b, float* out, size_t dim, bool conj_b) {
  const float* __restrict ar = a;
  const float* __restrict ai = a + dim;
  const float* __restrict br = b;
  const float* __restrict bi = b + dim;
  float* __restrict orr = out;
  float* __restrict oi = out + dim;
  if (apart(out, a, 2 * dim) && apart(out, b, 2 * dim)) {  // the common case: no copy through a buffer
    if (conj_b) {
      for (size_t i = 0; i < dim; ++i) {
        orr[i] = ar[i] * br[i] + ai[i] * bi[i];
        oi[i] = ai[i] * br[i] - ar[i] * bi[i];
      }
    } else {
      for (size_t i = 0; i < dim; ++i) {
        orr[i] = ar[i] * br[i] - ai[i] * bi[i];
        oi[i] = ar[i] * bi[i] + ai[i] * br[i];
      }
    }
    return;
  }
  // `out` may alias `a` or `b` (in-place bind): compute through a small buffer.
  constexpr size_t B = 256;
  float tr[B], ti[B];
  for (size_t s = 0; s < dim; s += B) {
    size_t e = s + B < dim ? s + B : dim;
    if (conj_b) {
      for (size_t i = s; i < e; ++i) {
        tr[i - s] = ar[i] * br[i] + ai[i] * bi[i];
        ti[i - s] = ai[i] * br[i] - ar[i] * bi[i];
      }
    } else {
      for (size_t i = s; i < e; ++i) {
        tr[i - s] = ar[i] * br[i] - ai[i] * bi[i];
        ti[i - s] = ar[i] * bi[i] + ai[i] * br[i];
      }
    }
    std::memcpy(orr + s, tr, (e - s) * sizeof(float));
    std::memcpy(oi + s, ti, (e - s) * sizeof(float));
  }
}

void xor_words(const uint64_t* a, const uint64_t* b, uint64_t* out, size_t words) {
  for (size_t i = 0; i < words; ++i) out[i] = a[i] ^ b[i];
}

void axpy(float w, const float* __restrict x, float* __restrict acc, size_t n) {
  for (size_t i = 0; i < n; ++i) acc[i] = acc[i] + w * x[i];
}

// The same IEEE addition as the scalar loop, acc + (bit ? -w : w), with the
// addend chosen by a mask instead of a branch.
void axpy_bits(float w, const uint64_t* __restrict x, float* __restrict acc, size_t nbits) {
  const float neg = -w;
#if defined(__AVX512F__)
  const __m512 wv = _mm512_set1_ps(w), nv = _mm512_set1_ps(neg);
  for (size_t j = 0; j < nbits / 64; ++j) {
    uint64_t word = x[j];
    float* a = acc + j * 64;
    for (int h = 0; h < 4; ++h) {
      const __mmask16 m = __mmask16(word >> (16 * h));
      const __m512 add = _mm512_mask_blend_ps(m, wv, nv);
      _mm512_storeu_ps(a + 16 * h, _mm512_add_ps(_mm512_loadu_ps(a + 16 * h), add));
    }
  }
#elif defined(__AVX2__)
  const __m256 wv = _mm256_set1_ps(w), nv = _mm256_set1_ps(neg);
  const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  for (size_t j = 0; j < nbits / 64; ++j) {
    uint64_t word = x[j];
    float* a = acc + j * 64;
    for (int h = 0; h < 8; ++h) {
      const __m256i byte = _mm256_set1_epi32(int((word >> (8 * h)) & 0xffu));
      const __m256 set = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(byte, lane_bit), lane_bit));
      const __m256 add = _mm256_blendv_ps(wv, nv, set);
      _mm256_storeu_ps(a + 8 * h, _mm256_add_ps(_mm256_loadu_ps(a + 8 * h), add));
    }
  }
#else
  for (size_t j = 0; j < nbits / 64; ++j) {
    uint64_t word = x[j];
    float* a = acc + j * 64;
    for (int b = 0; b < 64; ++b) a[b] = a[b] + (((word >> b) & 1u) ? neg : w);
  }
#endif
}

void sign_bits(const float* acc, const uint64_t* tie, uint64_t* out, size_t words) {
#if defined(__AVX512F__)
  const __m512 zero = _mm512_setzero_ps();
  for (size_t j = 0; j < words; ++j) {
    uint64_t word = 0;
    for (int h = 0; h < 4; ++h) {
      const __m512 s = _mm512_loadu_ps(acc + j * 64 + 16 * h);
      const uint64_t lt = _mm512_cmp_ps_mask(s, zero, _CMP_LT_OQ), eq = _mm512_cmp_ps_mask(s, zero, _CMP_EQ_OQ);
      word |= (lt | (eq & (tie[j] >> (16 * h)))) << (16 * h);
    }
    out[j] = word;
  }
#elif defined(__AVX2__)
  const __m256 zero = _mm256_setzero_ps();
  for (size_t j = 0; j < words; ++j) {
    uint64_t word = 0;
    for (int h = 0; h < 8; ++h) {
      const __m256 s = _mm256_loadu_ps(acc + j * 64 + 8 * h);
      const uint64_t lt = uint64_t(_mm256_movemask_ps(_mm256_cmp_ps(s, zero, _CMP_LT_OQ)));
      const uint64_t eq = uint64_t(_mm256_movemask_ps(_mm256_cmp_ps(s, zero, _CMP_EQ_OQ)));
      word |= ((lt | (eq & (tie[j] >> (8 * h)))) & 0xffu) << (8 * h);
    }
    out[j] = word;
  }
#else
  for (size_t j = 0; j < words; ++j) {
    uint64_t word = 0;
    for (int b = 0; b < 64; ++b) {
      const float s = acc[j * 64 + b];
      const uint64_t bit = s < 0.0f ? 1u : (s > 0.0f ? 0u : ((tie[j] >> b) & 1u));
      word |= bit << b;
    }
    out[j] = word;
  }
#endif
}

// NaN and infinity are the floats whose exponent bits are all ones. Integer
// tests vectorise on every path (a float sum would be one dependent chain).
bool all_finite(const float* x, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

// ------------------------------------------------------------------ scores

#if defined(__AVX512F__)
// Register tiles of the batch kernels (queries per tile; rows per tile).
#ifndef DF_DOT_TILE_Q
#define DF_DOT_TILE_Q 4
#endif
#ifndef DF_DOT_TILE_ROWS
#define DF_DOT_TILE_ROWS 6
#endif
#ifndef DF_HAMMING_TILE_Q
#define DF_HAMMING_TILE_Q 4
#endif

inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

float dot(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  if (i + 16 <= n) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    i += 16;
  }
  if (i < n) {
    __mmask16 m = __mmask16((1u << (n - i)) - 1);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return hsum(_mm512_add_ps(s0, s1));
}

// One query against R rows at a time: one load of the query serves R rows,
// and R concurrent row streams keep enough cache-line requests in flight for
// one core to approach the memory bandwidth (a single row stream cannot).
// Software prefetch was measured to be slower than the hardware prefetcher here.
template <int R, bool NORMS>
inline void scan_rows(const float* q, const float* x, size_t width, size_t full, __mmask16 tail, float* dots,
                      float* norms2) {
  __m512 d[R], n[R];
  for (int b = 0; b < R; ++b) d[b] = n[b] = _mm512_setzero_ps();
  for (size_t i = 0; i < full; i += 16) {
    const __m512 qv = _mm512_loadu_ps(q + i);
    for (int b = 0; b < R; ++b) {
      const __m512 xv = _mm512_loadu_ps(x + b * width + i);
      d[b] = _mm512_fmadd_ps(xv, qv, d[b]);
      if (NORMS) n[b] = _mm512_fmadd_ps(xv, xv, n[b]);
    }
  }
  if (tail) {
    const __m512 qv = _mm512_maskz_loadu_ps(tail, q + full);
    for (int b = 0; b < R; ++b) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + b * width + full);
      d[b] = _mm512_fmadd_ps(xv, qv, d[b]);
      if (NORMS) n[b] = _mm512_fmadd_ps(xv, xv, n[b]);
    }
  }
  for (int b = 0; b < R; ++b) {
    dots[b] = hsum(d[b]);
    if (NORMS) norms2[b] = hsum(n[b]);
  }
}

template <bool NORMS>
void scan_dot_rows(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  constexpr int R = 8;
  const size_t full = width / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (width - full)) - 1);
  size_t r = 0;
  for (; r + R <= rows; r += R)
    scan_rows<R, NORMS>(q, X + r * width, width, full, tail, dots + r, NORMS ? norms2 + r : nullptr);
  for (; r < rows; ++r) scan_rows<1, NORMS>(q, X + r * width, width, full, tail, dots + r, NORMS ? norms2 + r : nullptr);
}

void scan_dot(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  if (norms2)
    scan_dot_rows<true>(q, X, rows, width, dots, norms2);
  else
    scan_dot_rows<false>(q, X, rows, width, dots, nullptr);
}

// A queries x B rows of accumulators (A*B + B + 1 of the 32 zmm registers).
template <int A, int B>
inline void dot_tile(const float* q, const float* x, size_t width, size_t full, __mmask16 tail, float* out,
                     size_t out_stride) {
  __m512 acc[A][B];
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) acc[a][b] = _mm512_setzero_ps();
  for (size_t i = 0; i < full; i += 16) {
    __m512 xv[B];
    for (int b = 0; b < B; ++b) xv[b] = _mm512_loadu_ps(x + b * width + i);
    for (int a = 0; a < A; ++a) {
      const __m512 qv = _mm512_loadu_ps(q + a * width + i);
      for (int b = 0; b < B; ++b) acc[a][b] = _mm512_fmadd_ps(qv, xv[b], acc[a][b]);
    }
  }
  if (tail) {
    __m512 xv[B];
    for (int b = 0; b < B; ++b) xv[b] = _mm512_maskz_loadu_ps(tail, x + b * width + full);
    for (int a = 0; a < A; ++a) {
      const __m512 qv = _mm512_maskz_loadu_ps(tail, q + a * width + full);
      for (int b = 0; b < B; ++b) acc[a][b] = _mm512_fmadd_ps(qv, xv[b], acc[a][b]);
    }
  }
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) out[a * out_stride + b] = hsum(acc[a][b]);
}

// Every query of the batch against B rows.
template <int B>
inline void dot_rows_all_queries(const float* Q, size_t nq, const float* x, size_t width, size_t full, __mmask16 tail,
                                 float* out, size_t out_stride) {
  constexpr int A = DF_DOT_TILE_Q;
  static_assert(A >= 1 && A <= 6, "the remainder switch below covers tiles of up to 6 queries");
  size_t qi = 0;
  for (; qi + A <= nq; qi += A) dot_tile<A, B>(Q + qi * width, x, width, full, tail, out + qi * out_stride, out_stride);
  const float* q = Q + qi * width;
  float* o = out + qi * out_stride;
  switch (nq - qi) {
    case 5: dot_tile<5, B>(q, x, width, full, tail, o, out_stride); break;
    case 4: dot_tile<4, B>(q, x, width, full, tail, o, out_stride); break;
    case 3: dot_tile<3, B>(q, x, width, full, tail, o, out_stride); break;
    case 2: dot_tile<2, B>(q, x, width, full, tail, o, out_stride); break;
    case 1: dot_tile<1, B>(q, x, width, full, tail, o, out_stride); break;
    default: break;
  }
}

// Rows are the outer loop: a tile of B rows (48 KiB at fhrr dim 1024) stays in
// L1/L2 while every query of the batch passes over it, so the matrix is read
// from memory once per batch and the queries (the whole batch fits L2) come
// from L2. L2 bandwidth is the limit (about a third of the FMA peak); of the
// tiles tried (4x4, 5x4, 6x4, 4x6, 3x8, 2x8) 4 queries x 6 rows was fastest.
void block_dot(const float* Q, size_t nq, const float* X, size_t rows, size_t width, float* out, size_t out_stride) {
  constexpr int B = DF_DOT_TILE_ROWS;
  const size_t full = width / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (width - full)) - 1);
  size_t r = 0;
  for (; r + B <= rows; r += B) dot_rows_all_queries<B>(Q, nq, X + r * width, width, full, tail, out + r, out_stride);
  for (; r < rows; ++r) dot_rows_all_queries<1>(Q, nq, X + r * width, width, full, tail, out + r, out_stride);
}

uint64_t hamming(const uint64_t* a, const uint64_t* b, size_t words) {
  __m512i s = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 8 <= words; i += 8) {
    __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    s = _mm512_add_epi64(s, _mm512_popcnt_epi64(x));
  }
  uint64_t total = uint64_t(_mm512_reduce_add_epi64(s));
  for (; i < words; ++i) total += uint64_t(__builtin_popcountll(a[i] ^ b[i]));
  return total;
}

// A queries x B rows of popcount accumulators; xor, popcount and add are the
// three vector operations per 512 bits and pair, the least there is.
template <int A, int B>
inline void hamming_tile(const uint64_t* q, const uint64_t* x, size_t words, size_t full, __mmask8 tail, uint32_t* out,
                         size_t out_stride) {
  __m512i acc[A][B];
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) acc[a][b] = _mm512_setzero_si512();
  auto step = [&](const __m512i* xv, auto load_q) {
    for (int a = 0; a < A; ++a) {
      const __m512i qv = load_q(a);
      for (int b = 0; b < B; ++b)
        acc[a][b] = _mm512_add_epi64(acc[a][b], _mm512_popcnt_epi64(_mm512_xor_si512(qv, xv[b])));
    }
  };
  for (size_t i = 0; i < full; i += 8) {
    __m512i xv[B];
    for (int b = 0; b < B; ++b) xv[b] = _mm512_loadu_si512(x + b * words + i);
    step(xv, [&](int a) { return _mm512_loadu_si512(q + a * words + i); });
  }
  if (tail) {
    __m512i xv[B];
    for (int b = 0; b < B; ++b) xv[b] = _mm512_maskz_loadu_epi64(tail, x + b * words + full);
    step(xv, [&](int a) { return _mm512_maskz_loadu_epi64(tail, q + a * words + full); });
  }
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) out[a * out_stride + b] = uint32_t(_mm512_reduce_add_epi64(acc[a][b]));
}

template <int B>
inline void hamming_rows_all_queries(const uint64_t* Q, size_t nq, const uint64_t* x, size_t words, size_t full,
                                     __mmask8 tail, uint32_t* out, size_t out_stride) {
  constexpr int A = DF_HAMMING_TILE_Q;
  static_assert(A >= 1 && A <= 6, "the remainder switch below covers tiles of up to 6 queries");
  size_t qi = 0;
  for (; qi + A <= nq; qi += A)
    hamming_tile<A, B>(Q + qi * words, x, words, full, tail, out + qi * out_stride, out_stride);
  const uint64_t* q = Q + qi * words;
  uint32_t* o = out + qi * out_stride;
  switch (nq - qi) {
    case 5: hamming_tile<5, B>(q, x, words, full, tail, o, out_stride); break;
    case 4: hamming_tile<4, B>(q, x, words, full, tail, o, out_stride); break;
    case 3: hamming_tile<3, B>(q, x, words, full, tail, o, out_stride); break;
    case 2: hamming_tile<2, B>(q, x, words, full, tail, o, out_stride); break;
    case 1: hamming_tile<1, B>(q, x, words, full, tail, o, out_stride); break;
    default: break;
  }
}

// One query against B rows, prefetching the lines of a tile PF tiles ahead,
// one per load. Short rows (1 KiB at 8192 bits) put a tile's row streams in
// the same few pages, where the hardware prefetcher alone keeps too few lines
// in flight: measured about 25 % faster than without (the float scan, with
// rows in distinct pages, was not helped and does without).
template <int B, int PF>
inline void hamming_scan_tile(const uint64_t* q, const uint64_t* x, size_t words, size_t full, __mmask8 tail,
                              uint32_t* out) {
  const char* ahead = reinterpret_cast<const char*>(x + PF * B * words);
  __m512i acc[B];
  for (int b = 0; b < B; ++b) acc[b] = _mm512_setzero_si512();
  for (size_t i = 0; i < full; i += 8) {
    const __m512i qv = _mm512_loadu_si512(q + i);
    for (int b = 0; b < B; ++b) {
      _mm_prefetch(ahead, _MM_HINT_T0);
      ahead += 64;
      acc[b] = _mm512_add_epi64(acc[b], _mm512_popcnt_epi64(_mm512_xor_si512(qv, _mm512_loadu_si512(x + b * words + i))));
    }
  }
  if (tail) {
    const __m512i qv = _mm512_maskz_loadu_epi64(tail, q + full);
    for (int b = 0; b < B; ++b)
      acc[b] = _mm512_add_epi64(
          acc[b], _mm512_popcnt_epi64(_mm512_xor_si512(qv, _mm512_maskz_loadu_epi64(tail, x + b * words + full))));
  }
  for (int b = 0; b < B; ++b) out[b] = uint32_t(_mm512_reduce_add_epi64(acc[b]));
}

// Rows outer, as in block_dot. A single query takes 8 rows at a time (memory
// streams, as in scan_dot); a batch takes 4 rows and DF_HAMMING_TILE_Q queries.
void block_hamming(const uint64_t* Q, size_t nq, const uint64_t* X, size_t rows, size_t words, uint32_t* out,
                   size_t out_stride) {
  const size_t full = words / 8 * 8;
  const __mmask8 tail = __mmask8((1u << (words - full)) - 1);
  size_t r = 0;
  if (nq == 1) {
    for (; r + 8 <= rows; r += 8) hamming_scan_tile<8, 3>(Q, X + r * words, words, full, tail, out + r);
  } else {
    for (; r + 4 <= rows; r += 4)
      hamming_rows_all_queries<4>(Q, nq, X + r * words, words, full, tail, out + r, out_stride);
  }
  for (; r < rows; ++r) hamming_rows_all_queries<1>(Q, nq, X + r * words, words, full, tail, out + r, out_stride);
}

#elif defined(__AVX2__)
inline float hsum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
  return _mm_cvtss_f32(lo);
}

float dot(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// One query against R rows at a time (see the avx512 scan_rows).
template <int R, bool NORMS>
inline void scan_rows(const float* q, const float* x, size_t width, size_t full, float* dots, float* norms2) {
  __m256 d[R], n[R];
  for (int b = 0; b < R; ++b) d[b] = n[b] = _mm256_setzero_ps();
  for (size_t i = 0; i < full; i += 8) {
    const __m256 qv = _mm256_loadu_ps(q + i);
    for (int b = 0; b < R; ++b) {
      const __m256 xv = _mm256_loadu_ps(x + b * width + i);
      d[b] = _mm256_fmadd_ps(xv, qv, d[b]);
      if (NORMS) n[b] = _mm256_fmadd_ps(xv, xv, n[b]);
    }
  }
  for (int b = 0; b < R; ++b) {
    const float* xb = x + b * width;
    float s = hsum(d[b]), nn = hsum(n[b]);
    for (size_t i = full; i < width; ++i) {
      s += xb[i] * q[i];
      nn += xb[i] * xb[i];
    }
    dots[b] = s;
    if (NORMS) norms2[b] = nn;
  }
}

template <bool NORMS>
void scan_dot_rows(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  constexpr int R = 4;
  const size_t full = width / 8 * 8;
  size_t r = 0;
  for (; r + R <= rows; r += R) scan_rows<R, NORMS>(q, X + r * width, width, full, dots + r, NORMS ? norms2 + r : nullptr);
  for (; r < rows; ++r) scan_rows<1, NORMS>(q, X + r * width, width, full, dots + r, NORMS ? norms2 + r : nullptr);
}

void scan_dot(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  if (norms2)
    scan_dot_rows<true>(q, X, rows, width, dots, norms2);
  else
    scan_dot_rows<false>(q, X, rows, width, dots, nullptr);
}

// A queries x B rows: A*B + B + 1 of the 16 ymm registers.
template <int A, int B>
inline void dot_tile(const float* q, const float* x, size_t width, size_t full, float* out, size_t out_stride) {
  __m256 acc[A][B];
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) acc[a][b] = _mm256_setzero_ps();
  for (size_t i = 0; i < full; i += 8) {
    __m256 xv[B];
    for (int b = 0; b < B; ++b) xv[b] = _mm256_loadu_ps(x + b * width + i);
    for (int a = 0; a < A; ++a) {
      const __m256 qv = _mm256_loadu_ps(q + a * width + i);
      for (int b = 0; b < B; ++b) acc[a][b] = _mm256_fmadd_ps(qv, xv[b], acc[a][b]);
    }
  }
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) {
      float s = hsum(acc[a][b]);
      for (size_t i = full; i < width; ++i) s += q[a * width + i] * x[b * width + i];
      out[a * out_stride + b] = s;
    }
}

template <int B>
inline void dot_rows_all_queries(const float* Q, size_t nq, const float* x, size_t width, size_t full, float* out,
                                 size_t out_stride) {
  size_t qi = 0;
  for (; qi + 3 <= nq; qi += 3) dot_tile<3, B>(Q + qi * width, x, width, full, out + qi * out_stride, out_stride);
  if (nq - qi == 2) dot_tile<2, B>(Q + qi * width, x, width, full, out + qi * out_stride, out_stride);
  if (nq - qi == 1) dot_tile<1, B>(Q + qi * width, x, width, full, out + qi * out_stride, out_stride);
}

// Rows outer, queries inner, as in the avx512 block_dot; 3 queries x 3 rows
// keep every operand in a register.
void block_dot(const float* Q, size_t nq, const float* X, size_t rows, size_t width, float* out, size_t out_stride) {
  const size_t full = width / 8 * 8;
  size_t r = 0;
  for (; r + 3 <= rows; r += 3) dot_rows_all_queries<3>(Q, nq, X + r * width, width, full, out + r, out_stride);
  for (; r < rows; ++r) dot_rows_all_queries<1>(Q, nq, X + r * width, width, full, out + r, out_stride);
}

uint64_t hamming(const uint64_t* a, const uint64_t* b, size_t words) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    s0 += uint64_t(_mm_popcnt_u64(a[i] ^ b[i]));
    s1 += uint64_t(_mm_popcnt_u64(a[i + 1] ^ b[i + 1]));
    s2 += uint64_t(_mm_popcnt_u64(a[i + 2] ^ b[i + 2]));
    s3 += uint64_t(_mm_popcnt_u64(a[i + 3] ^ b[i + 3]));
  }
  for (; i < words; ++i) s0 += uint64_t(_mm_popcnt_u64(a[i] ^ b[i]));
  return s0 + s1 + s2 + s3;
}

// A queries x B rows with the scalar popcount (one per cycle is the limit);
// the tile saves loads and keeps B row streams going.
template <int A, int B>
inline void hamming_tile(const uint64_t* q, const uint64_t* x, size_t words, uint32_t* out, size_t out_stride) {
  uint64_t acc[A][B] = {};
  for (size_t i = 0; i < words; ++i) {
    uint64_t xv[B];
    for (int b = 0; b < B; ++b) xv[b] = x[b * words + i];
    for (int a = 0; a < A; ++a) {
      const uint64_t qv = q[a * words + i];
      for (int b = 0; b < B; ++b) acc[a][b] += uint64_t(_mm_popcnt_u64(qv ^ xv[b]));
    }
  }
  for (int a = 0; a < A; ++a)
    for (int b = 0; b < B; ++b) out[a * out_stride + b] = uint32_t(acc[a][b]);
}

void block_hamming(const uint64_t* Q, size_t nq, const uint64_t* X, size_t rows, size_t words, uint32_t* out,
                   size_t out_stride) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    size_t qi = 0;
    for (; qi + 2 <= nq; qi += 2) hamming_tile<2, 4>(Q + qi * words, X + r * words, words, out + qi * out_stride + r, out_stride);
    if (qi < nq) hamming_tile<1, 4>(Q + qi * words, X + r * words, words, out + qi * out_stride + r, out_stride);
  }
  for (; r < rows; ++r)
    for (size_t qi = 0; qi < nq; ++qi) out[qi * out_stride + r] = uint32_t(hamming(Q + qi * words, X + r * words, words));
}

#else  // portable scalar path: several independent sums for some parallelism

float dot(const float* a, const float* b, size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) t += a[i] * b[i];
  return t;
}

void scan_dot(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  for (size_t r = 0; r < rows; ++r) {
    const float* x = X + r * width;
    dots[r] = dot(q, x, width);
    if (norms2) norms2[r] = dot(x, x, width);
  }
}

void block_dot(const float* Q, size_t nq, const float* X, size_t rows, size_t width, float* out, size_t out_stride) {
  for (size_t qi = 0; qi < nq; ++qi) scan_dot(Q + qi * width, X, rows, width, out + qi * out_stride, nullptr);
}

uint64_t hamming(const uint64_t* a, const uint64_t* b, size_t words) {
  uint64_t s = 0;
  for (size_t i = 0; i < words; ++i) s += uint64_t(__builtin_popcountll(a[i] ^ b[i]));
  return s;
}

void block_hamming(const uint64_t* Q, size_t nq, const uint64_t* X, size_t rows, size_t words, uint32_t* out,
                   size_t out_stride) {
  for (size_t qi = 0; qi < nq; ++qi)
    for (size_t r = 0; r < rows; ++r) out[qi * out_stride + r] = uint32_t(hamming(Q + qi * words, X + r * words, words));
}
#endif

}  // namespace deltaform::isa_impl::DF_ISA

namespace deltaform::isa_tables {
const KernelTable& DF_ISA() {
  namespace k = deltaform::isa_impl::DF_ISA;
  static const KernelTable table{
      Isa::DF_ISA, DF_ISA_NAME,
      k::mul, k::cmul, k::xor_words, k::axpy, k::axpy_bits, k::sign_bits, k::all_finite,
      k::dot, k::scan_dot, k::block_dot, k::hamming, k::block_hamming,
  };
  return table;
}
}  // namespace deltaform::isa_tables

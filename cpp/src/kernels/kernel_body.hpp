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

void axpy_bits(float w, const uint64_t* __restrict x, float* __restrict acc, size_t nbits) {
  const float neg = -w;
  for (size_t j = 0; j < nbits / 64; ++j) {
    uint64_t word = x[j];
    float* a = acc + j * 64;
    for (int b = 0; b < 64; ++b) a[b] = a[b] + (((word >> b) & 1u) ? neg : w);
  }
}

// ------------------------------------------------------------------ scores

#if defined(__AVX512F__)
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

void scan_dot(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  const size_t full = width / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (width - full)) - 1);
  for (size_t r = 0; r < rows; ++r) {
    const float* x = X + r * width;
    __m512 d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
    __m512 n0 = _mm512_setzero_ps(), n1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= full; i += 32) {
      __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
      d0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q + i), d0);
      d1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + i + 16), d1);
      n0 = _mm512_fmadd_ps(x0, x0, n0);
      n1 = _mm512_fmadd_ps(x1, x1, n1);
    }
    for (; i < full; i += 16) {
      __m512 x0 = _mm512_loadu_ps(x + i);
      d0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q + i), d0);
      n0 = _mm512_fmadd_ps(x0, x0, n0);
    }
    if (tail) {
      __m512 x0 = _mm512_maskz_loadu_ps(tail, x + i);
      d1 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, q + i), d1);
      n1 = _mm512_fmadd_ps(x0, x0, n1);
    }
    dots[r] = hsum(_mm512_add_ps(d0, d1));
    if (norms2) norms2[r] = hsum(_mm512_add_ps(n0, n1));
  }
}

// 4 queries x 4 rows of accumulators: 16 FMAs per 8 loads keeps the FMA
// units busy; each block of X is read once for all queries in the batch.
void block_dot(const float* Q, size_t nq, const float* X, size_t rows, size_t width, float* out, size_t out_stride) {
  const size_t full = width / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (width - full)) - 1);
  size_t qi = 0;
  for (; qi + 4 <= nq; qi += 4) {
    const float* q0 = Q + qi * width;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      const float* x0 = X + r * width;
      __m512 acc[4][4];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) acc[a][b] = _mm512_setzero_ps();
      for (size_t i = 0; i < full; i += 16) {
        __m512 xv[4], qv[4];
        for (int b = 0; b < 4; ++b) xv[b] = _mm512_loadu_ps(x0 + b * width + i);
        for (int a = 0; a < 4; ++a) qv[a] = _mm512_loadu_ps(q0 + a * width + i);
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b) acc[a][b] = _mm512_fmadd_ps(qv[a], xv[b], acc[a][b]);
      }
      if (tail) {
        __m512 xv[4], qv[4];
        for (int b = 0; b < 4; ++b) xv[b] = _mm512_maskz_loadu_ps(tail, x0 + b * width + full);
        for (int a = 0; a < 4; ++a) qv[a] = _mm512_maskz_loadu_ps(tail, q0 + a * width + full);
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b) acc[a][b] = _mm512_fmadd_ps(qv[a], xv[b], acc[a][b]);
      }
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) out[(qi + a) * out_stride + r + b] = hsum(acc[a][b]);
    }
    for (; r < rows; ++r)
      for (int a = 0; a < 4; ++a) out[(qi + a) * out_stride + r] = dot(q0 + a * width, X + r * width, width);
  }
  for (; qi < nq; ++qi) scan_dot(Q + qi * width, X, rows, width, out + qi * out_stride, nullptr);
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

void block_hamming(const uint64_t* Q, size_t nq, const uint64_t* X, size_t rows, size_t words, uint32_t* out,
                   size_t out_stride) {
  const size_t full = words / 8 * 8;
  size_t qi = 0;
  for (; qi + 4 <= nq; qi += 4) {
    const uint64_t* q0 = Q + qi * words;
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
      const uint64_t* x0 = X + r * words;
      __m512i acc[4][2];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 2; ++b) acc[a][b] = _mm512_setzero_si512();
      for (size_t i = 0; i < full; i += 8) {
        __m512i xv0 = _mm512_loadu_si512(x0 + i), xv1 = _mm512_loadu_si512(x0 + words + i);
        for (int a = 0; a < 4; ++a) {
          __m512i qv = _mm512_loadu_si512(q0 + a * words + i);
          acc[a][0] = _mm512_add_epi64(acc[a][0], _mm512_popcnt_epi64(_mm512_xor_si512(qv, xv0)));
          acc[a][1] = _mm512_add_epi64(acc[a][1], _mm512_popcnt_epi64(_mm512_xor_si512(qv, xv1)));
        }
      }
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 2; ++b) {
          uint64_t t = uint64_t(_mm512_reduce_add_epi64(acc[a][b]));
          for (size_t i = full; i < words; ++i) t += uint64_t(__builtin_popcountll(q0[a * words + i] ^ x0[b * words + i]));
          out[(qi + a) * out_stride + r + b] = uint32_t(t);
        }
    }
    for (; r < rows; ++r)
      for (int a = 0; a < 4; ++a) out[(qi + a) * out_stride + r] = uint32_t(hamming(q0 + a * words, X + r * words, words));
  }
  for (; qi < nq; ++qi)
    for (size_t r = 0; r < rows; ++r) out[qi * out_stride + r] = uint32_t(hamming(Q + qi * words, X + r * words, words));
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

void scan_dot(const float* q, const float* X, size_t rows, size_t width, float* dots, float* norms2) {
  for (size_t r = 0; r < rows; ++r) {
    const float* x = X + r * width;
    __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
    __m256 n0 = _mm256_setzero_ps(), n1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= width; i += 16) {
      __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
      d0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q + i), d0);
      d1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q + i + 8), d1);
      n0 = _mm256_fmadd_ps(x0, x0, n0);
      n1 = _mm256_fmadd_ps(x1, x1, n1);
    }
    float d = hsum(_mm256_add_ps(d0, d1)), nn = hsum(_mm256_add_ps(n0, n1));
    for (; i < width; ++i) {
      d += x[i] * q[i];
      nn += x[i] * x[i];
    }
    dots[r] = d;
    if (norms2) norms2[r] = nn;
  }
}

void block_dot(const float* Q, size_t nq, const float* X, size_t rows, size_t width, float* out, size_t out_stride) {
  const size_t full = width / 8 * 8;
  size_t qi = 0;
  for (; qi + 3 <= nq; qi += 3) {
    const float* q0 = Q + qi * width;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
      const float* x0 = X + r * width;
      __m256 acc[3][4];
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 4; ++b) acc[a][b] = _mm256_setzero_ps();
      for (size_t i = 0; i < full; i += 8) {
        __m256 xv[4];
        for (int b = 0; b < 4; ++b) xv[b] = _mm256_loadu_ps(x0 + b * width + i);
        for (int a = 0; a < 3; ++a) {
          __m256 qv = _mm256_loadu_ps(q0 + a * width + i);
          for (int b = 0; b < 4; ++b) acc[a][b] = _mm256_fmadd_ps(qv, xv[b], acc[a][b]);
        }
      }
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 4; ++b) {
          float s = hsum(acc[a][b]);
          for (size_t i = full; i < width; ++i) s += q0[a * width + i] * x0[b * width + i];
          out[(qi + a) * out_stride + r + b] = s;
        }
    }
    for (; r < rows; ++r)
      for (int a = 0; a < 3; ++a) out[(qi + a) * out_stride + r] = dot(q0 + a * width, X + r * width, width);
  }
  for (; qi < nq; ++qi) scan_dot(Q + qi * width, X, rows, width, out + qi * out_stride, nullptr);
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

void block_hamming(const uint64_t* Q, size_t nq, const uint64_t* X, size_t rows, size_t words, uint32_t* out,
                   size_t out_stride) {
  for (size_t qi = 0; qi < nq; ++qi)
    for (size_t r = 0; r < rows; ++r) out[qi * out_stride + r] = uint32_t(hamming(Q + qi * words, X + r * words, words));
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
      k::mul, k::cmul, k::xor_words, k::axpy, k::axpy_bits,
      k::dot, k::scan_dot, k::block_dot, k::hamming, k::block_hamming,
  };
  return table;
}
}  // namespace deltaform::isa_tables

// The encoder's fused kernels (deltaform/encode/vector_kernels.hpp), compiled
// once per SIMD level: each isa_*.cpp includes this file after kernel_body.hpp,
// with DF_ISA set and its target flags. Element-wise loops are written plainly
// and auto-vectorised (-ffp-contract=off keeps every multiply and add
// separate); the few loops a compiler would not vectorise well use intrinsics
// doing the same IEEE operations.
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "deltaform/encode/vector_kernels.hpp"

namespace deltaform::isa_impl::DF_ISA::encode_kernels {

using std::size_t;
using std::uint64_t;

void cmul_scaled(float c, const float* a, const float* b, float* out, size_t dim) {
  const float* __restrict ar = a;
  const float* __restrict ai = a + dim;
  const float* __restrict br = b;
  const float* __restrict bi = b + dim;
  float* __restrict orr = out;
  float* __restrict oi = out + dim;
  if (c == 1.0f) {
    for (size_t i = 0; i < dim; ++i) {
      orr[i] = ar[i] * br[i] - ai[i] * bi[i];
      oi[i] = ar[i] * bi[i] + ai[i] * br[i];
    }
    return;
  }
  for (size_t i = 0; i < dim; ++i) {
    const float tr = ar[i] * br[i] - ai[i] * bi[i];
    const float ti = ar[i] * bi[i] + ai[i] * br[i];
    orr[i] = c * tr;
    oi[i] = c * ti;
  }
}

void cmul_axpy(float c, const float* a, const float* b, float* acc, size_t dim) {
  const float* __restrict ar = a;
  const float* __restrict ai = a + dim;
  const float* __restrict br = b;
  const float* __restrict bi = b + dim;
  float* __restrict sr = acc;
  float* __restrict si = acc + dim;
  if (c == 1.0f) {  // 1 * t == t exactly: skip the multiply
    for (size_t i = 0; i < dim; ++i) {
      sr[i] = sr[i] + (ar[i] * br[i] - ai[i] * bi[i]);
      si[i] = si[i] + (ar[i] * bi[i] + ai[i] * br[i]);
    }
    return;
  }
  for (size_t i = 0; i < dim; ++i) {
    const float tr = ar[i] * br[i] - ai[i] * bi[i];
    const float ti = ar[i] * bi[i] + ai[i] * br[i];
    sr[i] = sr[i] + c * tr;
    si[i] = si[i] + c * ti;
  }
}

#if defined(__AVX512F__) || defined(__AVX2__)
#if defined(__AVX512F__)
using VecF = __m512;
constexpr size_t kLanes = 16;
inline VecF vload(const float* p) { return _mm512_loadu_ps(p); }
inline void vstore(float* p, VecF v) { _mm512_storeu_ps(p, v); }
inline VecF vmul(VecF x, VecF y) { return _mm512_mul_ps(x, y); }
inline VecF vadd(VecF x, VecF y) { return _mm512_add_ps(x, y); }
inline VecF vsub(VecF x, VecF y) { return _mm512_sub_ps(x, y); }
inline VecF vset(float x) { return _mm512_set1_ps(x); }
inline void vstream(float* p, VecF v) { _mm512_stream_ps(p, v); }  // p 64-byte aligned
#else
using VecF = __m256;
constexpr size_t kLanes = 8;
inline VecF vload(const float* p) { return _mm256_loadu_ps(p); }
inline void vstore(float* p, VecF v) { _mm256_storeu_ps(p, v); }
inline VecF vmul(VecF x, VecF y) { return _mm256_mul_ps(x, y); }
inline VecF vadd(VecF x, VecF y) { return _mm256_add_ps(x, y); }
inline VecF vsub(VecF x, VecF y) { return _mm256_sub_ps(x, y); }
inline VecF vset(float x) { return _mm256_set1_ps(x); }
inline void vstream(float* p, VecF v) { _mm256_stream_ps(p, v); }  // p 32-byte aligned
#endif

void cmul_sum(const float* const* a, const float* const* b, const float* c, size_t k, bool init, float* acc,
              size_t dim) {
  const size_t full = dim / kLanes * kLanes;
  for (size_t i = 0; i < full; i += kLanes) {
    VecF sr, si;
    size_t j = 0;
    if (init) {
      const float* x = a[0];
      const float* y = b[0];
      const VecF ar = vload(x + i), ai = vload(x + dim + i), br = vload(y + i), bi = vload(y + dim + i);
      sr = vsub(vmul(ar, br), vmul(ai, bi));
      si = vadd(vmul(ar, bi), vmul(ai, br));
      if (c[0] != 1.0f) {
        sr = vmul(vset(c[0]), sr);
        si = vmul(vset(c[0]), si);
      }
      j = 1;
    } else {
      sr = vload(acc + i);
      si = vload(acc + dim + i);
    }
    for (; j < k; ++j) {
      const float* x = a[j];
      const float* y = b[j];
      const VecF ar = vload(x + i), ai = vload(x + dim + i), br = vload(y + i), bi = vload(y + dim + i);
      VecF tr = vsub(vmul(ar, br), vmul(ai, bi));
      VecF ti = vadd(vmul(ar, bi), vmul(ai, br));
      if (c[j] != 1.0f) {
        tr = vmul(vset(c[j]), tr);
        ti = vmul(vset(c[j]), ti);
      }
      sr = vadd(sr, tr);
      si = vadd(si, ti);
    }
    vstore(acc + i, sr);
    vstore(acc + dim + i, si);
  }
  // The last dim % kLanes components, one at a time with the same operations.
  for (size_t i = full; i < dim; ++i) {
    float sr, si;
    size_t j = 0;
    if (init) {
      const float *x = a[0], *y = b[0];
      sr = x[i] * y[i] - x[dim + i] * y[dim + i];
      si = x[i] * y[dim + i] + x[dim + i] * y[i];
      if (c[0] != 1.0f) {
        sr = c[0] * sr;
        si = c[0] * si;
      }
      j = 1;
    } else {
      sr = acc[i];
      si = acc[dim + i];
    }
    for (; j < k; ++j) {
      const float *x = a[j], *y = b[j];
      const float tr = x[i] * y[i] - x[dim + i] * y[dim + i];
      const float ti = x[i] * y[dim + i] + x[dim + i] * y[i];
      sr = sr + (c[j] != 1.0f ? c[j] * tr : tr);
      si = si + (c[j] != 1.0f ? c[j] * ti : ti);
    }
    acc[i] = sr;
    acc[dim + i] = si;
  }
}
#else
// Term by term: the same operations in the same order per component.
void cmul_sum(const float* const* a, const float* const* b, const float* c, size_t k, bool init, float* acc,
              size_t dim) {
  size_t j = 0;
  if (init) {
    cmul_scaled(c[0], a[0], b[0], acc, dim);
    j = 1;
  }
  for (; j < k; ++j) cmul_axpy(c[j], a[j], b[j], acc, dim);
}
#endif

void mul_scaled(float c, const float* __restrict a, const float* __restrict b, float* __restrict out, size_t n) {
  if (c == 1.0f) {
    for (size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = c * (a[i] * b[i]);
}

void mul_axpy(float c, const float* __restrict a, const float* __restrict b, float* __restrict acc, size_t n) {
  if (c == 1.0f) {
    for (size_t i = 0; i < n; ++i) acc[i] = acc[i] + a[i] * b[i];
    return;
  }
  for (size_t i = 0; i < n; ++i) acc[i] = acc[i] + c * (a[i] * b[i]);
}

void scale(float c, const float* __restrict x, float* __restrict out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = c * x[i];
}

void store_scaled(const float* __restrict x, float s, float* __restrict out, size_t n, bool stream) {
#if defined(__AVX512F__) || defined(__AVX2__)
  // Streaming stores skip reading the destination lines into the cache first
  // (the output of a batch is written once and not read back here). numpy
  // puts a large array 16 bytes past a page boundary, so the row's first
  // partial cache line takes plain stores, and the rest streams.
  if (stream && (reinterpret_cast<std::uintptr_t>(out) & 3u) == 0 && n >= 2 * 64 / sizeof(float)) {
    size_t i = 0;
    const size_t head = ((64 - (reinterpret_cast<std::uintptr_t>(out) & 63u)) & 63u) / sizeof(float);
    for (; i < head; ++i) out[i] = x[i] * s;
    const VecF sv = vset(s);
    for (; i + kLanes <= n; i += kLanes) vstream(out + i, vmul(vload(x + i), sv));
    for (; i < n; ++i) out[i] = x[i] * s;
    return;
  }
#else
  (void)stream;
#endif
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * s;
}

void store_fence() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_sfence();
#endif
}

// squared_norm's last steps: the 8 partial sums combined in the rules' order, then the tail.
inline double combine_norm(const double acc[8], const float* v, size_t i, size_t n) {
  double total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) total += double(v[i]) * double(v[i]);
  return total;
}

double squared_norm(const float* v, size_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
#if defined(__AVX512F__)
  // One lane per partial sum: lane j adds v[i + j]^2 in index order, as the rule says.
  __m512d s = _mm512_setzero_pd();
  for (; i + 8 <= n; i += 8) {
    const __m512d x = _mm512_cvtps_pd(_mm256_loadu_ps(v + i));
    s = _mm512_add_pd(s, _mm512_mul_pd(x, x));
  }
  _mm512_storeu_pd(acc, s);
#elif defined(__AVX2__)
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  for (; i + 8 <= n; i += 8) {
    const __m256d x0 = _mm256_cvtps_pd(_mm_loadu_ps(v + i));
    const __m256d x1 = _mm256_cvtps_pd(_mm_loadu_ps(v + i + 4));
    s0 = _mm256_add_pd(s0, _mm256_mul_pd(x0, x0));
    s1 = _mm256_add_pd(s1, _mm256_mul_pd(x1, x1));
  }
  _mm256_storeu_pd(acc, s0);
  _mm256_storeu_pd(acc + 4, s1);
#else
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += double(v[i + j]) * double(v[i + j]);
#endif
  return combine_norm(acc, v, i, n);
}

void squared_norm2(const float* a, const float* b, size_t n, double out[2]) {
#if defined(__AVX512F__)
  // squared_norm's AVX-512 loop for both vectors, one accumulator each.
  double acc_a[8], acc_b[8];
  __m512d sa = _mm512_setzero_pd(), sb = _mm512_setzero_pd();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d xa = _mm512_cvtps_pd(_mm256_loadu_ps(a + i));
    const __m512d xb = _mm512_cvtps_pd(_mm256_loadu_ps(b + i));
    sa = _mm512_add_pd(sa, _mm512_mul_pd(xa, xa));
    sb = _mm512_add_pd(sb, _mm512_mul_pd(xb, xb));
  }
  _mm512_storeu_pd(acc_a, sa);
  _mm512_storeu_pd(acc_b, sb);
  out[0] = combine_norm(acc_a, a, i, n);
  out[1] = combine_norm(acc_b, b, i, n);
#else
  out[0] = squared_norm(a, n);
  out[1] = squared_norm(b, n);
#endif
}

void xor_axpy_bits(float c, const uint64_t* a, const uint64_t* b, float* __restrict acc, size_t nbits) {
  const float neg = -c;
  for (size_t j = 0; j < nbits / 64; ++j) {
    const uint64_t word = b ? a[j] ^ b[j] : a[j];
    float* s = acc + j * 64;
#if defined(__AVX512F__)
    const __m512 pv = _mm512_set1_ps(c), nv = _mm512_set1_ps(neg);
    for (int h = 0; h < 4; ++h) {
      const __mmask16 m = __mmask16(word >> (16 * h));
      _mm512_storeu_ps(s + 16 * h, _mm512_add_ps(_mm512_loadu_ps(s + 16 * h), _mm512_mask_blend_ps(m, pv, nv)));
    }
#else
    for (int k = 0; k < 64; ++k) s[k] = s[k] + (((word >> k) & 1u) ? neg : c);
#endif
  }
}

void count_votes(const uint64_t* __restrict a, const uint64_t* __restrict b, uint64_t flip, uint64_t* __restrict planes,
                 int nplanes, uint64_t* __restrict carry, size_t words) {
  if (b)
    for (size_t w = 0; w < words; ++w) carry[w] = a[w] ^ b[w] ^ flip;
  else
    for (size_t w = 0; w < words; ++w) carry[w] = a[w] ^ flip;
  for (int q = 0; q < nplanes; ++q) {
    uint64_t* __restrict plane = planes + size_t(q) * words;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t next = plane[w] & carry[w];
      plane[w] ^= carry[w];
      carry[w] = next;
    }
  }
}

void count_majority(const uint64_t* __restrict planes, int nplanes, uint32_t voters, const uint64_t* __restrict tie,
                    uint64_t* __restrict eq, uint64_t* __restrict out, size_t words) {
  // Bit-sliced comparison with half = voters / 2 from the top plane down:
  // out collects "greater", eq "equal so far".
  const uint32_t half = voters / 2;
  const uint64_t even = voters % 2 == 0 ? ~uint64_t(0) : 0;
  for (size_t w = 0; w < words; ++w) {
    out[w] = 0;
    eq[w] = ~uint64_t(0);
  }
  for (int q = nplanes - 1; q >= 0; --q) {
    const uint64_t* __restrict plane = planes + size_t(q) * words;
    if ((half >> q) & 1u) {
      for (size_t w = 0; w < words; ++w) eq[w] &= plane[w];
    } else {
      for (size_t w = 0; w < words; ++w) {
        out[w] |= eq[w] & plane[w];
        eq[w] &= ~plane[w];
      }
    }
  }
  for (size_t w = 0; w < words; ++w) out[w] |= eq[w] & tie[w] & even;
}

void majority_bits(const float* counts, const uint64_t* tie, uint64_t* out, size_t words) {
  for (size_t j = 0; j < words; ++j) {
    uint64_t word = 0;
#if defined(__AVX512F__)
    const __m512 zero = _mm512_setzero_ps();
    for (int h = 0; h < 4; ++h) {
      const __m512 s = _mm512_loadu_ps(counts + j * 64 + 16 * h);
      const uint64_t lt = _mm512_cmp_ps_mask(s, zero, _CMP_LT_OQ);
      const uint64_t gt = _mm512_cmp_ps_mask(s, zero, _CMP_GT_OQ);
      word |= ((lt | (~lt & ~gt & (tie[j] >> (16 * h)))) & 0xffffu) << (16 * h);
    }
#else
    for (int k = 0; k < 64; ++k) {
      const float s = counts[j * 64 + k];
      const uint64_t bit = s < 0.0f ? 1u : (s > 0.0f ? 0u : ((tie[j] >> k) & 1u));
      word |= bit << k;
    }
#endif
    out[j] = word;
  }
}

const deltaform::encode::VectorKernels& table() {
  static const deltaform::encode::VectorKernels t{
      cmul_scaled, cmul_axpy, cmul_sum, mul_scaled, mul_axpy, scale, store_scaled, store_fence,
      squared_norm, squared_norm2, xor_axpy_bits, count_votes, count_majority, majority_bits,
  };
  return t;
}

}  // namespace deltaform::isa_impl::DF_ISA::encode_kernels

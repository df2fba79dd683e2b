// SIMD kernels for the avx512 path (filled in by the core).

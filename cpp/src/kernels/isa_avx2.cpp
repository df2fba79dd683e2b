// SIMD kernels for the avx2 path (filled in by the core).

// SIMD kernels for the scalar path (filled in by the core).

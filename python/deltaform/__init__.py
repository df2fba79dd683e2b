"""deltaform: Δ-formulas, holographic vectors and an associative memory addressed by Δ."""

from deltaform import ast
from deltaform.space import (
    ALGEBRAS,
    CODEBOOK_VERSION,
    Space,
    set_simd_path,
    simd_path,
    supported_simd_paths,
)

__all__ = [
    "ast",
    "ALGEBRAS",
    "CODEBOOK_VERSION",
    "Space",
    "set_simd_path",
    "simd_path",
    "supported_simd_paths",
]
__version__ = "0.1.0"

"""deltaform: Δ-formulas, holographic vectors and an associative memory addressed by Δ."""

from deltaform import ast
from deltaform.formula import (
    FormulaError, ParseResult, parse, parse_expr, parse_file, parse_many,
)
from deltaform.registry import Registry
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
    "FormulaError", "ParseResult", "parse", "parse_expr", "parse_file", "parse_many",
    "Registry",
    "ALGEBRAS",
    "CODEBOOK_VERSION",
    "Space",
    "set_simd_path",
    "simd_path",
    "supported_simd_paths",
]
__version__ = "0.1.0"

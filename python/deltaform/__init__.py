"""deltaform: Δ-formulas, holographic vectors and an associative memory addressed by Δ."""

from deltaform import ast
from deltaform.formula import (
    FormulaError, ParseResult, parse, parse_expr, parse_file, parse_many,
)
from deltaform.decoding import Cleanup, Decoded, decode, decode_many, query
from deltaform.memory import Memory
from deltaform.registry import Registry
from deltaform.result_memory import kept_results, release_kept_results, set_kept_result_limit
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
    "Cleanup", "Decoded", "decode", "decode_many", "query",
    "FormulaError", "ParseResult", "parse", "parse_expr", "parse_file", "parse_many",
    "Memory",
    "Registry",
    "kept_results", "release_kept_results", "set_kept_result_limit",
    "ALGEBRAS",
    "CODEBOOK_VERSION",
    "Space",
    "set_simd_path",
    "simd_path",
    "supported_simd_paths",
]
__version__ = "0.1.0"

"""Thinking with the memory: operations over stored formulas (§9.6–9.8)."""

from deltaform.thinking.match import Match, candidate_rows, match, match_expr, parse_pattern
from deltaform.thinking.generalize import generalize, generalize_exprs

__all__ = [
    "Match", "match", "match_expr", "parse_pattern", "candidate_rows",
    "generalize", "generalize_exprs",
]

"""Thinking with the memory (§9.6–9.8): operations over many stored formulas at
once — metaformulas, associative flashes, fusion, stable couplings, symbols and
pictures."""

from deltaform.thinking.condense import ALCHEMICAL, Condensed, Symbol, condense
from deltaform.thinking.consolidate import Consolidation, Coupling, consolidate, couplings
from deltaform.thinking.flash import FlashItem, flash
from deltaform.thinking.fuse import Fusion, fuse
from deltaform.thinking.generalize import generalize, generalize_exprs
from deltaform.thinking.graph import Graph, graph, show_tree
from deltaform.thinking.match import Match, candidate_rows, match, match_expr, parse_pattern

__all__ = [
    "Match", "match", "match_expr", "parse_pattern", "candidate_rows", "generalize", "generalize_exprs",
    "flash", "FlashItem", "fuse", "Fusion", "consolidate", "couplings", "Coupling", "Consolidation",
    "condense", "Condensed", "Symbol", "ALCHEMICAL", "graph", "Graph", "show_tree",
]

"""Thinking with the memory: operations over many stored formulas at once —
associative flashes, fusion, stable couplings, symbols and pictures."""

from deltaform.thinking.condense import ALCHEMICAL, Condensed, Symbol, condense
from deltaform.thinking.consolidate import Consolidation, Coupling, consolidate, couplings
from deltaform.thinking.flash import FlashItem, flash
from deltaform.thinking.fuse import Fusion, fuse
from deltaform.thinking.graph import Graph, graph, show_tree

__all__ = [
    "flash", "FlashItem", "fuse", "Fusion", "consolidate", "couplings", "Coupling", "Consolidation",
    "condense", "Condensed", "Symbol", "ALCHEMICAL", "graph", "Graph", "show_tree",
]

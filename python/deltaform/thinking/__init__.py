"""Thinking with the memory: operations over many stored formulas at once."""

from deltaform.thinking.condense import ALCHEMICAL, Condensed, Symbol, condense
from deltaform.thinking.graph import Graph, graph, show_tree

"""deltaform: Δ-formulas, holographic vectors and an associative memory addressed by Δ."""

from deltaform import ast

__all__ = ["ast"]
__version__ = "0.1.0"

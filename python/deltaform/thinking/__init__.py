"""Thinking with the memory: flashes, fusion, consolidation of stable couplings."""

from deltaform.thinking.flash import FlashItem, flash
from deltaform.thinking.fuse import Fusion, fuse
from deltaform.thinking.consolidate import Consolidation, Coupling, consolidate, couplings

__all__ = ["flash", "FlashItem", "fuse", "Fusion", "consolidate", "couplings", "Coupling", "Consolidation"]

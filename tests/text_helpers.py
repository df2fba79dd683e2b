"""Shared data paths and cached measurements for the text-side tests."""

from __future__ import annotations

import functools
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "text"


@functools.lru_cache(maxsize=None)
def formulas() -> list[dict]:
    from deltaform.text.quality import load_formulas
    return load_formulas(DATA / "formulas.jsonl")


@functools.lru_cache(maxsize=None)
def renderings() -> list[tuple[dict, list[str]]]:
    """Every corpus formula with its five phrasings (seed 7)."""
    from deltaform.text import render
    return [(e, render(e["formula"], e["lang"], n=5, seed=7)) for e in formulas()]

"""The text side of deltaform: scene → formula, fused words, formula → text.

Everything heavy (morphological dictionaries, frequency lists) loads on first
use, so importing this package is cheap. Needs the ``text`` extra:
``pip install 'deltaform[text]'``.

- :func:`extract` — a scene's core concepts as a formula (§9.6.1)
- :func:`split_fused` — a fused word split into atoms (§9.2.4)
- :func:`flows` — the transitions a scene says, as stages (вода → лёд)
- :func:`render` — several phrasings of a formula (§9.5.1–9.5.2), optionally with
  near neighbours of atoms from a grounding (:class:`Neighbours`)
- :func:`detect_language` — ``"ru"`` or ``"en"``
- :func:`cli_extract`, :func:`cli_split`, :func:`cli_render` — printable results for the CLI
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._lang import detect_language

_LAZY = {
    "extract": ".scene",
    "concepts": ".scene",
    "flows": ".scene",
    "Neighbours": ".neighbours",
    "Concept": ".scene",
    "split_fused": ".fused",
    "Split": ".fused",
    "SplitResult": ".fused",
    "CannotSplit": ".fused",
    "render": ".phrasing",
    "cli_extract": ".cli",
    "cli_split": ".cli",
    "cli_render": ".cli",
}

__all__ = ["detect_language", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

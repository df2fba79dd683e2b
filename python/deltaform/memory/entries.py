"""What the memory hands back: :class:`Entry` (a stored formula version) and :class:`Hit` (a search result)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from deltaform.ast import definition_text  # the printer's one rule for a definition's text
from deltaform.memory.records import Facts

__all__ = ["Entry", "Hit", "entry_from_row", "definition_text"]


@dataclass(frozen=True)
class Entry:
    """One stored version of a formula."""
    address: str
    version: int
    current: bool
    kind: str                 # formula | symbol | parametric
    expr: str                 # canonical expression text
    params: tuple[str, ...]
    scene: str | None
    facts: Facts
    source: str | None
    line: int | None
    added: float              # unix time
    batch: int
    row: int                  # row of the vector file
    encoded: bool = True      # the vector is the encoder's output for the formula (False: given as is)

    @property
    def formula(self) -> str:
        """The canonical definition text, ``Δ12 = expr = scene``."""
        return definition_text(self.address, self.params, self.expr, self.scene)

    def to_json(self) -> dict:
        return {
            "address": self.address, "version": self.version, "current": self.current, "kind": self.kind,
            "formula": self.formula, "expr": self.expr, "params": list(self.params), "scene": self.scene,
            "facts": self.facts.to_json(), "source": self.source, "line": self.line, "added": self.added,
            "batch": self.batch, "row": self.row, "encoded": self.encoded,
        }


def entry_from_row(r: tuple) -> Entry:
    row, address, version, current, kind, params, expr, scene, facts, source, line, added, batch, encoded = r
    return Entry(address=address, version=version, current=bool(current), kind=kind, expr=expr,
                 params=tuple(json.loads(params)) if params else (), scene=scene,
                 facts=Facts.from_json(json.loads(facts)), source=source, line=line, added=added,
                 batch=batch, row=row, encoded=bool(encoded))


@dataclass(frozen=True)
class Hit:
    """One search result: the address, its similarity to the query, and what is stored there."""
    address: str
    similarity: float
    formula: str              # canonical definition text
    scene: str | None
    row: int
    version: int = 1

    def __str__(self) -> str:
        return f"{self.similarity:+.3f}  {self.formula}"

"""Fusion of formulas (§9.6.3): one new formula that couples formulas of different fields.

    fuse(mem, "Δ12", "Δ40", fields=["природа", "музыка"])
    # Δ41 = природа: Δ12 + музыка: Δ40

Structurally the sources are kept whole: each under its field role
(``field: Δa``), or, when every source fills the same schema and no fields are
given, merged role by role (``сцена(вода + огонь, весна + лето, …)``), or else
bundled as references (``Δa + Δb``). Weights become densities (``0.7*field: Δa``).
The vector is the encoder's output for that formula against the memory: the
weighted bundle of the sources (under their roles). The formula is stored like
any other; its provenance (sources, fields, weights, mode) goes to the
``fusions`` table of the catalogue in the same transaction (both or neither), and its links to the sources become edges
of the coupling graph that :func:`deltaform.thinking.flash` spreads over.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Sequence

from deltaform import ast
from deltaform.formula import parse_expr
from deltaform.memory.errors import UnknownAddressError
from deltaform.thinking.incidence import ensure_tables

__all__ = ["fuse", "Fusion", "fusion_formula"]


@dataclass(frozen=True)
class Fusion:
    """A stored fusion: its address, the formula text, and where it came from."""
    address: str
    formula: str
    sources: tuple[str, ...]
    fields: tuple[str, ...] | None
    weights: tuple[float, ...] | None
    mode: str                      # fields | schema | bundle

    def __str__(self) -> str:
        return self.formula


def _address(text: str) -> str:
    text = text.strip()
    return "Δ" + text[1:] if text.startswith("@") else text


def _weighted(expr: ast.Expr, weight: float | None) -> ast.Expr:
    return expr if weight is None or weight == 1.0 else ast.Weight(float(weight), expr)


def _bundle(terms: Sequence[ast.Expr]) -> ast.Expr:
    return terms[0] if len(terms) == 1 else ast.Bundle(tuple(terms), (1,) * len(terms))


def _source_node(address: str) -> ast.Expr:
    return ast.Glyph(address) if not address.startswith("Δ") else ast.Ref(address)


def fusion_formula(memory: Any, sources: Sequence[str], fields: Sequence[str] | None = None,
                   weights: Sequence[float] | None = None) -> tuple[ast.Expr, str]:
    """The expression of a fusion and its mode, without storing anything."""
    sources = [_address(s) for s in sources]
    if len(sources) < 2:
        raise ValueError(f"fuse needs at least two formulas, got {len(sources)}")
    if len(set(sources)) != len(sources):
        raise ValueError(f"fuse got the same formula twice: {', '.join(sources)}")
    if fields is not None and len(fields) != len(sources):
        raise ValueError(f"fuse got {len(sources)} formulas but {len(fields)} fields")
    if weights is not None:
        if len(weights) != len(sources):
            raise ValueError(f"fuse got {len(sources)} formulas but {len(weights)} weights")
        for w in weights:
            if not (float(w) >= 0.0) or float(w) == float("inf"):
                raise ValueError(f"a fusion weight must be a finite number >= 0, got {w!r}")
    entries = []
    for s in sources:
        try:
            entries.append(memory.get(s))
        except UnknownAddressError:
            raise UnknownAddressError(f"fuse: {s} is not in the memory {memory.path}") from None
        if entries[-1].kind == "parametric":
            raise ValueError(f"fuse: {s} is a parametric formula; apply it first (Δ{s[1:]}(…))")
    ws = list(weights) if weights is not None else [None] * len(sources)
    if fields is not None:
        terms = []
        for s, f, w in zip(sources, fields, ws):
            f = str(f).strip()
            if not f or any(c in f for c in ":()+*,=→") or f != " ".join(f.split()):
                raise ValueError(f"fuse: field {f!r} is not a role name (a word)")
            terms.append(_weighted(ast.Layer(f, _source_node(s)), w))
        return _bundle(terms), "fields"
    parsed = [parse_expr(e.expr) for e in entries]
    if all(isinstance(p, ast.SchemaCall) for p in parsed) and \
            len({ast.normalize_name(p.schema) for p in parsed}) == 1 and len({len(p.args) for p in parsed}) == 1:
        args = tuple(_bundle([_weighted(p.args[i], w) for p, w in zip(parsed, ws)])
                     for i in range(len(parsed[0].args)))
        return ast.SchemaCall(parsed[0].schema, args), "schema"
    return _bundle([_weighted(_source_node(s), w) for s, w in zip(sources, ws)]), "bundle"


def record_fusion(con: sqlite3.Connection, address: str, sources: str, fields: str | None, weights: str | None,
                  mode: str) -> None:
    """Write a fusion's provenance row (JSON columns), inside the transaction that stores its formula."""
    ensure_tables(con)
    (row,) = con.execute("SELECT row FROM formulas WHERE address=? AND current=1", (address,)).fetchone()
    con.execute("INSERT OR REPLACE INTO fusions(address, row, sources, fields, weights, mode, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (address, row, sources, fields, weights, mode, time.time()))


def fuse(memory: Any, *sources: str, fields: Sequence[str] | None = None, weights: Sequence[float] | None = None,
         address: str | None = None, scene: str | None = None) -> Fusion:
    """Fuse the formulas at ``sources`` into a new stored formula; returns it with its provenance.

    ``fields``: a role for each source (``field: Δa``). Without fields, sources
    that all fill one schema are merged role by role, others bundled.
    ``weights``: a density for each source. ``address``: where to store it
    (default: the next free Δn). ``scene``: its text.
    """
    expr, mode = fusion_formula(memory, sources, fields, weights)
    target = _address(address) if address else None
    if target is not None:
        stmt: ast.Node = ast.Definition(target, expr, (), scene)
    else:
        stmt = ast.Anonymous(expr, scene)
    srcs = tuple(_address(s) for s in sources)
    provenance = (json.dumps(list(srcs), ensure_ascii=False),
                  json.dumps(list(fields), ensure_ascii=False) if fields is not None else None,
                  json.dumps([float(w) for w in weights]) if weights is not None else None, mode)
    # The provenance is written in the formula's own transaction: both are stored, or neither.
    stored = memory.add_many([stmt], also=lambda con, addresses: record_fusion(con, addresses[0], *provenance))[0]
    entry = memory.get(stored)
    return Fusion(address=stored, formula=entry.formula, sources=srcs,
                  fields=tuple(fields) if fields is not None else None,
                  weights=tuple(float(w) for w in weights) if weights is not None else None, mode=mode)

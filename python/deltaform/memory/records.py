"""What the store takes in: a :class:`Record` per formula, already encoded.

The store does not parse or encode; :mod:`deltaform.memory.ingest` turns text
into records. A record carries the canonical expression text (enough to rebuild
the syntax tree), the scene, the vector, and the *facts* used by filters: the
atoms, roles and schemas written in the formula and the rows it refers to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltaform import _core, ast
from deltaform.memory.background import Background

__all__ = ["Record", "SchemaRecord", "Batch", "Facts", "facts_of", "scan", "terms_of", "KINDS"]

KINDS = ("formula", "symbol", "parametric")


@dataclass
class Facts:
    """What a formula mentions: atom keys, role names, schema names, references, variables."""
    atoms: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    refs: dict[str, int | None] = field(default_factory=dict)   # address -> vector row it was encoded with
    vars: list[str] = field(default_factory=list)
    inherited: list[str] = field(default_factory=list)          # atoms reached through refs, not written here

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"atoms": self.atoms}
        for name in ("roles", "schemas", "refs", "vars", "inherited"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Facts":
        return cls(atoms=list(data.get("atoms", ())), roles=list(data.get("roles", ())),
                   schemas=list(data.get("schemas", ())), refs=dict(data.get("refs", {})),
                   vars=list(data.get("vars", ())), inherited=list(data.get("inherited", ())))


@dataclass
class Record:
    """One formula to store: its vector and what is needed to show, filter and rebuild it.

    ``address`` None means anonymous: the memory gives it the next free ``Δn``.
    ``expr`` is the canonical text of the expression (for a parametric formula,
    its body), ``params`` the parameter names of a parametric definition.
    """
    vector: np.ndarray
    expr: str
    address: str | None = None
    scene: str | None = None
    kind: str = "formula"
    params: tuple[str, ...] = ()
    facts: Facts = field(default_factory=Facts)
    source: str | None = None
    line: int | None = None


@dataclass
class SchemaRecord:
    """A schema declaration ``schema name(role, …)``; stored in the catalogue, no vector row."""
    name: str
    roles: tuple[str, ...]
    source: str | None = None
    line: int | None = None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def facts_of(node: ast.Node) -> Facts:
    """The facts of a statement or expression, read from its syntax tree."""
    return scan(node)[0]


def scan(node: ast.Node) -> tuple[Facts, set[str]]:
    """(facts, addresses applied with arguments) of a statement or expression.

    The core reads them (the same rule serves :func:`deltaform._core.formula_digest`
    for text): atoms, roles and schemas normalised, every list unique in
    first-seen order, a parametric definition's parameters left out of the atoms.
    """
    atoms, roles, schemas, refs, vars_, applied, _ = _core.formula_scan(node)
    return Facts(atoms=atoms, roles=roles, schemas=schemas, refs=dict.fromkeys(refs), vars=vars_), set(applied)


def terms_of(facts: Facts) -> list[str]:
    """The filter terms of a formula ('a:atom', 's:schema', 'r:role', 'd:Δ12' for a reference or glyph);
    atoms include inherited ones."""
    atoms = _unique(facts.atoms + facts.inherited)
    return ([f"a:{a}" for a in atoms] + [f"s:{s}" for s in facts.schemas]
            + [f"r:{r}" for r in facts.roles] + [f"d:{d}" for d in facts.refs])


@dataclass
class Batch:
    """A batch in column form: what :meth:`WriteSession.commit` stores in one transaction.

    Every list has one entry per row of ``vectors``; optional columns left None
    mean "formula" kind, no parameters, no source/line. ``facts`` (full facts) or
    ``atoms`` (atoms only, the fast path) feed the filters.
    """
    vectors: np.ndarray | None
    exprs: list[str]
    addresses: list[str | None]
    scenes: list[str | None]
    kinds: list[str] | None = None
    params: list[tuple[str, ...]] | None = None
    facts: list[Facts] | None = None
    atoms: list[list[str]] | None = None
    sources: list[str | None] | None = None
    lines: list[int | None] | None = None
    encoded: bool = False          # the vectors are the encoder's output for exprs
    # Made in the core by the digest (deltaform._core.formula_digest): the stored facts JSON of each
    # row whose facts have no refs and vars (None entry: the store writes it from ``facts``), and, when
    # no row has refs or vars, the filter terms grouped (term names, count per name, int64 array of
    # row indices grouped by name, increasing in each group), which then stand for ``facts``.
    facts_json: list[str | None] | None = None
    facts_terms: tuple[list[str], list[int], np.ndarray] | None = None
    # The encoder's output still being made on a thread (vectors is then None): the commit inserts
    # the catalogue rows meanwhile and waits for it before writing the vectors and committing.
    vectors_later: Background | None = None

    def __len__(self) -> int:
        return len(self.exprs)

    @classmethod
    def from_records(cls, records: "list[Record] | tuple[Record, ...]", width: int, dtype: np.dtype) -> "Batch":
        n = len(records)
        vectors = np.empty((n, width), dtype=dtype)
        for i, r in enumerate(records):
            v = np.asarray(r.vector)
            if v.shape != (width,):
                raise ValueError(f"record {i} ({r.address or r.expr[:40]}): vector of shape {v.shape}, "
                                 f"expected ({width},)")
            if v.dtype != dtype and (dtype == np.uint8 or v.dtype.kind not in "fiu"):
                raise TypeError(f"record {i}: vector dtype {v.dtype}, expected {dtype}")
            vectors[i] = v
        return cls(vectors=vectors, exprs=[r.expr for r in records], addresses=[r.address for r in records],
                   scenes=[r.scene for r in records], kinds=[r.kind for r in records],
                   params=[tuple(r.params) for r in records], facts=[r.facts for r in records],
                   sources=[r.source for r in records], lines=[r.line for r in records])

    def check(self) -> None:
        n = len(self.exprs)
        if self.vectors_later is not None:
            if self.vectors is not None or not self.encoded:
                raise ValueError("a batch with vectors_later holds the encoder's output still to come: "
                                 "vectors must be None and encoded True")
        elif self.vectors.ndim != 2 or self.vectors.shape[0] != n:
            raise ValueError(f"a batch of {n} formulas needs vectors of shape ({n}, width), got {self.vectors.shape}")
        for name in ("addresses", "scenes", "kinds", "params", "facts", "atoms", "sources", "lines", "facts_json"):
            col = getattr(self, name)
            if col is not None and len(col) != n:
                raise ValueError(f"batch column {name} has {len(col)} entries for {n} formulas")
        if self.facts_terms is not None:
            names, counts, rows = self.facts_terms
            if (self.facts_json is None or len(names) != len(counts) or sum(counts) != len(rows)
                    or (len(rows) and not 0 <= int(np.min(rows)) <= int(np.max(rows)) < n)):
                raise ValueError("batch facts_terms needs facts_json, a count per term name and row indices "
                                 f"in [0, {n})")
        if not set(map(type, self.exprs)) <= {str} or "" in self.exprs:   # the loop only to say where
            for i, e in enumerate(self.exprs):
                if not isinstance(e, str) or not e:
                    raise ValueError(f"row {i}: the expression text must be a non-empty str, got {e!r}")
        if self.kinds is not None:
            for i, k in enumerate(self.kinds):
                if k not in KINDS:
                    raise ValueError(f"row {i}: kind {k!r}, expected one of {', '.join(KINDS)}")

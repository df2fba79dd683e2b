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

from deltaform import ast

__all__ = ["Record", "SchemaRecord", "Facts", "facts_of", "terms_of", "KINDS"]

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
    atoms: list[str] = []
    roles: list[str] = []
    schemas: list[str] = []
    refs: list[str] = []
    vars_: list[str] = []
    for n in ast.walk(node):
        if isinstance(n, ast.Atom):
            atoms.append(n.key)
        elif isinstance(n, ast.Layer):
            roles.append(ast.normalize_name(n.role))
        elif isinstance(n, ast.SchemaCall):
            schemas.append(ast.normalize_name(n.schema))
        elif isinstance(n, ast.Ref):
            refs.append(n.address)
        elif isinstance(n, ast.Glyph):
            refs.append(n.symbol)
        elif isinstance(n, ast.Var):
            vars_.append(n.name)
    if isinstance(node, ast.Definition) and node.params:
        # Parameters appear as atoms in the body; they are placeholders, not concepts.
        params = {ast.normalize_name(p) for p in node.params}
        atoms = [a for a in atoms if a not in params]
    return Facts(atoms=_unique(atoms), roles=_unique(roles), schemas=_unique(schemas),
                 refs={r: None for r in _unique(refs)}, vars=_unique(vars_))


def terms_of(facts: Facts) -> list[str]:
    """The filter terms of a formula ('a:atom', 's:schema', 'r:role'); atoms include inherited ones."""
    atoms = _unique(facts.atoms + facts.inherited)
    return ([f"a:{a}" for a in atoms] + [f"s:{s}" for s in facts.schemas]
            + [f"r:{r}" for r in facts.roles])

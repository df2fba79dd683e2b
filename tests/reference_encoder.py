"""A plain-numpy reference encoder: the test oracle for the core's encoder.

It implements the project's encoding rules (ENCODING.md and the rules fixed on
top of it) from syntax-tree nodes with ordinary numpy arithmetic. Only the
codebook comes from the core (``space.atom``); binding, bundling, permuting and
scaling are written out here, so a bug in a core kernel cannot hide itself.

Values are carried as ``(coef, vec)``: a pending weight and a vector.

* fhrr: ``vec`` is complex128 (one unit phasor per component of an atom).
* map:  ``vec`` is float64 (±1 per component of an atom).
* bsc:  ``vec`` is int8 bipolar: +1 for bit 0, -1 for bit 1.

Weights fold into ``coef`` and are applied when the value enters a sum or is
used as an operand (float algebras); in bsc only sums look at ``coef`` (a sum is
a weighted majority; weights anywhere else have no effect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from deltaform import ast
from deltaform.ast import normalize_name

STEP = "\x00step"
SCHEMA = "\x00schema"
TIE = "\x00tie"


def VAR(name: str) -> str:
    return "\x00var:" + name


@dataclass
class _Value:
    coef: float
    vec: np.ndarray


class ReferenceEncoder:
    """Encodes nodes of one space given definitions (address → Definition or stored vector) and schemas."""

    def __init__(self, space, definitions=None, schemas=None) -> None:
        self.space = space
        self.algebra = space.algebra
        self.dim = space.dim
        self.definitions: dict[str, object] = {}
        for key, value in _items(definitions, "definitions"):
            self.definitions[key] = value
        self.schemas: dict[str, tuple[str, ...]] = {}
        for key, value in _items(schemas, "schemas"):
            self.schemas[normalize_name(key)] = tuple(value.roles if isinstance(value, ast.Schema) else value)
        self._stored: dict[str, np.ndarray] = {}  # address → stored-scale internal vector
        self._resolving: list[str] = []

    # ------------------------------------------------------------ conversions
    def to_internal(self, storage: np.ndarray) -> np.ndarray:
        v = np.asarray(storage)
        if self.algebra == "fhrr":
            return v[: self.dim].astype(np.float64) + 1j * v[self.dim :].astype(np.float64)
        if self.algebra == "map":
            return v.astype(np.float64)
        bits = np.unpackbits(v.astype(np.uint8), bitorder="little")[: self.dim]
        return (1 - 2 * bits.astype(np.int8)).astype(np.int8)

    def to_storage(self, vec: np.ndarray) -> np.ndarray:
        if self.algebra == "fhrr":
            return np.concatenate([vec.real, vec.imag]).astype(np.float32)
        if self.algebra == "map":
            return vec.astype(np.float32)
        return np.packbits((vec < 0).astype(np.uint8), bitorder="little")

    def atom(self, name: str) -> np.ndarray:
        return self.to_internal(self.space.atom(name))

    # ------------------------------------------------------------ algebra
    def bind(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        # fhrr: component-wise complex product; map: product; bsc: XOR = product of bipolar values.
        return a * b

    def inverse(self, a: np.ndarray) -> np.ndarray:
        return np.conj(a) if self.algebra == "fhrr" else a

    def permute(self, a: np.ndarray, k: int) -> np.ndarray:
        return np.roll(a, k)

    def materialize(self, v: _Value) -> np.ndarray:
        """The vector a value stands for when used as an operand (bsc ignores weights outside sums)."""
        return v.vec if self.algebra == "bsc" else v.coef * v.vec

    def sum(self, terms: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
        """Σ coef·vec; in bsc the weighted majority, exact ties taking the bit of E(TIE)."""
        if self.algebra != "bsc":
            total = terms[0][0] * terms[0][1]
            for coef, vec in terms[1:]:
                total = total + coef * vec
            return total
        votes = np.zeros(self.dim, dtype=np.float64)
        for coef, vec in terms:
            votes += coef * vec.astype(np.float64)
        out = np.sign(votes).astype(np.int8)
        ties = votes == 0
        out[ties] = self.atom(TIE)[ties]
        return out

    def scale_stored(self, vec: np.ndarray) -> np.ndarray:
        """A stored (top-level) vector has the squared norm of an atom, dim; zero stays zero."""
        if self.algebra == "bsc":
            return vec
        n2 = float(np.sum(np.abs(vec) ** 2))
        return vec if n2 == 0.0 else vec * np.sqrt(self.dim / n2)

    # ------------------------------------------------------------ statements
    def encode(self, node: ast.Node) -> np.ndarray:
        """The stored-scale vector of a statement or expression, in storage format."""
        return self.to_storage(self.stored(node))

    def stored(self, node: ast.Node) -> np.ndarray:
        if isinstance(node, ast.Schema):
            return self.scale_stored(self.bind(self.atom(SCHEMA), self.atom(node.name)))
        if isinstance(node, ast.Definition):
            body = node.expr
            if node.params:
                body = substitute(body, {normalize_name(p): ast.Var(p) for p in node.params})
            return self.scale_stored(self.materialize(self.value(body)))
        if isinstance(node, ast.Anonymous):
            node = node.expr
        return self.scale_stored(self.materialize(self.value(node)))

    def reference(self, address: str) -> np.ndarray:
        """The stored vector of a definition (address or glyph), encoded on first use."""
        if address in self._stored:
            return self._stored[address]
        if address not in self.definitions:
            raise KeyError(f"unknown reference {address}")
        if address in self._resolving:
            raise ValueError("cyclic reference: " + " → ".join(self._resolving + [address]))
        target = self.definitions[address]
        self._resolving.append(address)
        try:
            if isinstance(target, np.ndarray):
                vec = self.to_internal(target)
            elif isinstance(target, ast.Definition):
                if target.params:
                    raise ValueError(f"{address} is parametric: apply it with arguments")
                vec = self.stored(target)
            else:  # a bare expression
                vec = self.stored(target)
        finally:
            self._resolving.pop()
        self._stored[address] = vec
        return vec

    # ------------------------------------------------------------ expressions
    def value(self, node: ast.Expr) -> _Value:
        if isinstance(node, ast.Atom):
            return _Value(1.0, self.atom(node.name))
        if isinstance(node, ast.Var):
            return _Value(1.0, self.atom(VAR(node.name)))
        if isinstance(node, ast.Glyph):
            return _Value(1.0, self.reference(node.symbol))
        if isinstance(node, ast.Ref):
            if not node.args:
                return _Value(1.0, self.reference(node.address))
            return self.application(node)
        if isinstance(node, ast.Weight):
            v = self.value(node.expr)
            return _Value(v.coef * node.weight, v.vec)
        if isinstance(node, ast.Inverse):
            return _Value(1.0, self.inverse(self.materialize(self.value(node.expr))))
        if isinstance(node, ast.Layer):
            return _Value(1.0, self.bind(self.atom(node.role), self.materialize(self.value(node.filler))))
        if isinstance(node, ast.Bind):
            vec = self.materialize(self.value(node.factors[0]))
            for f in node.factors[1:]:
                vec = self.bind(vec, self.materialize(self.value(f)))
            return _Value(1.0, vec)
        if isinstance(node, ast.Bundle):
            terms = []
            for sign, term in zip(node.signs, node.terms):
                v = self.value(term)
                terms.append((sign * v.coef, v.vec))
            return _Value(1.0, self.sum(terms))
        if isinstance(node, ast.Flow):
            step = self.atom(STEP)
            terms = []
            for i, s in enumerate(node.steps):
                v = self.value(s)
                terms.append((v.coef, self.bind(self.permute(step, i), v.vec)))
            return _Value(1.0, self.sum(terms))
        if isinstance(node, ast.SchemaCall):
            key = normalize_name(node.schema)
            if key not in self.schemas:
                raise KeyError(f"unknown schema {node.schema!r}")
            roles = self.schemas[key]
            if len(roles) != len(node.args):
                raise ValueError(f"schema {node.schema} has {len(roles)} roles, got {len(node.args)} arguments")
            terms = [(1.0, self.bind(self.atom(SCHEMA), self.atom(node.schema)))]
            for role, arg in zip(roles, node.args):
                v = self.value(arg)
                terms.append((v.coef, self.bind(self.atom(role), v.vec)))
            return _Value(1.0, self.sum(terms))
        raise TypeError(f"not an expression node: {node!r}")

    def application(self, node: ast.Ref) -> _Value:
        target = self.definitions.get(node.address)
        if not isinstance(target, ast.Definition) or len(target.params) != len(node.args):
            raise ValueError(f"{node.address} is not a parametric formula of {len(node.args)} parameter(s)")
        mapping = {normalize_name(p): a for p, a in zip(target.params, node.args)}
        return _Value(1.0, self.materialize(self.value(substitute(target.expr, mapping))))


def substitute(node: ast.Expr, mapping: Mapping[str, ast.Expr]) -> ast.Expr:
    """Replaces unquoted atoms named in ``mapping`` (normalised names) by expressions; role names stay."""
    if isinstance(node, ast.Atom):
        return mapping.get(node.key, node) if not node.quoted else node
    if isinstance(node, (ast.Var, ast.Glyph)):
        return node
    if isinstance(node, ast.Ref):
        return ast.Ref(node.address, tuple(substitute(a, mapping) for a in node.args))
    if isinstance(node, ast.SchemaCall):
        return ast.SchemaCall(node.schema, tuple(substitute(a, mapping) for a in node.args))
    if isinstance(node, ast.Layer):
        return ast.Layer(node.role, substitute(node.filler, mapping))
    if isinstance(node, ast.Inverse):
        return ast.Inverse(substitute(node.expr, mapping))
    if isinstance(node, ast.Weight):
        return ast.Weight(node.weight, substitute(node.expr, mapping))
    if isinstance(node, ast.Bind):
        return ast.Bind(tuple(substitute(f, mapping) for f in node.factors))
    if isinstance(node, ast.Bundle):
        return ast.Bundle(tuple(substitute(t, mapping) for t in node.terms), node.signs)
    if isinstance(node, ast.Flow):
        return ast.Flow(tuple(substitute(s, mapping) for s in node.steps))
    raise TypeError(f"not an expression node: {node!r}")


def _items(source, what: str):
    """(key, value) pairs from a mapping or from a list of Definition / Schema statements."""
    if source is None:
        return []
    if isinstance(source, Mapping):
        return list(source.items())
    out = []
    for item in source:
        if isinstance(item, ast.Definition):
            out.append((item.target, item))
        elif isinstance(item, ast.Schema):
            out.append((item.name, item))
        else:
            raise TypeError(f"{what}: expected Definition or Schema statements, got {type(item).__name__}")
    return out


def encode(space, node: ast.Node, definitions=None, schemas=None) -> np.ndarray:
    """The vector of ``node`` at the stored scale, in the space's storage format.

    ``definitions``: address → ast.Definition, a bare expression, or a stored
    vector (storage format), or a list of Definition statements.
    ``schemas``: name → roles, or a list of ast.Schema statements.
    """
    return ReferenceEncoder(space, definitions, schemas).encode(node)

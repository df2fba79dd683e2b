"""A plain-numpy reference encoder: the test oracle for the core's encoder.

It implements the project's encoding rules (ENCODING.md, the rules fixed on top
of it, and their "Exact arithmetic" section) from syntax-tree nodes with
ordinary numpy arithmetic. Only the codebook comes from the core
(``space.atom``); binding, bundling, permuting and scaling are written out here,
so a bug in a core kernel cannot hide itself. Because the arithmetic is the
one the rules fix (float32 operations in a fixed order, the squared norm in
double with 8 interleaved partial sums), the core must match it bit for bit.

Values are carried as ``(coef, vec)``: a pending weight (a Python float, i.e.
double; nested weights multiply into it) and a vector.

* fhrr: ``vec`` is planar float32 (re-plane then im-plane), as stored.
* map:  ``vec`` is float32, as stored.
* bsc:  ``vec`` is uint8 with one 0/1 bit per component (unpacked).

A value's coefficient is applied once, as float32(coef), when the value is
"materialised" (used as an operand) or added to a sum. In bsc weights matter
only inside sums (a sum is a weighted majority).
"""

from __future__ import annotations

import math
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


class Overflow(ArithmeticError):
    """The vector of a formula is not finite in float32 (weights too large)."""


@dataclass
class _Value:
    coef: float
    vec: np.ndarray


def squared_norm(v: np.ndarray) -> float:
    """Σ float64(v_i)^2 in the fixed order the rules give (8 interleaved partial sums, then the tail)."""
    x = np.asarray(v, dtype=np.float32).astype(np.float64)
    full = len(x) // 8 * 8
    sq = x * x
    if full:
        # cumsum runs strictly in index order, like the core's loop.
        acc = [float(a) for a in np.cumsum(sq[:full].reshape(-1, 8), axis=0)[-1]]
    else:
        acc = [0.0] * 8
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    for t in sq[full:]:
        total += float(t)
    return total


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
        self._atoms: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------ conversions
    def to_internal(self, storage: np.ndarray) -> np.ndarray:
        v = np.asarray(storage)
        if self.algebra == "bsc":
            return np.unpackbits(v.astype(np.uint8), bitorder="little")[: self.dim].copy()
        return v.astype(np.float32).copy()

    def to_storage(self, vec: np.ndarray) -> np.ndarray:
        if self.algebra == "bsc":
            return np.packbits(vec.astype(np.uint8), bitorder="little")
        return vec.astype(np.float32)

    def atom(self, name: str) -> np.ndarray:
        if name not in self._atoms:
            self._atoms[name] = self.to_internal(self.space.atom(name))
        return self._atoms[name]

    # ------------------------------------------------------------ algebra
    def bind(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.algebra == "fhrr":
            d = self.dim
            ar, ai, br, bi = a[:d], a[d:], b[:d], b[d:]
            # float32 products, then one float32 add/subtract each: no fused multiply-add.
            return np.concatenate([ar * br - ai * bi, ar * bi + ai * br])
        if self.algebra == "map":
            return a * b
        return a ^ b

    def inverse(self, a: np.ndarray) -> np.ndarray:
        if self.algebra == "fhrr":
            return np.concatenate([a[: self.dim], -a[self.dim :]])
        return a

    def permute(self, a: np.ndarray, k: int) -> np.ndarray:
        if self.algebra == "fhrr":
            return np.concatenate([np.roll(a[: self.dim], k), np.roll(a[self.dim :], k)])
        return np.roll(a, k)

    def materialize(self, v: _Value) -> np.ndarray:
        """The vector a value stands for when used as an operand (bsc ignores weights outside sums)."""
        if self.algebra == "bsc" or v.coef == 1.0:
            return v.vec
        return np.float32(v.coef) * v.vec

    def sum(self, terms: Sequence[tuple[float, np.ndarray]]) -> np.ndarray:
        """Σ coef·vec in term order; in bsc the weighted majority, exact ties taking the bit of E(TIE)."""
        if self.algebra != "bsc":
            c0, v0 = terms[0]
            total = v0.copy() if c0 == 1.0 else np.float32(c0) * v0
            for coef, vec in terms[1:]:
                total = total + np.float32(coef) * vec
            return total
        counts = np.zeros(self.dim, dtype=np.float32)
        for coef, bits in terms:
            c = np.float32(coef)
            counts = counts + np.where(bits.astype(bool), -c, c).astype(np.float32)
        out = (counts < 0).astype(np.uint8)
        ties = ~(counts < 0) & ~(counts > 0)
        out[ties] = self.atom(TIE)[ties]
        return out

    def scale_stored(self, vec: np.ndarray) -> np.ndarray:
        """A stored (top-level) vector has the squared norm of an atom, dim; zero stays zero."""
        if self.algebra == "bsc":
            return vec
        n2 = squared_norm(vec)
        if not math.isfinite(n2):
            raise Overflow("the vector overflows float32")
        if not n2 > 0.0:
            return vec
        return vec * np.float32(math.sqrt(self.dim / n2))

    # ------------------------------------------------------------ statements
    def encode(self, node: ast.Node) -> np.ndarray:
        """The stored-scale vector of a statement or expression, in storage format."""
        with np.errstate(over="ignore", invalid="ignore"):  # large weights overflow float32 on purpose
            return self.to_storage(self.stored(node))

    def stored(self, node: ast.Node) -> np.ndarray:
        if isinstance(node, ast.Schema):
            return self.scale_stored(self.bind(self.atom(SCHEMA), self.atom(node.name)))
        if isinstance(node, ast.Definition):
            body = node.expr
            if node.params:
                body = substitute(body, {normalize_name(p): ast.Var(p) for p in node.params})
            self._ensure_references(body)
            return self.scale_stored(self.materialize(self.value(body)))
        if isinstance(node, ast.Anonymous):
            node = node.expr
        self._ensure_references(node)
        return self.scale_stored(self.materialize(self.value(node)))

    def _dependencies(self, node: ast.Node) -> list[str]:
        """Addresses a node needs stored first: references and glyphs, also inside applied templates."""
        out: list[str] = []
        seen_templates: set[str] = set()
        todo = [node]
        while todo:
            for n in ast.walk(todo.pop()):
                if isinstance(n, ast.Glyph):
                    out.append(n.symbol)
                elif isinstance(n, ast.Ref) and not n.args:
                    out.append(n.address)
                elif isinstance(n, ast.Ref) and n.address not in seen_templates:
                    seen_templates.add(n.address)
                    target = self.definitions.get(n.address)
                    if isinstance(target, ast.Definition):
                        todo.append(target.expr)
        return out

    def _ensure_references(self, node: ast.Node) -> None:
        """Stores every definition the node needs, deepest first, without recursion (chains may be long)."""
        for dep in self._dependencies(node):
            stack = [dep]
            while stack:
                address = stack[-1]
                if address in self._stored:
                    stack.pop()
                    continue
                if address not in self.definitions:
                    raise KeyError(f"unknown reference {address}")
                target = self.definitions[address]
                if isinstance(target, np.ndarray):
                    self._stored[address] = self.to_internal(target)
                    stack.pop()
                    continue
                if isinstance(target, ast.Definition) and target.params:
                    raise ValueError(f"{address} is parametric: apply it with arguments")
                body = target.expr if isinstance(target, ast.Definition) else target
                missing = [d for d in self._dependencies(body) if d not in self._stored]
                if missing:
                    if missing[0] in stack:
                        raise ValueError("cyclic reference: " + " → ".join(stack + [missing[0]]))
                    stack.append(missing[0])
                    continue
                self._stored[address] = self.scale_stored(self.materialize(self.value(body)))
                stack.pop()

    def reference(self, address: str) -> np.ndarray:
        """The stored vector of a definition (address or glyph)."""
        if address not in self._stored:
            self._ensure_references(ast.Ref(address))
        return self._stored[address]

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
                if self.algebra == "bsc":
                    terms.append((v.coef, self.bind(self.permute(step, i), v.vec)))
                else:
                    terms.append((1.0, self.bind(self.permute(step, i), self.materialize(v))))
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
                if self.algebra == "bsc":
                    terms.append((v.coef, self.bind(self.atom(role), v.vec)))
                else:
                    terms.append((1.0, self.bind(self.atom(role), self.materialize(v))))
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

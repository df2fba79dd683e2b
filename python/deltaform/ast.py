"""The Δ-formula syntax tree.

Nodes are immutable and hashable; two trees are equal when they have the same
structure and the same text. The one canonical printer (:func:`to_text`,
also ``str(node)``) runs in the core, for parsed text and Python trees alike:
``parse(to_text(t)) == t`` for every tree.

Expression nodes, loosest binding first::

    Flow(steps)             a → b → c
    Bundle(terms, signs)    a + b - c         (signs[0] is always +1)
    Bind(factors)           a * b * c
    Weight(weight, expr)    0.8*a
    Inverse(expr)           ~a
    Layer(role, filler)     role: a
    Atom(name, quoted)      вода, плавная память, "any text"
    Var(name)               ?x
    Ref(address, args)      Δ12, ΔF(a, b)     (address includes the Δ)
    Glyph(symbol)           ⟁
    SchemaCall(schema, args)  сцена(a, b, c)

Statements::

    Definition(target, params, expr, scene)   Δ12 = expr = scene;  ΔF(x) = expr;  ⟁ = expr
    Anonymous(expr, scene)                    expr = scene
    Schema(name, roles)                       schema сцена(объект, напряжение)
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence, Union

from deltaform import _core

__all__ = [
    "Atom", "Var", "Ref", "Glyph", "SchemaCall", "Layer", "Inverse", "Weight",
    "Bind", "Bundle", "Flow", "Definition", "Anonymous", "Schema",
    "Expr", "Statement", "Node", "to_text", "definition_text", "normalize_name", "walk", "children", "with_children",
]


def normalize_name(name: str) -> str:
    """The identity of a name: NFC, then full case folding."""
    return unicodedata.normalize("NFC", name).casefold()


@dataclass(frozen=True, slots=True)
class Atom:
    """A concept: a word, a phrase of several words (one atom), or quoted text.

    In a pattern, a word of a phrase may be a variable written ``?y``.
    """
    name: str
    quoted: bool = False

    @property
    def key(self) -> str:
        return normalize_name(self.name)

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Var:
    """A pattern variable ``?name`` (name without the ``?``)."""
    name: str

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a stored formula (``Δ12``) or a parametric application (``ΔF(a, b)``)."""
    address: str
    args: tuple["Expr", ...] = ()

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Glyph:
    """A symbol that names a formula, like a Δ-address: ``⟁``."""
    symbol: str

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class SchemaCall:
    """``schema(args…)``: fills a declared schema's roles by position."""
    schema: str
    args: tuple["Expr", ...]

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Layer:
    """``role: filler`` — the filler fills the role (an image, an emotion, an action…)."""
    role: str
    filler: "Expr"

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Inverse:
    """``~x``: the inverse of x, for unbinding."""
    expr: "Expr"

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Weight:
    """``w*x``: x present with density w."""
    weight: float
    expr: "Expr"

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Bind:
    """``a * b * …``: the factors fused into one new thing."""
    factors: tuple["Expr", ...]

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Bundle:
    """``a + b - c``: the terms present together; a sign of -1 removes a term."""
    terms: tuple["Expr", ...]
    signs: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.terms) != len(self.signs):
            raise ValueError("Bundle needs one sign per term")
        if self.signs and self.signs[0] != 1:
            raise ValueError("the first term of a Bundle has sign +1")
        if any(s not in (1, -1) for s in self.signs):
            raise ValueError("Bundle signs are +1 or -1")

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Flow:
    """``a → b → c``: an ordered passage through stages."""
    steps: tuple["Expr", ...]

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Definition:
    """``Δ12 = expr = scene``, ``ΔF(x, y) = expr`` or ``⟁ = expr``."""
    target: str
    expr: "Expr"
    params: tuple[str, ...] = ()
    scene: str | None = None

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Anonymous:
    """``expr`` or ``expr = scene``: gets a Δ-address when stored."""
    expr: "Expr"
    scene: str | None = None

    def __str__(self) -> str:
        return to_text(self)


@dataclass(frozen=True, slots=True)
class Schema:
    """``schema name(role, …)``: a named list of roles."""
    name: str
    roles: tuple[str, ...]

    def __str__(self) -> str:
        return to_text(self)


Expr = Union[Atom, Var, Ref, Glyph, SchemaCall, Layer, Inverse, Weight, Bind, Bundle, Flow]
Statement = Union[Definition, Anonymous, Schema]
Node = Union[Expr, Statement]

def definition_text(target: str, params: tuple[str, ...], expr_text: str, scene: str | None) -> str:
    """A definition's canonical text from its parts, the expression already printed."""
    return _core.formula_definition_text(target, params, expr_text, scene)


def schema_text(name: str, roles: Sequence[str]) -> str:
    """A schema declaration's canonical text from its name and roles."""
    return to_text(Schema(name, tuple(roles)))


def to_text(node: Node) -> str:
    """The canonical text of a node (see FORMULA.md, "Canonical form").

    The core prints it (the same printer serves parsed text): the tree is
    converted into the core's form and printed there. A non-node raises
    TypeError; a negative or non-finite weight, ValueError.
    """
    return _core.formula_to_text(node)


def with_children(node: Expr, children: tuple) -> Expr:
    """The same node over new children (in the order :func:`walk` visits them)."""
    if isinstance(node, Ref):
        return Ref(node.address, tuple(children))
    if isinstance(node, SchemaCall):
        return SchemaCall(node.schema, tuple(children))
    if isinstance(node, Layer):
        return Layer(node.role, children[0])
    if isinstance(node, Inverse):
        return Inverse(children[0])
    if isinstance(node, Weight):
        return Weight(node.weight, children[0])
    if isinstance(node, Bind):
        return Bind(tuple(children))
    if isinstance(node, Bundle):
        return Bundle(tuple(children), node.signs)
    if isinstance(node, Flow):
        return Flow(tuple(children))
    return node


def children(node: Node) -> tuple:
    """The direct children of a node, in source order."""
    if isinstance(node, (Ref, SchemaCall)):
        return tuple(node.args)
    if isinstance(node, Layer):
        return (node.filler,)
    if isinstance(node, (Inverse, Weight)):
        return (node.expr,)
    if isinstance(node, Bind):
        return tuple(node.factors)
    if isinstance(node, Bundle):
        return tuple(node.terms)
    if isinstance(node, Flow):
        return tuple(node.steps)
    if isinstance(node, (Definition, Anonymous)):
        return (node.expr,)
    return ()


def walk(node: Node):
    """Yields the node and every node below it, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)

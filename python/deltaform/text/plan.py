"""What a formula says, ready to be put into words: the scene plan the realisers read.

A formula is first turned into a small tree of plan items — concepts, groups,
flows, layered scenes, fusions, names — with references expanded through a
resolver when one is given, and weights pushed down onto the concepts they
qualify. The realisers for each language only read this tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

from ..ast import (Anonymous, Atom, Bind, Bundle, Definition, Expr, Flow, Glyph, Inverse, Layer, Ref,
                   Schema, SchemaCall, Var, Weight, normalize_name)

# Layer kinds the realisers know; role names (both languages, and the outline's schema roles) map to them.
ROLE_KINDS = {
    "образ": "image", "объект": "image", "предмет": "image", "image": "image", "object": "image",
    "эмоция": "emotion", "чувство": "emotion", "напряжение": "emotion", "emotion": "emotion",
    "feeling": "emotion", "tension": "emotion",
    "действие": "action", "переход": "action", "движение": "action", "action": "action",
    "transition": "action", "motion": "action",
    "поле": "field", "field": "field",
    "результат": "result", "result": "result",
}
DEFAULT_SCHEMAS = {
    "сцена": ("объект", "напряжение", "переход"),
    "scene": ("object", "tension", "transition"),
}
MAX_DEPTH = 8


@dataclass
class Concept:
    text: str
    weight: float = 1.0
    quoted: bool = False


@dataclass
class Group:
    items: list["Item"]
    minus: list["Item"] = field(default_factory=list)


@dataclass
class Passage:
    steps: list["Item"]


@dataclass
class Layered:
    layers: list[tuple[str, str, "Item"]]     # (kind, role as written, filler)
    rest: list["Item"] = field(default_factory=list)
    minus: list["Item"] = field(default_factory=list)


@dataclass
class Fusion:
    items: list["Item"]


@dataclass
class Absence:
    item: "Item"


@dataclass
class Named:
    kind: str      # "ref", "glyph", "var", "schema"
    label: str
    args: list["Item"] = field(default_factory=list)
    declaration: bool = False   # a schema declaration (its args are its role names)


Item = Union[Concept, Group, Passage, Layered, Fusion, Absence, Named]
Resolver = Union[Mapping[str, Any], Callable[[str], Any], None]


def _lookup(resolver: Resolver, address: str) -> Any:
    if resolver is None:
        return None
    if callable(resolver) and not isinstance(resolver, Mapping):
        return resolver(address)
    for key in (address, address.replace("@", "Δ", 1), address.lstrip("Δ@")):
        if key in resolver:
            return resolver[key]
    return None


def _as_expr(found: Any) -> tuple[Expr, tuple[str, ...]]:
    """A resolver's answer as (expression, parameters)."""
    if isinstance(found, Definition):
        return found.expr, found.params
    if isinstance(found, Anonymous):
        return found.expr, ()
    if isinstance(found, str):
        from ._parse import parse_text
        return _as_expr(parse_text(found))
    return found, ()


def _substitute(expr: Expr, mapping: dict[str, Expr]) -> Expr:
    if isinstance(expr, Atom) and not expr.quoted and expr.key in mapping:
        return mapping[expr.key]
    if isinstance(expr, Ref):
        return Ref(expr.address, tuple(_substitute(a, mapping) for a in expr.args))
    if isinstance(expr, SchemaCall):
        return SchemaCall(expr.schema, tuple(_substitute(a, mapping) for a in expr.args))
    if isinstance(expr, Layer):
        return Layer(expr.role, _substitute(expr.filler, mapping))
    if isinstance(expr, Inverse):
        return Inverse(_substitute(expr.expr, mapping))
    if isinstance(expr, Weight):
        return Weight(expr.weight, _substitute(expr.expr, mapping))
    if isinstance(expr, Bind):
        return Bind(tuple(_substitute(f, mapping) for f in expr.factors))
    if isinstance(expr, Bundle):
        return Bundle(tuple(_substitute(t, mapping) for t in expr.terms), expr.signs)
    if isinstance(expr, Flow):
        return Flow(tuple(_substitute(s, mapping) for s in expr.steps))
    return expr


class Planner:
    def __init__(self, resolver: Resolver = None, schemas: Mapping[str, tuple[str, ...]] | None = None):
        self.resolver = resolver
        self.schemas = {normalize_name(k): tuple(v) for k, v in {**DEFAULT_SCHEMAS, **(schemas or {})}.items()}

    def plan(self, node: Any) -> Item:
        if isinstance(node, Schema):
            self.schemas[normalize_name(node.name)] = node.roles
            return Named("schema", node.name, [Concept(r) for r in node.roles], declaration=True)
        if isinstance(node, (Definition, Anonymous)):
            return self.item(node.expr, 1.0, ())
        return self.item(node, 1.0, ())

    def item(self, e: Expr, w: float, seen: tuple[str, ...]) -> Item:
        if isinstance(e, Atom):
            return Concept(e.name, w, e.quoted)
        if isinstance(e, Weight):
            return self.item(e.expr, w * e.weight, seen)
        if isinstance(e, Var):
            return Named("var", e.name)
        if isinstance(e, Glyph):
            return self._reference(e.symbol, (), w, seen, "glyph")
        if isinstance(e, Ref):
            return self._reference(e.address, e.args, w, seen, "ref")
        if isinstance(e, Inverse):
            return Absence(self.item(e.expr, w, seen))
        if isinstance(e, Bind):
            return Fusion([self.item(f, w, seen) for f in e.factors])
        if isinstance(e, Flow):
            return Passage([self.item(s, w, seen) for s in e.steps])
        if isinstance(e, Layer):
            return Layered([(ROLE_KINDS.get(normalize_name(e.role), "other"), e.role, self.item(e.filler, w, seen))])
        if isinstance(e, SchemaCall):
            roles = self.schemas.get(normalize_name(e.schema))
            args = [self.item(a, w, seen) for a in e.args]
            if roles is None or len(roles) != len(args):
                return Named("schema", e.schema, args)
            return Layered([(ROLE_KINDS.get(normalize_name(r), "other"), r, a) for r, a in zip(roles, args)])
        if isinstance(e, Bundle):
            return self._bundle(e, w, seen)
        raise TypeError(f"render cannot read {type(e).__name__}: {e!r}")

    def _bundle(self, e: Bundle, w: float, seen) -> Item:
        layers, rest, minus = [], [], []
        for term, sign in zip(e.terms, e.signs):
            it = self.item(term, w, seen)
            if sign < 0:
                minus.append(it)
            elif isinstance(it, Layered) and not it.rest and not it.minus:
                layers.extend(it.layers)
            elif isinstance(it, Group) and not it.minus:
                rest.extend(it.items)     # (a + b) + c reads as one group
            else:
                rest.append(it)
        if layers:
            return Layered(layers, rest, minus)
        return Group(rest, minus)

    def _reference(self, address: str, args, w: float, seen: tuple[str, ...], kind: str) -> Item:
        arg_items = [self.item(a, w, seen) for a in args]
        found = _lookup(self.resolver, address)
        if found is None or len(seen) >= MAX_DEPTH:
            return Named(kind, address, arg_items)
        if address in seen:
            raise ValueError(f"render: {address} refers back to itself ({' → '.join(seen + (address,))})")
        expr, params = _as_expr(found)
        if params:
            if len(params) != len(args):
                raise ValueError(f"render: {address} takes {len(params)} argument(s), got {len(args)}")
            expr = _substitute(expr, {normalize_name(p): a for p, a in zip(params, args)})
        return self.item(expr, w, seen + (address,))

"""The canonical printer and the fact scanner as they were written in Python before
the core took them over: an independent oracle for the core's rules, in tests only."""

from __future__ import annotations

import math

from deltaform import ast
from deltaform.ast import (Anonymous, Atom, Bind, Bundle, Definition, Flow, Glyph, Inverse, Layer, Ref,
                           Schema, SchemaCall, Var, Weight)

_FLOW, _BUNDLE, _BIND, _PREFIX, _PRIMARY = 1, 2, 3, 4, 5
_LEVELS = {Flow: _FLOW, Bundle: _BUNDLE, Bind: _BIND, Weight: _PREFIX, Inverse: _PREFIX, Layer: _PREFIX}


def format_weight(w: float) -> str:
    if not math.isfinite(w) or w < 0:
        raise ValueError(f"a weight must be a finite number >= 0, got {w!r}")
    text = repr(float(w))
    return text[:-2] if text.endswith(".0") else text


def _level(node) -> int:
    return next((lv for cls, lv in _LEVELS.items() if isinstance(node, cls)), _PRIMARY)


def _wrap(node, at_least: int) -> str:
    text = expr_text(node)
    return f"({text})" if _level(node) < at_least else text


def _args(args) -> str:
    return "(" + ", ".join(expr_text(a) for a in args) + ")"


def expr_text(node) -> str:
    if isinstance(node, Atom):
        if node.quoted:
            return '"' + node.name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return node.name
    if isinstance(node, Var):
        return "?" + node.name
    if isinstance(node, Glyph):
        return node.symbol
    if isinstance(node, Ref):
        return node.address + (_args(node.args) if node.args else "")
    if isinstance(node, SchemaCall):
        return node.schema + _args(node.args)
    if isinstance(node, Layer):
        return f"{node.role}: {_wrap(node.filler, _PREFIX)}"
    if isinstance(node, Inverse):
        return "~" + _wrap(node.expr, _PREFIX)
    if isinstance(node, Weight):
        return f"{format_weight(node.weight)}*{_wrap(node.expr, _PREFIX)}"
    if isinstance(node, Bind):
        return " * ".join(_wrap(f, _PREFIX) for f in node.factors)
    if isinstance(node, Bundle):
        out = _wrap(node.terms[0], _BIND)
        for sign, term in zip(node.signs[1:], node.terms[1:]):
            out += (" + " if sign > 0 else " - ") + _wrap(term, _BIND)
        return out
    if isinstance(node, Flow):
        return " → ".join(_wrap(s, _BUNDLE) for s in node.steps)
    raise TypeError(f"not a formula node: {node!r}")


def to_text(node) -> str:
    if isinstance(node, Schema):
        return f"schema {node.name}({', '.join(node.roles)})"
    if isinstance(node, Definition):
        head = node.target + (f"({', '.join(node.params)})" if node.params else "")
        return f"{head} = {expr_text(node.expr)}" + (f" = {node.scene}" if node.scene is not None else "")
    if isinstance(node, Anonymous):
        text = expr_text(node.expr)
        if (node.scene is not None and isinstance(node.expr, (Ref, Glyph))) or text.startswith("schema "):
            text = f"({text})"
        return text + (f" = {node.scene}" if node.scene is not None else "")
    return expr_text(node)


def scan(node) -> tuple[list[str], list[str], list[str], list[str], list[str], set[str], list[str]]:
    """(atoms, roles, schemas, refs, vars, applied, plain) read by walking the Python tree."""
    atoms: dict[str, None] = {}
    roles: dict[str, None] = {}
    schemas: dict[str, None] = {}
    refs: dict[str, None] = {}
    vars_: dict[str, None] = {}
    applied: set[str] = set()
    plain_refs: set[str] = set()
    norm = ast.normalize_name
    stack = [node.expr if isinstance(node, (Definition, Anonymous)) else node]
    while stack:
        n = stack.pop()
        if isinstance(n, Atom):
            atoms[norm(n.name)] = None
        elif isinstance(n, Layer):
            roles[norm(n.role)] = None
        elif isinstance(n, Ref):
            refs[n.address] = None
            (applied if n.args else plain_refs).add(n.address)
        elif isinstance(n, SchemaCall):
            schemas[norm(n.schema)] = None
        elif isinstance(n, Glyph):
            refs[n.symbol] = None
        elif isinstance(n, Var):
            vars_[n.name] = None
        if not isinstance(n, Schema):
            stack.extend(reversed(ast.children(n)))
    atom_list = list(atoms)
    if isinstance(node, Definition) and node.params:
        params = {norm(p) for p in node.params}
        atom_list = [a for a in atom_list if a not in params]
    plain = [r for r in refs if r not in applied or r in plain_refs]
    return atom_list, list(roles), list(schemas), list(refs), list(vars_), applied, plain

"""Comparing formulas the way a vector sees them: up to weights and to the order of a bundle.

A bundle is a set and a vector keeps no scale, so ``0.8*a + b`` and ``b + a``
decode alike. :func:`canonical` rewrites a tree into one representative of
that class: weights dropped, nested bundles flattened (signs multiplied),
layers of the same role inside a bundle merged (``r: a + r: b`` and
``r: (a + b)`` encode alike), and bundle terms sorted (positive terms first,
each group by canonical text).
"""

from __future__ import annotations

import typing

from deltaform import ast

__all__ = ["strip_weights", "canonical", "canonical_text"]


_EXPRESSIONS = typing.get_args(ast.Expr)


def strip_weights(node: ast.Expr) -> ast.Expr:
    """The tree without its Weight nodes."""
    if isinstance(node, ast.Weight):
        return strip_weights(node.expr)
    _check_expression(node)
    return ast.with_children(node, tuple(strip_weights(c) for c in ast.children(node)))


def canonical(node: ast.Node) -> ast.Expr:
    """The representative of ``node``'s class (see the module notes); statements give their expression."""
    if isinstance(node, (ast.Definition, ast.Anonymous)):
        node = node.expr
    return _canon(strip_weights(node))


def canonical_text(node: ast.Node) -> str:
    """``ast.to_text`` of :func:`canonical`."""
    return ast.to_text(canonical(node))


def _canon(node: ast.Expr) -> ast.Expr:
    _check_expression(node)
    if isinstance(node, ast.Bundle):
        return _bundle(_flatten(node, 1))
    return ast.with_children(node, tuple(_canon(c) for c in ast.children(node)))


def _check_expression(node: object) -> None:
    if not isinstance(node, _EXPRESSIONS):
        raise TypeError(f"not an expression node: {node!r}")


def _flatten(node: ast.Expr, sign: int) -> list[tuple[int, ast.Expr]]:
    if isinstance(node, ast.Bundle):
        out: list[tuple[int, ast.Expr]] = []
        for s, t in zip(node.signs, node.terms):
            out.extend(_flatten(t, sign * s))
        return out
    return [(sign, node)]


def _bundle(terms: list[tuple[int, ast.Expr]]) -> ast.Expr:
    # Merge layers of one role that carry the same sign: r: a + r: b  ==  r: (a + b).
    merged: list[tuple[int, ast.Expr]] = []
    by_role: dict[tuple[int, str], list[ast.Expr]] = {}
    for sign, t in terms:
        if isinstance(t, ast.Layer):
            key = (sign, ast.normalize_name(t.role))
            if key not in by_role:
                by_role[key] = []
                merged.append((sign, t))
            by_role[key].append(t.filler)
        else:
            merged.append((sign, t))
    out: list[tuple[int, ast.Expr]] = []
    for sign, t in merged:
        if isinstance(t, ast.Layer):
            fillers = by_role[(sign, ast.normalize_name(t.role))]
            filler = fillers[0] if len(fillers) == 1 else ast.Bundle(tuple(fillers), (1,) * len(fillers))
            t = ast.Layer(t.role, _canon(filler))
        else:
            t = _canon(t)
        out.append((sign, t))
    if all(sign < 0 for sign, _ in out):
        # No positive term: -x has no spelling in the language; compare it as x.
        out = [(1, t) for _, t in out]
    if len(out) == 1:
        return out[0][1]
    out.sort(key=lambda st: (-st[0], ast.to_text(st[1])))
    return ast.Bundle(tuple(t for _, t in out), tuple(s for s, _ in out))

"""From recovered terms to a formula tree with confidences.

Terms are grouped by their key, as the encoding rules put them together:

* a schema tag ``S`` with a filler for each of ``S``'s roles → ``S(a1, …, an)``;
* flow positions 0, 1, …, m → ``s0 → s1 → … → sm``;
* the remaining terms of a role ``r`` → ``r: x``;
* plain terms → themselves;

and the groups are summed into one bundle. Weights go to the leaves (every
encoding rule is linear in its terms: ``r: (w·a + v·b) = w·(r: a) + v·(r: b)``),
relative to the largest weight of the vector, and are written only where they
differ from 1 by more than their own estimation error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deltaform import ast
from deltaform.decoding.keys import Keys
from deltaform.decoding.noise import confidence as confidence_of
from deltaform.decoding.pursuit import RowFit
from deltaform.decoding.result import Decoded, Term

__all__ = ["assemble"]

Path = tuple[int, ...]


@dataclass
class _Built:
    node: ast.Expr
    conf: dict[Path, float]

    @property
    def root(self) -> float:
        return self.conf[()]


def _leaf(node: ast.Expr, c: float) -> _Built:
    return _Built(node, {(): c})


def _wrap(make, children: list[_Built], extra: float = 1.0) -> _Built:
    conf: dict[Path, float] = {}
    root = extra
    for i, child in enumerate(children):
        for p, c in child.conf.items():
            conf[(i,) + p] = c
        root *= child.root
    conf[()] = root
    return _Built(make(tuple(ch.node for ch in children)), conf)


@dataclass
class _Item:
    leaf: ast.Expr
    weight: float      # relative, signed
    tolerance: float   # how far from 1 a weight may be and still be written as 1
    conf: float
    order: int


def _expr(items: list[_Item]) -> tuple[_Built, int]:
    """A group of terms as one expression and the sign it enters its parent with."""
    items = sorted(items, key=lambda it: (-abs(it.weight), it.order))
    sign = 1 if any(it.weight > 0 for it in items) else -1
    parts: list[tuple[int, _Built]] = []
    for it in items:
        s = 1 if it.weight * sign > 0 else -1
        mag = abs(it.weight)
        b = _leaf(it.leaf, it.conf)
        if abs(mag - 1.0) > it.tolerance:
            shown = float(f"{mag:.3g}")
            if shown != 1.0 and shown > 0:
                b = _wrap(lambda kids, w=shown: ast.Weight(w, kids[0]), [b])
        parts.append((s, b))
    if len(parts) == 1:
        return parts[0][1], sign
    parts.sort(key=lambda sb: -sb[0])  # positive terms first (a bundle starts with +)
    signs = tuple(s for s, _ in parts)
    return _wrap(lambda kids: ast.Bundle(kids, signs), [b for _, b in parts]), sign


def assemble(fit: RowFit, keys: Keys, cleanup) -> Decoded:
    """The :class:`Decoded` of one vector's terms (references are filled in by the caller)."""
    N = len(cleanup)
    tag_base = len(keys) * N
    view = keys.view
    lost: list[str] = []
    if fit.codes.size == 0:
        return Decoded(None, {}, (), {}, (), fit.unexplained, fit.tau, fit.searched, _near(fit, keys, cleanup))

    scale = float(np.max(np.abs(fit.weights)))
    rel = fit.weights / scale if scale > 0 else fit.weights
    confs = confidence_of(fit.evidence, view.algebra, view.dim, fit.searched)
    confs = np.atleast_1d(confs)

    terms: list[Term] = []
    tags: list[tuple[int, float]] = []                  # (tag index, confidence)
    by_key: dict[int, list[_Item]] = {}
    for i, code in enumerate(fit.codes.tolist()):
        t = float(fit.evidence[i])
        c = float(confs[i])
        if code >= tag_base:
            tag = code - tag_base
            tags.append((tag, c))
            terms.append(Term(None, "schema:" + keys.tag_names[tag], float(rel[i]), t, c))
            continue
        key, cand = divmod(code, N)
        leaf = cleanup.leaf(cand)
        # The relative error of a weight is about sqrt(1 - t²)/|t| (noise share over signal share).
        tol = max(5e-3, 2.0 * math.sqrt(max(0.0, 1.0 - t * t)) / max(abs(t), 1e-9))
        by_key.setdefault(key, []).append(_Item(leaf, float(rel[i]), tol, c, i))
        kind, arg = keys.kinds[key]
        terms.append(Term(leaf, "" if kind == "plain" else f"{kind}:{arg}", float(rel[i]), t, c))

    parts: list[tuple[int, _Built]] = []

    # Schema calls: a tag and a positive filler for every declared role.
    for tag, c_tag in tags:
        name = keys.tag_names[tag]
        role_keys = keys.tag_roles[tag].tolist()
        groups = [by_key.get(k) for k in role_keys]
        missing = [keys.kinds[k][1] for k, g in zip(role_keys, groups) if not g]
        if missing:
            lost.append(f"schema {name}: its tag is present but no filler was found for role(s) {', '.join(missing)}")
            continue
        args = [_expr(g) for g in groups]
        if any(sign < 0 for _, sign in args):
            lost.append(f"schema {name}: an argument enters with a negative sign, which a schema call cannot say")
            continue
        for k in role_keys:
            by_key.pop(k, None)
        parts.append((1, _wrap(lambda kids, n=name: ast.SchemaCall(n, kids), [b for b, _ in args], c_tag)))

    # A flow: the stages 0, 1, …, m that come without a gap.
    stages = {keys.step_of(k): k for k in by_key if keys.step_of(k) >= 0}
    if stages:
        run = 0
        while run in stages:
            run += 1
        extra = sorted(s for s in stages if s >= run)
        if run >= 2:
            built = [_expr(by_key.pop(stages[s])) for s in range(run)]
            if any(sign < 0 for _, sign in built):
                lost.append("flow: a stage enters with a negative sign, which a flow cannot say")
            else:
                parts.append((1, _wrap(lambda kids: ast.Flow(kids), [b for b, _ in built])))
        if extra or run == 1:
            found = sorted(stages)
            lost.append(f"flow: stage(s) {', '.join(map(str, found))} found, stage {run} missing"
                        + ("" if run >= 2 else " (a flow needs stages 0 and 1)"))
            for s in stages:
                if s >= run or run == 1:
                    by_key.pop(stages[s], None)

    # Layers, in the order of the key table (the role vocabulary first).
    for key in sorted(k for k in by_key if keys.kinds[k][0] == "role"):
        role = keys.kinds[key][1]
        b, sign = _expr(by_key.pop(key))
        parts.append((sign, _wrap(lambda kids, r=role: ast.Layer(r, kids[0]), [b])))

    # Plain terms.
    if 0 in by_key:
        for it in sorted(by_key.pop(0), key=lambda it: (-abs(it.weight), it.order)):
            b, sign = _expr([it])
            parts.append((sign, b))

    if not parts:
        return Decoded(None, {}, tuple(terms), {}, tuple(lost), fit.unexplained, fit.tau, fit.searched,
                       _near(fit, keys, cleanup))
    if all(sign < 0 for sign, _ in parts):
        lost.append("the vector is the negation of this formula (a formula cannot start with a minus)")
        parts = [(1, b) for _, b in parts]
    if len(parts) == 1 and parts[0][0] > 0:
        built = parts[0][1]
    else:
        parts.sort(key=lambda sb: -sb[0])
        signs = tuple(s for s, _ in parts)
        built = _wrap(lambda kids: ast.Bundle(kids, signs), [b for _, b in parts])
    return Decoded(built.node, built.conf, tuple(terms), {}, tuple(lost), fit.unexplained, fit.tau, fit.searched,
                   _near(fit, keys, cleanup))


def _near(fit: RowFit, keys: Keys, cleanup) -> tuple[ast.Expr | str, float] | None:
    if not fit.near:
        return None
    code, sim = fit.near[0]
    N = len(cleanup)
    tag_base = len(keys) * N
    if code >= tag_base:
        return ("schema tag " + keys.tag_names[code - tag_base], sim)
    key, cand = divmod(code, N)
    kind, arg = keys.kinds[key]
    leaf = cleanup.leaf(cand)
    if kind == "role":
        return (ast.Layer(arg, leaf), sim)
    if kind == "step":
        return (f"flow stage {arg}: {ast.to_text(leaf)}", sim)
    return (leaf, sim)

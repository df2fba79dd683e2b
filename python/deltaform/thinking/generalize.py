"""The least general pattern of several formulas (anti-unification), §9.6.4.

    generalize(mem, ["Δ1", "Δ2"])      # вода + боль → ясная память, огонь + боль → тёмная память
    → ?x + боль → ?y память

Equal sub-formulas stay; differing ones become variables, and the same tuple of
differing sub-formulas gets the same variable everywhere. Phrases of the same
length that share a word keep it and get word variables for the rest. Bundles
are aligned as sets: equal terms first, then terms of the same kind and most
atoms in common. Differing weights on generalisable terms are dropped (a pattern
without a weight matches any weight). The result matches every input
(:func:`deltaform.thinking.match.match_expr`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from deltaform import ast
from deltaform.thinking.match import norm_key, parse_pattern

if TYPE_CHECKING:
    from deltaform.memory import Memory

__all__ = ["generalize", "generalize_exprs"]

_NAMES = ("x", "y", "z", "u", "v", "w")


class _Vars:
    """One variable per distinct tuple of differing sub-formulas."""

    def __init__(self, taken: set[str]) -> None:
        self.of: dict[tuple, str] = {}
        self.taken = taken

    def get(self, items: Sequence[ast.Expr]) -> str:
        key = tuple(norm_key(e) for e in items)
        name = self.of.get(key)
        if name is None:
            i = len(self.of)
            while True:
                name = _NAMES[i] if i < len(_NAMES) else f"x{i + 1}"
                i += 1
                if name not in self.taken:
                    break
            self.taken.add(name)
            self.of[key] = name
        return name


def _strip(e: ast.Expr) -> ast.Expr:
    return e.expr if type(e) is ast.Weight else e


def _atoms(e: ast.Expr) -> set[str]:
    return {n.key for n in ast.walk(e) if type(n) is ast.Atom}


def _align(first: ast.Bundle, other: ast.Bundle) -> list[int] | None:
    """For each term of ``first``, the index of its partner in ``other`` (same sign), or None."""
    n = len(first.terms)
    if len(other.terms) != n or sorted(first.signs) != sorted(other.signs):
        return None
    partner: list[int | None] = [None] * n
    free = set(range(n))
    keys = [norm_key(t) for t in other.terms]
    for i, t in enumerate(first.terms):               # equal terms first
        k = norm_key(t)
        for j in sorted(free):
            if keys[j] == k and other.signs[j] == first.signs[i]:
                partner[i] = j
                free.discard(j)
                break
    pairs = []
    for i in range(n):                                # then the most alike pairs, greedily
        if partner[i] is not None:
            continue
        a = first.terms[i]
        for j in free:
            if other.signs[j] != first.signs[i]:
                continue
            b = other.terms[j]
            score = (type(_strip(a)) is type(_strip(b)), len(_atoms(a) & _atoms(b)), -abs(i - j))
            pairs.append((score, i, j))
    for _, i, j in sorted(pairs, key=lambda s: s[0], reverse=True):
        if partner[i] is None and j in free:
            partner[i] = j
            free.discard(j)
    return partner if all(p is not None for p in partner) else None   # type: ignore[return-value]


def _phrase(items: Sequence[ast.Atom], vars_: _Vars) -> ast.Expr | None:
    if any(a.quoted for a in items):
        return None
    words = [a.name.split(" ") for a in items]
    if len({len(w) for w in words}) != 1 or len(words[0]) < 2:
        return None
    out, kept = [], False
    for column in zip(*words):
        if len({ast.normalize_name(w) for w in column}) == 1:
            out.append(column[0])
            kept = True
        else:
            out.append("?" + vars_.get([ast.Atom(w) for w in column]))
    return ast.Atom(" ".join(out)) if kept else None


def _au(items: Sequence[ast.Expr], vars_: _Vars) -> ast.Expr:
    keys = {norm_key(e) for e in items}
    if len(keys) == 1:
        return items[0]
    first = items[0]
    t = type(first)
    same = all(type(e) is t for e in items)
    if same and t is ast.Atom:
        return _phrase(items, vars_) or ast.Var(vars_.get(items))
    if any(type(e) is ast.Weight for e in items):
        # Weights differ (or some terms have none): what the terms share, without a weight.
        w = {e.weight for e in items if type(e) is ast.Weight}
        if same and len(w) == 1:
            return ast.Weight(first.weight, _au([e.expr for e in items], vars_))
        inner = _au([_strip(e) for e in items], _Scratch(vars_))
        if type(inner) is not ast.Var:
            return _au([_strip(e) for e in items], vars_)
        return ast.Var(vars_.get(items))
    if same:
        if t is ast.Ref and len({(e.address, len(e.args)) for e in items}) == 1:
            return ast.Ref(first.address, _columns([e.args for e in items], vars_))
        if t is ast.SchemaCall and len({(ast.normalize_name(e.schema), len(e.args)) for e in items}) == 1:
            return ast.SchemaCall(first.schema, _columns([e.args for e in items], vars_))
        if t is ast.Layer and len({ast.normalize_name(e.role) for e in items}) == 1:
            return ast.Layer(first.role, _au([e.filler for e in items], vars_))
        if t is ast.Inverse:
            return ast.Inverse(_au([e.expr for e in items], vars_))
        if t is ast.Bind and len({len(e.factors) for e in items}) == 1:
            return ast.Bind(_columns([e.factors for e in items], vars_))
        if t is ast.Flow and len({len(e.steps) for e in items}) == 1:
            return ast.Flow(_columns([e.steps for e in items], vars_))
        if t is ast.Bundle:
            alignments = [_align(first, e) for e in items[1:]]
            if all(a is not None for a in alignments):
                columns = [[first.terms[i]] + [e.terms[a[i]] for e, a in zip(items[1:], alignments)]
                           for i in range(len(first.terms))]
                return ast.Bundle(tuple(_au(c, vars_) for c in columns), first.signs)
    return ast.Var(vars_.get(items))


class _Scratch(_Vars):
    """Variables for a trial generalisation that must not leave names behind."""

    def __init__(self, parent: _Vars) -> None:
        super().__init__(set(parent.taken))
        self.of = dict(parent.of)


def _columns(seqs: Sequence[Sequence[ast.Expr]], vars_: _Vars) -> tuple[ast.Expr, ...]:
    return tuple(_au(column, vars_) for column in zip(*seqs))


def generalize_exprs(formulas: Sequence[str | ast.Node]) -> ast.Expr:
    """The least general pattern of the given formulas (texts, statements or expressions)."""
    exprs = [parse_pattern(f) for f in formulas]
    if not exprs:
        raise ValueError("generalize needs at least one formula")
    taken = {n.name for e in exprs for n in ast.walk(e) if type(n) is ast.Var}
    return _au(exprs, _Vars(taken))


def generalize(memory_or_formulas: "Memory | Mapping[str, Any] | None", items: Sequence[str | ast.Node],
               store_as: str | None = None) -> ast.Expr:
    """The least general pattern that matches every item.

    ``items``: Δ-addresses (looked up in the memory, or in a mapping address →
    formula) or formulas (text or syntax trees). ``store_as``: also store the
    pattern in the memory as ``store_as = pattern`` (a metaformula).
    """
    from deltaform.memory import Memory

    if not items:
        raise ValueError("generalize needs at least one formula")
    source = memory_or_formulas
    exprs = []
    for item in items:
        if isinstance(item, str) and item.strip()[:1] in ("Δ", "@") and item.strip()[1:].replace("_", "a").isalnum():
            address = "Δ" + item.strip()[1:]
            if isinstance(source, Memory):
                exprs.append(source.get(address).expr)
            elif isinstance(source, Mapping):
                if address not in source:
                    raise KeyError(f"{address} is not among the formulas given")
                exprs.append(source[address])
            else:
                raise ValueError(f"{item}: an address needs a memory or a mapping of formulas")
        else:
            exprs.append(item)
    pattern = generalize_exprs(exprs)
    if store_as is not None:
        if not isinstance(source, Memory):
            raise ValueError("store_as needs a memory to store the pattern in")
        source.add(ast.Definition(target=store_as, expr=pattern), replace=store_as in source)
    return pattern

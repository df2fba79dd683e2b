"""Matching patterns with ``?variables`` against the formulas of a memory (metaformulas, §9.6.4).

    for m in match(mem, "?x + боль → ?y память"):
        print(m.address, m.bindings)          # {'x': Atom('вода'), 'y': Atom('ясная')}

A variable binds a whole sub-formula; inside a phrase (``?y память``) it binds
one word (as an Atom). Bundles match as sets (any order, signs must agree),
everything else in the order written. A pattern term without a weight matches a
weighted term too; a pattern weight must be equal. Atoms are equal when their
keys (NFC + casefold) are, or, with ``similarity=t``, when their vectors have
similarity >= t. The same variable must bind equal sub-formulas everywhere.

Candidates come from the memory's postings (atom, role, schema and reference
terms → rows), so only formulas that contain the pattern's constants are parsed
and matched; a pattern without constants scans every formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from deltaform import ast

if TYPE_CHECKING:
    from deltaform.memory import Memory

__all__ = ["Match", "match", "match_expr", "parse_pattern", "candidate_rows", "is_word_var", "norm_key"]

Bindings = dict[str, ast.Expr]
AtomEqual = Callable[[str, str], bool]


@dataclass(frozen=True)
class Match:
    """A stored formula that matches the pattern, with the variables' values."""
    address: str
    bindings: dict[str, ast.Expr] = field(default_factory=dict)
    expr: str = ""
    row: int = -1

    def __str__(self) -> str:
        b = ", ".join(f"?{k} = {ast.to_text(v)}" for k, v in sorted(self.bindings.items()))
        return f"{self.address}  {self.expr}  {{{b}}}"


def is_word_var(word: str) -> bool:
    return len(word) > 1 and word[0] == "?" and (word[1:].replace("_", "a").isalnum())


def _phrase_vars(atom: ast.Atom) -> bool:
    return not atom.quoted and any(is_word_var(w) for w in atom.name.split(" "))


def norm_key(e: ast.Expr) -> Any:
    """A hashable identity of a sub-formula: atom names by key, weights as written."""
    t = type(e)
    if t is ast.Atom:
        return ("a", e.key)
    if t is ast.Var:
        return ("v", e.name)
    if t is ast.Ref:
        return ("r", e.address, tuple(norm_key(a) for a in e.args))
    if t is ast.Glyph:
        return ("g", e.symbol)
    if t is ast.SchemaCall:
        return ("s", ast.normalize_name(e.schema), tuple(norm_key(a) for a in e.args))
    if t is ast.Layer:
        return ("l", ast.normalize_name(e.role), norm_key(e.filler))
    if t is ast.Inverse:
        return ("i", norm_key(e.expr))
    if t is ast.Weight:
        return ("w", float(e.weight), norm_key(e.expr))
    if t is ast.Bind:
        return ("*", tuple(norm_key(f) for f in e.factors))
    if t is ast.Flow:
        return (">", tuple(norm_key(s) for s in e.steps))
    if t is ast.Bundle:
        return ("+", tuple(sorted((s, repr(norm_key(x))) for s, x in zip(e.signs, e.terms))))
    raise TypeError(f"not a formula node: {e!r}")


def parse_pattern(pattern: str | ast.Node) -> ast.Expr:
    """The expression of a pattern given as text, a statement or an expression."""
    if isinstance(pattern, str):
        from deltaform.formula import parse
        pattern = parse(pattern)
    if isinstance(pattern, (ast.Definition, ast.Anonymous)):
        return pattern.expr
    if isinstance(pattern, ast.Schema):
        raise ValueError(f"a schema declaration is not a pattern: {ast.to_text(pattern)}")
    return pattern


# ---------------------------------------------------------------- structural matching
def _bind(b: Bindings, name: str, value: ast.Expr) -> Bindings | None:
    old = b.get(name)
    if old is None:
        nb = dict(b)
        nb[name] = value
        return nb
    return b if norm_key(old) == norm_key(value) else None


def _unify(p: ast.Expr, t: ast.Expr, b: Bindings, eq: AtomEqual) -> Iterator[Bindings]:
    tp = type(p)
    if tp is ast.Var:
        nb = _bind(b, p.name, t)
        if nb is not None:
            yield nb
        return
    if tp is not ast.Weight and type(t) is ast.Weight:
        t = t.expr                       # the pattern gives no weight: any weight will do
    tt = type(t)
    if tp is ast.Atom:
        if tt is not ast.Atom:
            return
        if _phrase_vars(p):
            pw, tw = p.name.split(" "), t.name.split(" ")
            if len(pw) != len(tw):
                return
            for x, y in zip(pw, tw):
                if is_word_var(x):
                    b = _bind(b, x[1:], ast.Atom(y))
                    if b is None:
                        return
                elif not eq(ast.normalize_name(x), ast.normalize_name(y)):
                    return
            yield b
        elif eq(p.key, t.key):
            yield b
        return
    if tp is not tt:
        return
    if tp is ast.Glyph:
        if p.symbol == t.symbol:
            yield b
    elif tp is ast.Ref:
        if p.address == t.address and len(p.args) == len(t.args):
            yield from _seq(p.args, t.args, b, eq)
    elif tp is ast.SchemaCall:
        if ast.normalize_name(p.schema) == ast.normalize_name(t.schema) and len(p.args) == len(t.args):
            yield from _seq(p.args, t.args, b, eq)
    elif tp is ast.Layer:
        if ast.normalize_name(p.role) == ast.normalize_name(t.role):
            yield from _unify(p.filler, t.filler, b, eq)
    elif tp is ast.Inverse:
        yield from _unify(p.expr, t.expr, b, eq)
    elif tp is ast.Weight:
        if abs(p.weight - t.weight) <= 1e-9 * max(1.0, abs(p.weight)):
            yield from _unify(p.expr, t.expr, b, eq)
    elif tp is ast.Bind:
        if len(p.factors) == len(t.factors):
            yield from _seq(p.factors, t.factors, b, eq)
    elif tp is ast.Flow:
        if len(p.steps) == len(t.steps):
            yield from _seq(p.steps, t.steps, b, eq)
    elif tp is ast.Bundle:
        if len(p.terms) == len(t.terms) and sorted(p.signs) == sorted(t.signs):
            # Terms without variables first: they prune the search before any binding is guessed.
            order = sorted(range(len(p.terms)), key=lambda i: _has_vars(p.terms[i]))
            yield from _set(p, t, order, 0, frozenset(), b, eq)


def _seq(ps: Sequence[ast.Expr], ts: Sequence[ast.Expr], b: Bindings, eq: AtomEqual) -> Iterator[Bindings]:
    if not ps:
        yield b
        return
    for nb in _unify(ps[0], ts[0], b, eq):
        yield from _seq(ps[1:], ts[1:], nb, eq)


def _set(p: ast.Bundle, t: ast.Bundle, order: list[int], k: int, used: frozenset, b: Bindings,
         eq: AtomEqual) -> Iterator[Bindings]:
    if k == len(order):
        yield b
        return
    i = order[k]
    for j in range(len(t.terms)):
        if j in used or t.signs[j] != p.signs[i]:
            continue
        for nb in _unify(p.terms[i], t.terms[j], b, eq):
            yield from _set(p, t, order, k + 1, used | {j}, nb, eq)


def _has_vars(e: ast.Expr) -> bool:
    return any(type(n) is ast.Var or (type(n) is ast.Atom and _phrase_vars(n)) for n in ast.walk(e))


def _same(a: str, b: str) -> bool:
    return a == b


def match_expr(pattern: str | ast.Node, formula: str | ast.Node, eq: AtomEqual | None = None) -> Bindings | None:
    """The bindings under which ``pattern`` matches ``formula`` (the first found), or None."""
    p = parse_pattern(pattern)
    f = parse_pattern(formula)
    for b in _unify(p, f, {}, eq or _same):
        return b
    return None


# ---------------------------------------------------------------- candidates from the postings
@dataclass
class _Constants:
    atoms: list[str] = field(default_factory=list)       # whole atom keys
    phrases: list[str] = field(default_factory=list)     # glob patterns of phrases with word variables
    roles: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)


def _constants(p: ast.Expr) -> _Constants:
    c = _Constants()
    for n in ast.walk(p):
        t = type(n)
        if t is ast.Atom:
            if _phrase_vars(n):
                words = [("*" if is_word_var(w) else ast.normalize_name(w)) for w in n.name.split(" ")]
                if not any(ch in w for w in words if w != "*" for ch in "*?[]"):
                    c.phrases.append(" ".join(words))
            else:
                c.atoms.append(n.key)
        elif t is ast.Layer:
            c.roles.append(ast.normalize_name(n.role))
        elif t is ast.SchemaCall:
            c.schemas.append(ast.normalize_name(n.schema))
        elif t is ast.Ref:
            c.refs.append(n.address)
        elif t is ast.Glyph:
            c.refs.append(n.symbol)
    return c


def _rows(con: Any, terms: Sequence[str]) -> np.ndarray:
    parts = []
    for term in terms:
        parts.extend(np.frombuffer(blob, dtype="<i8") for (blob,) in con.execute(
            "SELECT rows FROM postings WHERE term=?", (term,)))
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int64)


def _has_prefix(con: Any, prefix: str) -> bool:
    end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return con.execute("SELECT 1 FROM postings WHERE term >= ? AND term < ? LIMIT 1", (prefix, end)).fetchone() \
        is not None


def _similar_atoms(memory: "Memory", key: str, threshold: float, cache: dict) -> list[str]:
    """Every atom key of the memory whose vector has similarity >= threshold with ``key``'s."""
    if "vocab" not in cache:
        con = memory._store.catalog.con
        vocab = [t[2:] for (t,) in con.execute("SELECT DISTINCT term FROM postings WHERE term >= 'a:' AND term < 'a;'")]
        cache["vocab"] = vocab
        cache["vectors"] = memory.space.atoms(vocab) if vocab else None
    vocab = cache["vocab"]
    if not vocab:
        return []
    sims = np.asarray(memory.space.similarity(cache["vectors"], memory.space.atoms([key])[0:1]
                                              .repeat(len(vocab), axis=0)))
    return [vocab[i] for i in np.nonzero(sims >= threshold)[0]] + [key]


def candidate_rows(memory: "Memory", pattern: str | ast.Node, similarity: float | None = None) -> np.ndarray | None:
    """Rows whose formulas contain every constant of the pattern (a superset of the matches).

    None when the pattern has no constant the postings can use (the caller scans).
    Atom terms are used whenever the pattern has any (every way of adding indexes
    atoms); role, schema and reference terms only when it has none, since a bulk
    load of atoms alone (``add_vectors``) does not index them.
    """
    p = parse_pattern(pattern)
    c = _constants(p)
    con = memory._store.catalog.con
    groups: list[list[str]] = []     # each group: any of these terms
    cache: dict = {}
    for key in dict.fromkeys(c.atoms):
        keys = _similar_atoms(memory, key, similarity, cache) if similarity is not None else [key]
        groups.append(["a:" + k for k in keys])
    if similarity is None and not groups:
        # A phrase with word variables (`?y память`) is a GLOB over the atom terms: it reads every
        # posting entry, and a common word names many atoms. Beside whole-atom constants it is
        # left to the structural match; alone, it still beats parsing every formula.
        for glob in dict.fromkeys(c.phrases):
            groups.append([t for (t,) in con.execute("SELECT DISTINCT term FROM postings WHERE term GLOB ?",
                                                     ("a:" + glob,))])
    if not groups:
        for prefix, names in (("r:", c.roles), ("s:", c.schemas), ("d:", c.refs)):
            if names and _has_prefix(con, prefix):
                groups.extend([[prefix + n] for n in dict.fromkeys(names)])
    if not groups:
        return None
    result: np.ndarray | None = None
    for terms in sorted(groups, key=len):
        rows = _rows(con, terms)
        result = rows if result is None else np.intersect1d(result, rows, assume_unique=True)
        if result.size == 0:
            break
    return result


# ---------------------------------------------------------------- the search
def _atom_equal(memory: "Memory", threshold: float | None) -> AtomEqual:
    if threshold is None:
        return _same
    space = memory.space
    cache: dict[str, np.ndarray] = {}

    def vec(k: str) -> np.ndarray:
        v = cache.get(k)
        if v is None:
            v = cache[k] = space.atom(k)
        return v

    def eq(a: str, b: str) -> bool:
        return a == b or float(space.similarity(vec(a), vec(b))) >= threshold

    return eq


def match(memory: "Memory", pattern: str | ast.Node, similarity: float | None = None, limit: int | None = None,
          *, use_index: bool = True) -> list[Match]:
    """The current formulas of ``memory`` that match ``pattern``, by row, with their bindings.

    ``similarity``: atoms match when their vectors' similarity is >= this (else by key).
    ``limit``: stop after this many matches. ``use_index=False`` parses and matches
    every formula (the baseline the index is measured against).
    """
    if similarity is not None and not -1.0 <= similarity <= 1.0:
        raise ValueError(f"similarity must be in [-1, 1], got {similarity}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    from deltaform.formula import parse_expr

    p = parse_pattern(pattern)
    eq = _atom_equal(memory, similarity)
    con = memory._store.catalog.con
    rows = candidate_rows(memory, p, similarity) if use_index else None
    if rows is None:
        source: Any = con.execute("SELECT row, address, expr FROM formulas WHERE current=1 ORDER BY row")
    else:
        def chunks() -> Iterator[tuple]:
            rl = rows.tolist()
            for i in range(0, len(rl), 500):
                part = rl[i:i + 500]
                q = ",".join("?" * len(part))
                yield from con.execute(f"SELECT row, address, expr FROM formulas WHERE current=1 AND row IN ({q}) "
                                       "ORDER BY row", part)
        source = chunks()
    out: list[Match] = []
    for row, address, expr in source:
        try:
            tree = parse_expr(expr)
        except ValueError:
            continue                     # a stored text the parser no longer reads is no match
        for b in _unify(p, tree, {}, eq):
            out.append(Match(address=address, bindings=b, expr=expr, row=row))
            break
        if limit is not None and len(out) >= limit:
            break
    return out

"""Formula → text (§9.5.1–9.5.2): several different phrasings of the scene a formula holds."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ._lang import check_lang
from .plan import Planner, Resolver

_ATTEMPTS_PER_PHRASING = 6


def render(formula: Any, lang: str = "ru", n: int = 5, seed: int = 0, resolver: Resolver = None,
           schemas: Mapping[str, tuple[str, ...]] | None = None, neighbours: Any = None) -> list[str]:
    """Up to ``n`` different phrasings of the formula, in ``lang`` ("ru" or "en").

    ``formula`` is a syntax-tree node from :mod:`deltaform.ast` (an expression or a
    statement) or formula text (parsed with ``deltaform.formula.parse``).
    Layers become clauses (an image, what is felt, what happens), ``→`` a passage
    from one state into the next, weights intensity words (``0.2*x`` → "faint x"),
    schema calls their named roles. A Δ-reference or glyph is expanded through
    ``resolver`` (a mapping from address to formula, or a callable returning one,
    or None) and otherwise named ("the scene Δ12"). ``schemas`` adds schema role
    lists to the built-in ``сцена``/``scene`` (объект, напряжение, переход).

    ``neighbours`` brings near neighbours of atoms in a grounding space into some
    phrasings, beside the atom and never in its place ("вода, почти река", "the
    water, like a river"): True for the language's default grounding (navec for
    Russian, WordLlama for English), or a :class:`deltaform.grounding.Grounding`, a
    grounded ``Space``, embeddings (a source name or word2vec path), or a
    :class:`deltaform.text.neighbours.Neighbours` with its own filters. None (the
    default) renders from templates and word order alone.

    Deterministic for a fixed ``seed``; different seeds give other orders and words.
    The phrasings are all different; fewer than ``n`` come back only when the
    templates cannot make more.
    """
    if n < 1:
        raise ValueError(f"render needs n >= 1, got {n}")
    code = check_lang(lang)
    if isinstance(formula, str):
        from ._parse import parse_text
        formula = parse_text(formula)
    plan = Planner(resolver, schemas).plan(formula)
    if code == "ru":
        from .realize_ru import Realiser
    else:
        from .realize_en import Realiser
    near = None
    if neighbours is not None and neighbours is not False:
        from .neighbours import resolve
        from .quality import atoms_of, fold
        near = resolve(neighbours, code)
        taken = {fold(a) for a in atoms_of(formula)}
    rng = random.Random(f"{seed}")
    offset = rng.randrange(1 << 16)
    out: list[str] = []
    seen: set[str] = set()
    for k in range(n * _ATTEMPTS_PER_PHRASING):
        realiser = Realiser(random.Random(f"{seed}/{k}"))
        if near is not None:
            # its own random stream: without neighbours every phrasing stays as it was
            realiser.use_neighbours(near, random.Random(f"{seed}/{k}/near"), taken)
        text = realiser.sentence(plan, offset + k)
        if text not in seen:
            seen.add(text)
            out.append(text)
            if len(out) == n:
                break
    return out

"""Fused words (§9.2.4): "жартишинавспышка" → жар + тишина + вспышка.

A fused word is split into known words by a beam search over its cut points.
Each piece scores its log-probability in the language (wordfreq: Zipf − 9) plus
a morphological preference for what concept atoms are — nouns, adjectives and
verbs in their dictionary form — and a penalty for function words and very short
pieces. The best few splits are returned, ranked, with their share of the
likelihood among the splits found.

When no split into plausible words exists, :class:`CannotSplit` is raised; its
``reason`` says which part of the word no known word covers.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from ..ast import Atom, Bundle, Expr
from ._lang import check_lang
from ._resources import word_set

MAX_PIECE = 24
BEAM = 12


class CannotSplit(ValueError):
    """No plausible split of a fused word exists; ``reason`` says why."""

    def __init__(self, word: str, reason: str):
        super().__init__(f"cannot split {word!r}: {reason}")
        self.word = word
        self.reason = reason


@dataclass(frozen=True)
class Split:
    """One way to split a fused word: its pieces, log10-likelihood score and share."""
    parts: tuple[str, ...]
    score: float
    probability: float

    @property
    def formula(self) -> Expr:
        """The pieces as a bundle of atoms: ``жар + тишина + вспышка``."""
        atoms = tuple(Atom(p) for p in self.parts)
        return atoms[0] if len(atoms) == 1 else Bundle(atoms, (1,) * len(atoms))

    def __str__(self) -> str:
        return " + ".join(self.parts)


@dataclass(frozen=True)
class SplitResult:
    """The ranked splits of a fused word; ``best`` and ``formula`` give the top one."""
    word: str
    lang: str
    alternatives: tuple[Split, ...]

    @property
    def best(self) -> Split:
        return self.alternatives[0]

    @property
    def parts(self) -> tuple[str, ...]:
        return self.best.parts

    @property
    def formula(self) -> Expr:
        return self.best.formula

    def __str__(self) -> str:
        return str(self.best)


@functools.lru_cache(maxsize=None)
def _log_freq(lang: str) -> dict[str, float]:
    """log10 probability of each word of the language's frequency list (rare junk left out)."""
    from wordfreq import get_frequency_dict  # lazy: keeps the package import fast
    floor = 1e-8 if lang == "ru" else 3e-9   # Zipf 1 / 0.5
    return {w: math.log10(f) for w, f in get_frequency_dict(lang, wordlist="best").items()
            if f >= floor and w.isalpha()}


@functools.lru_cache(maxsize=200_000)
def _piece_score(piece: str, lang: str) -> float | None:
    """log10 plausibility of one piece as a concept word, None if it is not a word."""
    freq = _log_freq(lang).get(piece.replace("ё", "е") if lang == "ru" else piece)
    if freq is None:
        return None
    bonus = _morph_ru(piece) if lang == "ru" else _morph_en(piece)
    return None if bonus is None else freq + bonus


def _morph_ru(piece: str) -> float | None:
    from . import morph_ru as M
    if len(piece) < 2:
        return -4.0
    if not M.is_known(piece):
        return -3.0
    p = M.best(piece)
    pos = p.tag.POS
    bonus = 0.0
    if pos in ("PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED") or "Apro" in p.tag:
        bonus -= 3.0
    elif pos == "NOUN":
        bonus += 1.0 if p.tag.case == "nomn" else 0.0
        if any(g in p.tag for g in ("Name", "Surn", "Patr", "Geox", "Orgn", "Abbr")):
            bonus -= 1.5
    elif pos in ("ADJF", "INFN"):
        bonus += 0.5 if (p.tag.case in (None, "nomn")) else 0.0
    elif pos in ("VERB", "ADVB", "ADJS", "GRND", "PRTF", "PRTS", "COMP"):
        bonus += 0.0
    if len(piece) == 2:
        bonus -= 2.0
    if piece in word_set("stop_ru.txt"):
        bonus -= 1.0
    return bonus


_EN_FUNCTION = frozenset(
    "a an the of in on at to is be am are was were it its he she we they you i me my or and but nor so as by "
    "if no not do for with from up out off".split())


def _morph_en(piece: str) -> float | None:
    from . import morph_en as E
    if len(piece) < 2:
        return None
    bonus = 0.0
    if piece in _EN_FUNCTION:
        return -3.0
    if not E.lemminflect().getAllLemmas(piece):
        bonus -= 3.0        # a string wordfreq saw but no dictionary knows (names, typos)
    else:
        classes = E.lemmas(piece)
        if "NOUN" in classes and piece in classes["NOUN"]:
            bonus += 0.8
        elif not any(piece in forms for forms in classes.values()):
            bonus -= 1.2     # an inflected form (times, waves): concepts come in their base form
        elif "ADJ" in classes or "VERB" in classes:
            bonus += 0.3
    if piece in word_set("stop_en.txt"):
        bonus -= 0.7         # vague words (time, way) are still words
    if len(piece) == 2:
        bonus -= 3.0
    elif len(piece) == 3:
        bonus -= 0.4
    return bonus


def _chunks(word: str) -> list[str]:
    """Boundaries the writer gave: hyphens, spaces, underscores, camelCase."""
    spaced = re.sub(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])", " ", word)
    return [c for c in re.split(r"[\s\-_+]+", spaced) if c]


def _search(chunk: str, lang: str, beam: int) -> list[tuple[float, tuple[str, ...]]]:
    n = len(chunk)
    # best[i]: the top partial splits covering chunk[:i]
    best: list[list[tuple[float, tuple[str, ...]]]] = [[] for _ in range(n + 1)]
    best[0] = [(0.0, ())]
    for end in range(1, n + 1):
        options = []
        for start in range(max(0, end - MAX_PIECE), end):
            if not best[start]:
                continue
            s = _piece_score(chunk[start:end], lang)
            if s is None:
                continue
            for score, parts in best[start]:
                options.append((score + s, parts + (chunk[start:end],)))
        options.sort(key=lambda o: -o[0])
        best[end] = options[:beam]
    return best[n]


def _uncovered(chunk: str, lang: str) -> str:
    """The first stretch of the chunk that no known word starts at."""
    n = len(chunk)
    reach = [False] * (n + 1)
    reach[0] = True
    for start in range(n):
        if not reach[start]:
            continue
        for end in range(start + 1, min(n, start + MAX_PIECE) + 1):
            if _piece_score(chunk[start:end], lang) is not None:
                reach[end] = True
    last = max(i for i in range(n + 1) if reach[i])
    return chunk[last:]


def split_fused(word: str, lang: str | None = None, n: int = 5) -> SplitResult:
    """Splits a fused word into words, best first (§9.2.4).

    ``split_fused("жартишинавспышка").formula`` is ``жар + тишина + вспышка``;
    ``.alternatives`` holds up to ``n`` splits ranked by likelihood, each with its
    ``probability`` (its share among those found). A word that is already one
    known word comes back as a single part. Raises :class:`CannotSplit` (a
    ValueError) with a ``reason`` when no split into known words exists.
    """
    if not isinstance(word, str):
        raise TypeError(f"split_fused needs a string, got {type(word).__name__}")
    text = word.strip()
    if not text:
        raise CannotSplit(word, "the word is empty")
    code = check_lang(lang, text)
    letters = re.sub(r"[\s\-_+]", "", text)
    if not letters.isalpha():
        raise CannotSplit(word, "it holds characters other than letters")
    results: list[tuple[float, tuple[str, ...]]] = [(0.0, ())]
    for chunk in _chunks(text):
        found = _search(chunk.lower(), code, BEAM)
        if not found:
            raise CannotSplit(word, f"no known {'Russian' if code == 'ru' else 'English'} word "
                                    f"covers {_uncovered(chunk.lower(), code)!r}")
        results = sorted(((s + fs, p + fp) for s, p in results for fs, fp in found),
                         key=lambda r: -r[0])[:BEAM]
    # a split is implausible when its average piece is far below ordinary words
    top = results[:max(1, n)]
    best_score, best_parts = top[0]
    if best_score / len(best_parts) < -8.5:
        raise CannotSplit(word, f"only implausible pieces cover it (best: {' + '.join(best_parts)})")
    total = sum(10 ** (s - best_score) for s, _ in top)
    splits = tuple(Split(p, round(s, 3), 10 ** (s - best_score) / total) for s, p in top)
    return SplitResult(text, code, splits)

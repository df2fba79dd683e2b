"""Near neighbours of atoms in a grounding space: the words render may bring in beside an atom.

"вода, почти река", "water, like a river": a phrasing may set a near neighbour of
an atom beside it (never in its place). The neighbours come from the grounding's
word embeddings (navec for Russian, WordLlama for English, or any word2vec file)
and are kept only when they are good words:

- close enough: cosine similarity (of centred unit vectors) at least ``threshold``;
- the same part of speech as the atom (nouns for noun atoms), in dictionary form;
- not the atom's lemma nor a morphological variant of it (вода/водица, river/rivers:
  a shared stem or a near-identical spelling), not a stop word, not a name;
- frequent enough: Zipf frequency (wordfreq) at least ``min_zipf``.

Only single-word noun atoms get neighbours. Loading costs a second or two (the
embeddings and the candidate pool); nothing loads until the first lookup.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

import numpy as np

from ._lang import check_lang
from ._resources import zipf

# Cosine of centred unit vectors above which a word counts as a near neighbour, per source kind.
# Calibrated by reading the neighbours of the corpus atoms (docs/text.md has samples).
DEFAULT_THRESHOLD = {"ru": 0.47, "en": 0.4}
DEFAULT_MIN_ZIPF = {"ru": 3.0, "en": 3.5}
MUTUAL_RANK = 5       # the atom must be among the neighbour's own nearest this many words
_BAD_RU_TAGS = ("Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init", "Erro", "Dist", "Slng",
                "Infr", "Arch", "Fixd")


class Neighbours:
    """Filtered near neighbours of words in one language's embedding space.

    ``source``: a :class:`deltaform.grounding.Grounding`, a grounded ``Space``, an
    ``Embeddings``, a source name (``"navec"``, ``"wordllama"``) or word2vec path, or
    None for the language's default (navec for ``"ru"``, WordLlama for ``"en"``).
    ``pool``: how many of the source's most frequent words may be neighbours.
    """

    def __init__(self, source: Any = None, lang: str = "ru", threshold: float | None = None,
                 min_zipf: float | None = None, k: int = 2, pool: int = 30_000) -> None:
        self.lang = check_lang(lang)
        self.threshold = DEFAULT_THRESHOLD[self.lang] if threshold is None else float(threshold)
        self.min_zipf = DEFAULT_MIN_ZIPF[self.lang] if min_zipf is None else float(min_zipf)
        self.k = int(k)
        self.pool = int(pool)
        self._source = source
        self._embeddings = None
        self._words: list[str] | None = None
        self._matrix: np.ndarray | None = None
        self._mean: np.ndarray | None = None
        self._cache: dict[str, tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return f"Neighbours({self.lang!r}, threshold={self.threshold}, min_zipf={self.min_zipf}, k={self.k})"

    # ---- loading ------------------------------------------------------------------------
    @property
    def embeddings(self):
        if self._embeddings is None:
            self._embeddings = _as_embeddings(self._source, self.lang)
        return self._embeddings

    def _load(self) -> None:
        if self._matrix is not None:
            return
        emb = self.embeddings
        words = list(emb.words)[: self.pool]
        # the source lists words most frequent first: cut where they turn rare (a binary search)
        lo, hi = 0, len(words)
        while lo < hi:
            mid = (lo + hi) // 2
            if zipf(words[mid], self.lang) >= self.min_zipf:
                lo = mid + 1
            else:
                hi = mid
        words = [w for w in words[: lo + 200] if self._good_word(w)]
        rows = emb.lookup(words)
        keep = ~np.isnan(rows).any(axis=1) & (np.abs(rows).sum(axis=1) > 0)
        self._words = [w for w, k in zip(words, keep) if k]
        self._mean = emb.mean_direction()
        self._matrix = self._unit(rows[keep]).astype(np.float32)

    def _unit(self, rows: np.ndarray) -> np.ndarray:
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        rows = rows - self._mean          # the direction every word shares says nothing about meaning
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)

    def _good_word(self, w: str) -> bool:
        if not w.isalpha() or len(w) < 3 or zipf(w, self.lang) < self.min_zipf:
            return False
        if self.lang == "ru":
            from . import morph_ru as M
            from ._resources import word_set
            p = M.best(w)
            return (p.tag.POS == "NOUN" and p.normal_form == w and p.score >= 0.3
                    and not any(t in p.tag for t in _BAD_RU_TAGS) and w not in word_set("stop_ru.txt"))
        from . import morph_en as E
        from ._resources import lemminflect
        classes = dict(lemminflect().getAllLemmas(w))     # the dictionary's word classes: names have none
        # a noun in its base form, and mostly a noun (not "run", "light" as a verb/adjective first)
        return ("NOUN" in classes and classes["NOUN"][0] == w and not E.is_stop(w) and not w.endswith("ing")
                and w not in E.PREPOSITIONS and next(iter(classes)) == "NOUN")

    # ---- lookup -------------------------------------------------------------------------
    def is_candidate(self, atom: str) -> bool:
        """Whether an atom may get neighbours: one word, a noun in dictionary form."""
        w = atom.strip().casefold()
        if not w.isalpha():
            return False
        if self.lang == "ru":
            from . import morph_ru as M
            return M.shape(w).kind == "noun"
        from . import morph_en as E
        return E.noun_kind(w) == "noun" and "NOUN" in E.lemmas(w)

    def of(self, atom: str) -> tuple[str, ...]:
        """Up to ``k`` good near neighbours of an atom, nearest first (empty when none)."""
        key = atom.strip().casefold()
        if key in self._cache:
            return self._cache[key]
        found: tuple[str, ...] = ()
        if self.is_candidate(key):
            self._load()
            row = self.embeddings.lookup([key])
            if not np.isnan(row).any() and np.abs(row).sum() > 0:
                v = self._unit(row)[0].astype(np.float32)
                sims = self._matrix @ v
                order = np.argsort(-sims, kind="stable")[: 40]
                out = []
                for i in order:
                    if sims[i] < self.threshold or len(out) >= self.k:
                        break
                    w = self._words[i]
                    if (not _variant(key, w, self.lang) and _same_kind(key, w, self.lang)
                            and self._mutual(i, float(sims[i]))):
                        out.append(w)
                found = tuple(out)
        self._cache[key] = found
        return found

    def _mutual(self, i: int, sim: float) -> bool:
        """Whether the atom is among the neighbour's own nearest words: hubs and noise fail this
        (ночь → понедельник is near, but понедельник's nearest are the other weekdays)."""
        closer = int(np.count_nonzero(self._matrix @ self._matrix[i] > sim)) - 1    # less the word itself
        return closer < MUTUAL_RANK

    __call__ = of


def _same_kind(atom: str, word: str, lang: str) -> bool:
    """Russian marks animacy on every noun: a living thing's neighbour is a living thing
    (птица → продукция is news text about poultry, not a bird)."""
    if lang != "ru":
        return True
    from . import morph_ru as M
    return (M.best(atom).tag.animacy or "inan") == (M.best(word).tag.animacy or "inan")


def _lemma(word: str, lang: str) -> str:
    if lang == "ru":
        from . import morph_ru as M
        return M.best(word).normal_form.replace("ё", "е")
    from . import morph_en as E
    return E.lemma(word, "NOUN")


def _variant(atom: str, word: str, lang: str) -> bool:
    """Whether ``word`` is the atom itself in another form or a close derivative (вода/водица, sea/seas)."""
    a, w = atom.replace("ё", "е"), word.replace("ё", "е")
    if a == w or _lemma(a, lang) == _lemma(w, lang):
        return True
    shared = 0
    for x, y in zip(a, w):
        if x != y:
            break
        shared += 1
    if shared >= 4 or (shared >= 3 and min(len(a), len(w)) <= 5):
        return True          # one stem: вода/водный, river/riverbank
    if lang == "en" and a[-3:] == w[-3:]:
        return True          # subword look-alikes of English word vectors: pain/disdain, anxiety/piety
    return difflib.SequenceMatcher(None, a, w).ratio() >= 0.6     # река/речка, snow/snowy


def _as_embeddings(source: Any, lang: str):
    from ..grounding import Grounding
    from ..grounding.embeddings import Embeddings, as_embeddings
    if source is None:
        return _default_embeddings(lang)
    if isinstance(source, Embeddings):
        return source
    if isinstance(source, Grounding):
        return source.embeddings
    grounding = getattr(source, "grounding", None)      # a grounded Space
    if isinstance(grounding, Grounding):
        return grounding.embeddings
    if hasattr(source, "grounding") and grounding is None:
        raise ValueError("the space is not grounded: it has no embeddings to find neighbours in")
    if isinstance(source, str) and source in ("navec", "ru", "wordllama", "en"):
        return _default_embeddings("ru" if source in ("navec", "ru") else "en")
    return as_embeddings(source)


@functools.lru_cache(maxsize=None)
def _default_embeddings(lang: str):
    from ..grounding.embeddings import english, navec
    return navec() if lang == "ru" else english()


@functools.lru_cache(maxsize=None)
def default(lang: str) -> Neighbours:
    """The language's default neighbours (navec for Russian, WordLlama for English), built once."""
    return Neighbours(None, lang)


def resolve(option: Any, lang: str):
    """render's ``neighbours=`` option as a callable atom → neighbours, or None.

    None/False: no neighbours. True: the language's default grounding. A
    :class:`Neighbours` (or any callable) is used as it is; a Grounding, grounded
    Space, Embeddings, source name or word2vec path is wrapped (and kept, per object).
    """
    if option is None or option is False:
        return None
    if option is True:
        return default(lang)
    if callable(option):          # a Neighbours, or any atom → words function
        return option
    if hasattr(option, "grounding") and getattr(option, "grounding") is None:
        raise ValueError("render(neighbours=space): the space is not grounded, so it has no embeddings to find "
                         "neighbours in; give neighbours=True for the language's default grounding")
    key = (id(option), lang)
    found = _WRAPPED.get(key)
    if found is None or found[0] is not option:
        found = (option, Neighbours(option, lang))
        _WRAPPED[key] = found
    return found[1]


_WRAPPED: dict[tuple[int, str], tuple[Any, Neighbours]] = {}

"""Grounded atoms: a space whose word atoms carry some of their meaning.

``Space(1024, grounding=Grounding("navec", weight=0.5))`` mixes a fixed
projection of each vocabulary word's embedding into its identity vector, so
that related words (вода, река) get similar vectors while unrelated ones stay
near-orthogonal. See docs/grounding.md for the rule and the trade-off.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Sequence

import numpy as np

from .embeddings import Embeddings, as_embeddings, english, load_word2vec, navec
from .mixing import grounded_vectors

__all__ = ["Grounding", "Embeddings", "load_word2vec", "navec", "english"]


class Grounding:
    """Which atoms are grounded, in what, and how strongly.

    ``source``: :class:`Embeddings`, ``"navec"`` (Russian, ships in natasha),
    ``"wordllama"`` (English), a word2vec text/binary path, or a dict.
    ``weight`` α in [0, 1): 0 is the plain codebook. ``vocabulary``: the atom
    names to ground (default: the source's first ``limit`` words). A name the
    embeddings lack is looked up by its lemma (``lemmatize``); a phrase by the
    mean of its words; what is still unknown keeps its identity vector, as do
    all atoms outside the vocabulary. ``center`` removes the source's mean
    direction (over its 5 000 first words) from the unit embeddings first.
    """

    def __init__(self, source, weight: float = 0.5, vocabulary: Iterable[str] | None = None,
                 limit: int = 20_000, lemmatize: bool = True, center: bool = True) -> None:
        weight = float(weight)
        if not 0.0 <= weight < 1.0:
            raise ValueError(f"grounding weight must be in [0, 1), got {weight}")
        self.embeddings = as_embeddings(source)
        self.weight = weight
        self.lemmatize = bool(lemmatize)
        self.center = bool(center)
        if vocabulary is None:
            vocab = list(self.embeddings.words[: int(limit)])
        else:
            if isinstance(vocabulary, str):
                raise TypeError("vocabulary is an iterable of words, not one str")
            vocab = list(dict.fromkeys(w.casefold() for w in vocabulary))
        self.vocabulary: list[str] = vocab
        h = hashlib.sha256("\n".join(vocab).encode("utf-8")).hexdigest()[:16]
        self.fingerprint = (f"{self.embeddings.source};weight={weight!r};lemmatize={int(self.lemmatize)};"
                            f"center={int(self.center)};vocabulary={len(vocab)}:{h}")
        self._table: tuple[list[str], np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"Grounding({self.embeddings.source!r}, weight={self.weight}, vocabulary={len(self.vocabulary)} words)"

    # ------------------------------------------------------------ lookup
    def embed(self, names: Sequence[str]) -> np.ndarray:
        """Embedding rows for atom names (NaN rows where unknown), lemmatised and phrase-averaged."""
        names = [n.casefold() for n in names]
        rows = self.embeddings.lookup(names)
        missing = [i for i, r in enumerate(rows) if np.isnan(r).any()]
        if missing and self.lemmatize:
            alt = [_lemma(names[i], self.embeddings.lang) for i in missing]
            redo = [(i, a) for i, a in zip(missing, alt) if a != names[i]]
            if redo:
                got = self.embeddings.lookup([a for _, a in redo])
                for (i, _), r in zip(redo, got):
                    rows[i] = r
        for i, n in enumerate(names):
            if " " in n and np.isnan(rows[i]).any():
                parts = self.embed(n.split())
                parts = parts[~np.isnan(parts).any(axis=1)]
                if len(parts) == len(n.split()):
                    rows[i] = parts.mean(axis=0)
        return rows

    def table(self) -> tuple[list[str], np.ndarray]:
        """The grounded vocabulary (names with an embedding) and their embedding rows."""
        if self._table is None:
            rows = self.embed(self.vocabulary) if self.vocabulary else np.empty((0, self.embeddings.dim))
            keep = ~np.isnan(rows).any(axis=1) & (np.abs(rows).sum(axis=1) > 0)
            rows = rows[keep]
            if self.center and len(rows):
                # the source's mean direction is shared by all words: left in, it makes
                # every grounded atom a little similar to every bundle (hub words)
                unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
                rows = unit - self.embeddings.mean_direction()
            self._table = ([n for n, k in zip(self.vocabulary, keep) if k], rows)
        return self._table

    def install(self, core) -> None:
        """Puts the grounded vectors into a fresh core space's codebook and records the fingerprint."""
        names, rows = self.table()
        if self.weight > 0 and names:
            chunk = 4096
            for lo in range(0, len(names), chunk):
                vecs = grounded_vectors(core, names[lo: lo + chunk], rows[lo: lo + chunk], self.weight)
                core.set_atoms(names[lo: lo + chunk], vecs)
        core.grounding = self.fingerprint


def _lemma(word: str, lang: str | None) -> str:
    """The dictionary form of a word, or the word itself when the text side is missing."""
    if " " in word:
        return word
    try:
        if lang == "ru" or (lang is None and any("\u0400" <= c <= "\u04ff" for c in word)):
            from deltaform.text import morph_ru

            return morph_ru.best(word).normal_form
        if lang in (None, "en"):
            from deltaform.text import morph_en

            found = morph_en.lemmas(word)
            for pos in ("NOUN", "VERB", "ADJ", "ADV"):
                if pos in found:
                    return found[pos][0]
    except ImportError:
        pass
    return word

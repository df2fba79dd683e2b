"""Heavy resources of the text side, each loaded once on first use.

``import deltaform.text`` must stay fast, so nothing here is touched at import
time: the morphological dictionary, the frequency lists and the package's own
word lists load when a function first needs them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

_MISSING = (
    "the text side of deltaform needs its optional dependencies: "
    "pip install 'deltaform[text]' ({name} is missing)"
)


def _require(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError(_MISSING.format(name=module)) from err


@functools.lru_cache(maxsize=None)
def morph_ru() -> Any:
    """The pymorphy3 analyser with the Russian dictionary (about 0.3 s to load)."""
    pymorphy3 = _require("pymorphy3")
    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=None)
def lemminflect() -> Any:
    return _require("lemminflect")


@functools.lru_cache(maxsize=None)
def _wordfreq() -> Any:
    return _require("wordfreq")


@functools.lru_cache(maxsize=400_000)
def zipf(word: str, lang: str) -> float:
    """Zipf frequency of a word (0 for unknown, about 7 for the most common words)."""
    return _wordfreq().zipf_frequency(word, lang, wordlist="best")


@functools.lru_cache(maxsize=None)
def vocabulary(lang: str, size: int = 200_000) -> dict[str, float]:
    """The ``size`` most frequent words of a language with their Zipf frequencies."""
    wf = _wordfreq()
    words = wf.top_n_list(lang, size, wordlist="best")
    return {w: wf.zipf_frequency(w, lang, wordlist="best") for w in words}


def _data_lines(name: str) -> list[str]:
    text = resources.files("deltaform.text").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=None)
def word_set(name: str) -> frozenset[str]:
    """A one-word-a-line list from the package data (emotion_ru.txt, stop_en.txt, …)."""
    return frozenset(line.casefold() for line in _data_lines(name))


@functools.lru_cache(maxsize=None)
def intensity(lang: str) -> dict[str, float]:
    """Intensity words of a language (read as weights) with their weight."""
    table: dict[str, float] = {}
    for line in _data_lines("intensity.txt"):
        code, words, weight = line.split("\t")
        if code == lang:
            table[words.casefold()] = float(weight)
    return table


@functools.lru_cache(maxsize=20_000)
def emotion_noun(word: str, lang: str) -> str | None:
    """The emotion noun behind an emotion adjective or state adverb (грустно → грусть, sad → sadness).

    By the emotion lexicon: the English -ness noun, else the lexicon noun sharing the
    longest stem (at least four letters) with the word.
    """
    nouns = word_set(f"emotion_{lang}.txt")
    w = word.casefold()
    if lang == "en":
        for cand in (w + "ness", w[:-1] + "iness", w[:-2] + "ety"):
            if cand in nouns:
                return cand
    stem = w[:-2] if len(w) > 5 else w
    scored = []
    for noun in sorted(nouns):
        n = 0
        for a, b in zip(stem, noun):
            if a != b:
                break
            n += 1
        if n >= 4 and noun != w and not noun.endswith(("ый", "ий", "ой")):
            scored.append((-n, len(noun), noun))   # longest shared stem, then the shortest noun
    return min(scored)[2] if scored else None

"""English concept candidates: lemmas and adjective + noun phrases."""

from __future__ import annotations

from . import morph_en as E
from ._resources import emotion_noun, intensity, word_set
from .candidates import ACTION, EMOTION, IMAGE, Candidate


def _layer_of_noun(lemma: str, word: str) -> str:
    if lemma in word_set("emotion_en.txt"):
        return EMOTION
    if lemma in word_set("action_en.txt") or (word.endswith("ing") and "VERB" in E.lemmas(word)
                                               and E.lemmas(word)["VERB"][0] != word):
        return ACTION
    return IMAGE


def _intensity_at(low: list[str], i: int) -> tuple[float, int] | None:
    table = intensity("en")
    for n in (2, 1):
        key = " ".join(low[i:i + n])
        if i + n <= len(low) and key in table:
            return table[key], n
    return None


def candidates(text: str) -> list[Candidate]:
    return candidates_of(E.tokens(text))


def candidates_of(words: list[str]) -> list[Candidate]:
    """Candidates of a tokenised text; each knows its span (first, end) in ``words``."""
    low = [w.lower().replace("’", "'") for w in words]
    tags = E.tag(words)
    out: list[Candidate] = []
    i = 0
    pending: float | None = None
    while i < len(words):
        if out and out[-1].end < 0:
            out[-1].end = i          # the last candidate's words end where this step starts
        if tags[i] == "PUNCT":
            pending = None
            i += 1
            continue
        inten = _intensity_at(low, i)
        if inten is not None:
            pending = inten[0]
            i += inten[1]
            continue
        if tags[i] in ("FUNC", "ADV"):
            i += 1
            continue
        if words[i][:1].isupper() and i > 0 and tags[i - 1] != "PUNCT":
            i += 1          # a capitalised word inside a sentence is a name, not a concept
            continue
        # adjectives (up to two) followed by a noun form one phrase
        j = i
        while j < len(words) and tags[j] == "ADJ" and j - i < 2:
            j += 1
        if j > i and j < len(words) and tags[j] == "NOUN" and not E.is_stop(low[j]):
            head = E.lemma(low[j], "NOUN")
            mods = [low[k] for k in range(i, j)]
            cand = Candidate(" ".join(mods + [head]), head, tuple(mods + [head]),
                             _layer_of_noun(head, low[j]), "noun", i, intensity=pending)
            out.append(cand)
            pending = None
            i = j + 1
            continue
        t = tags[i]
        w = low[i]
        if w in word_set("emotion_en.txt") or w in word_set("action_en.txt"):
            t = "NOUN" if t != "ADJ" or w.endswith("ing") else t   # longing, awakening: the lexicon's nouns
        if t in ("NOUN", "ADJ") and w.endswith("ing") and "VERB" in E.lemmas(w) and "NOUN" not in E.lemmas(w) \
                and w not in word_set("emotion_en.txt") and w not in word_set("action_en.txt"):
            t = "VERB"          # a gerund standing alone: "the melting begins" → melt
        if t == "NOUN":
            lem = E.lemma(w, "NOUN")
            dep = _of_dependent(low, tags, i + 1)
            if dep is not None and not E.is_stop(lem) and lem not in word_set("emotion_en.txt"):
                words_of, used = dep
                out.append(Candidate(f"{lem} of {words_of}", lem, (lem, *words_of.split()),
                                     _layer_of_noun(lem, w), "noun", i, intensity=pending))
                pending = None
                i += 1 + used
                continue
            if not E.is_stop(lem) and len(lem) > 1:
                out.append(Candidate(lem, lem, (lem,), _layer_of_noun(lem, w), "noun", i, intensity=pending))
        elif t == "VERB":
            lem = E.lemma(w, "VERB")
            if not E.is_stop(lem) and lem not in word_set("stop_en.txt"):
                out.append(Candidate(lem, lem, (lem,), ACTION, "verb", i, intensity=pending))
        elif t == "ADJ":
            lem = E.lemma(w, "ADJ")
            noun = emotion_noun(lem, "en") if lem in word_set("emotion_en.txt") else None
            if noun is not None:     # a feeling said as an adjective: I feel sad → sadness
                out.append(Candidate(noun, noun, (noun,), EMOTION, "noun", i, intensity=pending))
            else:
                layer = EMOTION if lem in word_set("emotion_en.txt") else IMAGE
                out.append(Candidate(lem, lem, (lem,), layer, "adj", i, intensity=pending))
        pending = None
        i += 1
    if out and out[-1].end < 0:
        out[-1].end = len(words)
    return out


def _of_dependent(low: list[str], tags: list[str], j: int) -> tuple[str, int] | None:
    """'of (the) [adjective] noun' after a noun: the sound of rain → ('rain', 2)."""
    if j >= len(low) or low[j] != "of":
        return None
    k = j + 1
    if k < len(low) and low[k] in ("the", "a", "an"):
        k += 1
    start = k
    while k < len(low) and tags[k] == "ADJ" and k - start < 1:
        k += 1
    if k >= len(low) or tags[k] != "NOUN" or E.is_stop(low[k]):
        return None
    words = low[start:k] + [low[k]]
    return " ".join(words), k + 1 - j

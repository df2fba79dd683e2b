"""Russian concept candidates: lemmas, agreeing adjective + noun phrases, genitive dependents."""

from __future__ import annotations

import re

from . import morph_ru as M
from ._resources import emotion_noun, intensity, word_set
from .candidates import ACTION, EMOTION, IMAGE, Candidate

_WORD = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё\-]*$")
_VERBAL_NOUN = re.compile(r"(ание|ение|яние|тие|ание)$")
# nouns that frame another one rather than head a phrase with it: уступает место уверенности
_FRAME_NOUNS = frozenset({"место", "смена"})
_SKIP_POS = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "NUMR", "PRED", "Apro"})


def tokens(text: str) -> list[str]:
    from razdel import tokenize  # lazy: keeps ``import deltaform.text`` fast
    return [t.text for t in tokenize(text)]


def _is_stop(lemma: str) -> bool:
    return lemma in word_set("stop_ru.txt")


def _noun_parses(word: str):
    return [p for p in M.parses(word) if p.tag.POS == "NOUN" and "Abbr" not in p.tag]


def _mod_parses(word: str):
    return [p for p in M.parses(word) if p.tag.POS in M.MODIFIER_POS and "Apro" not in p.tag]


def _layer_of_noun(lemma: str) -> str:
    if lemma in word_set("emotion_ru.txt"):
        return EMOTION
    if lemma in word_set("action_ru.txt") or (_VERBAL_NOUN.search(lemma) and len(lemma) > 6):
        return ACTION
    return IMAGE


def _match_intensity(words: list[str], i: int) -> tuple[float, int] | None:
    """An intensity expression starting at word i: (weight, number of words)."""
    table = intensity("ru")
    for n in (2, 1):
        if i + n > len(words):
            continue
        lemmas = []
        for w in words[i:i + n]:
            if not _WORD.match(w):
                break
            p = M.best(w)
            lemmas.append(p.normal_form if p.tag.POS in ("ADJF", "ADJS", "PRTF") else w.lower())
        else:
            key = " ".join(lemmas)
            if key in table:
                return table[key], n
    return None


def candidates(text: str) -> list[Candidate]:
    return candidates_of(tokens(text))


def candidates_of(words: list[str]) -> list[Candidate]:
    """Candidates of a tokenised text; each knows its span (first, end) in ``words``."""
    out: list[Candidate] = []
    i = 0
    pending_weight: float | None = None
    while i < len(words):
        w = words[i]
        if not _WORD.match(w):
            pending_weight = None
            i += 1
            continue
        inten = _match_intensity(words, i)
        if inten is not None:
            pending_weight = inten[0]
            i += inten[1]
            continue
        phrase = _noun_phrase(words, i)
        if phrase is not None:
            cand, used = phrase
            cand.intensity = pending_weight
            cand.end = i + used
            pending_weight = None
            out.append(cand)
            i += used
            continue
        cand = _single(words, i)
        if cand is not None:
            cand.intensity = pending_weight
            cand.end = i + 1
            out.append(cand)
            pending_weight = None
        i += 1
    return out


def _noun_phrase(words: list[str], i: int):
    """Modifiers + noun starting at i (and a genitive dependent), or None."""
    mods: list[int] = []
    j = i
    while j < len(words) and _WORD.match(words[j]) and _mod_parses(words[j]) and len(mods) < 3:
        mods.append(j)
        j += 1
    if j >= len(words) or not _WORD.match(words[j]):
        return None
    if not mods:
        return _bare_noun_with_dependent(words, i)
    # the noun must agree with every modifier; a modifier may itself be ambiguous with a noun
    for noun in _noun_parses(words[j]):
        agreeing = []
        for k in mods:
            mp = [m for m in _mod_parses(words[k]) if M.agree(m, noun)]
            if not mp:
                break
            agreeing.append(mp[0])
        else:
            break
    else:
        return None
    table = intensity("ru")
    kept = []
    weight = None
    for mp in agreeing:
        if mp.normal_form in table:
            weight = max(weight or 0.0, table[mp.normal_form])
        elif _is_stop(mp.normal_form) or "Apro" in mp.tag or "Anum" in mp.tag:
            continue
        else:
            kept.append(mp)
    head = noun.normal_form
    if _is_stop(head):
        return None
    key_words = [M.to_lemma_form(mp, noun) for mp in kept] + [head]
    parts = [mp.normal_form for mp in kept] + [head]
    used = j + 1 - i
    # a genitive dependent belongs to the phrase: шум дождя, запах мокрой травы
    dep = _genitive_dependent(words, j + 1)
    if dep is not None and kept == [] and len(key_words) == 1:
        dep_words, dep_parts, dep_used = dep
        key_words += dep_words
        parts += dep_parts
        used += dep_used
    layer = _layer_of_noun(head)
    cand = Candidate(" ".join(key_words), head, tuple(parts), layer, "noun", i)
    if weight is not None:
        cand.extra["weight"] = weight
    if len(key_words) == 1 and weight is not None:
        cand.intensity = weight
    return cand, used


def _bare_noun_with_dependent(words: list[str], i: int):
    """A noun followed by a genitive dependent (шум дождя) as one phrase, or None."""
    best = M.best(words[i])
    if best.tag.POS != "NOUN" or best.tag.case == "gent" and i > 0 and M.best(words[i - 1]).tag.POS != "PREP":
        return None
    if any(g in best.tag for g in ("Name", "Surn", "Patr", "Abbr")) or _is_stop(best.normal_form):
        return None
    if best.normal_form in word_set("emotion_ru.txt") or best.normal_form in _FRAME_NOUNS:
        return None
    dep = _genitive_dependent(words, i + 1)
    if dep is None:
        return None
    dep_words, dep_parts, dep_used = dep
    head = best.normal_form
    cand = Candidate(" ".join([head] + dep_words), head, (head, *dep_parts), _layer_of_noun(head), "noun", i)
    return cand, 1 + dep_used


def _genitive_dependent(words: list[str], j: int):
    k = j
    mods = []
    while k < len(words) and _WORD.match(words[k]) and len(mods) < 2:
        best = M.best(words[k])
        if best.tag.POS in M.MODIFIER_POS and best.tag.case == "gent" and "Apro" not in best.tag:
            mods.append(words[k])
            k += 1
        else:
            break
    if k >= len(words) or not _WORD.match(words[k]):
        return None
    best = M.best(words[k])
    if best.tag.POS != "NOUN" or best.tag.case != "gent" or best.score < 0.5:
        return None
    if _is_stop(best.normal_form) or best.normal_form in word_set("emotion_ru.txt"):
        return None
    if "Name" in best.tag or "Surn" in best.tag:
        return None
    # keep the dependent exactly as written (it stays genitive in every case of the head)
    return [w.lower() for w in words[j:k + 1]], [M.best(w).normal_form for w in words[j:k + 1]], k + 1 - j


def _single(words: list[str], i: int) -> Candidate | None:
    w = words[i]
    ps = M.parses(w)
    best = ps[0]
    pos = best.tag.POS
    if pos in ("ADVB", "PRED") and w.lower().endswith("о"):
        # a state said as an adverb: мне грустно → грусть
        low = w.lower()
        noun = emotion_noun(low, "ru")
        adjectives = {low[:-1] + end for end in ("ый", "ий", "ой")}
        shared = len(next((p for p in (noun[:k] for k in range(len(noun), 0, -1)) if low.startswith(p)), "")) \
            if noun else 0
        # only a clear state: the stem is the noun's (грустно) or the adjective is a listed emotion (страшно)
        if noun is not None and len(w) > 4 and (shared >= 5 or adjectives & word_set("emotion_ru.txt")):
            return Candidate(noun, noun, (noun,), EMOTION, "noun", i)
    if pos == "ADVB" or pos is None:
        # "весной", "утром": a noun reading, when there is one, is the concept
        nouns = [p for p in ps if p.tag.POS == "NOUN" and p.score >= 0.2]
        if not nouns:
            return None
        best, pos = nouns[0], "NOUN"
    if pos in _SKIP_POS or any(g in best.tag for g in ("Apro", "Anum", "Name", "Surn", "Patr", "Abbr")):
        return None
    lemma = best.normal_form
    if _is_stop(lemma) or len(lemma) < 2:
        return None
    if pos == "NOUN":
        return Candidate(lemma, lemma, (lemma,), _layer_of_noun(lemma), "noun", i)

    if pos in ("VERB", "INFN", "GRND", "PRTF", "PRTS"):
        return Candidate(lemma, lemma, (lemma,), ACTION, "verb", i)
    if pos in ("ADJF", "ADJS", "COMP"):
        noun = emotion_noun(lemma, "ru") if lemma in word_set("emotion_ru.txt") else None
        if noun is not None:
            return Candidate(noun, noun, (noun,), EMOTION, "noun", i)
        layer = EMOTION if lemma in word_set("emotion_ru.txt") else IMAGE
        return Candidate(lemma, lemma, (lemma,), layer, "adj", i)
    return None

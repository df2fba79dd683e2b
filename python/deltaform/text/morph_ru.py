"""Russian morphology on top of pymorphy3: analysing words, normalising and inflecting phrases."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ._resources import morph_ru

# Parts of speech that can modify a noun and agree with it.
MODIFIER_POS = frozenset({"ADJF", "PRTF"})
VERB_POS = frozenset({"VERB", "INFN", "GRND", "PRTS"})
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


@functools.lru_cache(maxsize=200_000)
def parses(word: str) -> tuple:
    """All pymorphy3 analyses of a word (lower case), best first."""
    return tuple(morph_ru().parse(word.lower()))


def best(word: str):
    return parses(word)[0]


def is_known(word: str) -> bool:
    return morph_ru().word_is_known(word.lower())


def agree(mod, noun) -> bool:
    """Whether a modifier analysis agrees with a noun analysis (case, number, gender in the singular)."""
    mt, nt = mod.tag, noun.tag
    if mt.case is None or nt.case is None or mt.number is None or nt.number is None:
        return False
    if mt.case != nt.case and not ({mt.case, nt.case} <= {"loct", "loc2"} or {mt.case, nt.case} <= {"gent", "gen2"}):
        return False
    if mt.number != nt.number:
        return False
    ng, mg = _gender(nt), _gender(mt)
    # "ms-f" nouns (сирота) have no single gender and agree with either
    if nt.number == "sing" and ng is not None and mg is not None and mg != ng:
        return False
    return True


def _gender(tag) -> str | None:
    """The tag's gender as a plain string, None for none or common gender (ms-f)."""
    for g in ("masc", "femn", "neut"):
        if g in tag:
            return g
    return None


def to_lemma_form(mod, noun) -> str:
    """The dictionary form of a modifier agreeing with the noun's lemma (плавной памятью → плавная)."""
    lemma_noun = noun.normalized
    grams = {"nomn", "sing"}
    gender = _gender(lemma_noun.tag)
    if lemma_noun.tag.number == "plur" or "Pltm" in lemma_noun.tag:
        grams = {"nomn", "plur"}
    elif gender:
        grams.add(gender)
    if mod.tag.POS == "PRTF":
        # keep participles as participles (тающий лёд), not the verb's infinitive
        form = mod.inflect(grams)
        return form.word if form else mod.word
    form = mod.normalized.inflect(grams)
    return form.word if form else mod.normal_form


@dataclass(frozen=True)
class PhraseShape:
    """How a phrase atom inflects: the head noun's index and its agreeing modifiers before it."""
    words: tuple[str, ...]
    head: int | None            # index of the head noun, None when the phrase has no noun head
    modifiers: tuple[int, ...]  # indices of the modifiers that agree with the head
    gender: str | None
    number: str
    animate: bool
    kind: str                   # "noun", "verb", "adj", "other"


@functools.lru_cache(maxsize=50_000)
def shape(phrase: str) -> PhraseShape:
    """Analyses an atom written in its dictionary form (`плавная память`, `толчок к смыслу`, `таять`)."""
    words = tuple(phrase.split())
    if not words:
        return PhraseShape(words, None, (), None, "sing", False, "other")
    head = None
    for i, w in enumerate(words):
        if i < len(words) - 1 and best(w).tag.POS in MODIFIER_POS:
            continue        # "ночное небо": ночное may be a noun, but here it is the modifier
        cands = [p for p in parses(w) if p.tag.POS == "NOUN" and p.tag.case == "nomn"]
        if not cands:
            continue
        # words before the head must be modifiers agreeing with it
        for cand in cands:
            mods = []
            ok = True
            for j in range(i):
                mp = [m for m in parses(words[j]) if m.tag.POS in MODIFIER_POS and agree(m, cand)]
                if mp:
                    mods.append(j)
                else:
                    ok = False
                    break
            if ok:
                head = i
                return PhraseShape(words, head, tuple(mods), _gender(cand.tag), cand.tag.number or "sing",
                                   cand.tag.animacy == "anim", "noun")
        break
    first = best(words[0])
    if len(words) == 1 and first.tag.POS in VERB_POS | {"INFN"}:
        return PhraseShape(words, None, (), None, "sing", False, "verb")
    if len(words) == 1 and first.tag.POS in ("ADJF", "ADJS", "PRTF"):
        return PhraseShape(words, None, (), None, "sing", False, "adj")
    if len(words) == 1 and any(p.tag.POS == "NOUN" for p in parses(words[0])):
        p = next(p for p in parses(words[0]) if p.tag.POS == "NOUN")
        return PhraseShape(words, 0, (), _gender(p.tag), p.tag.number or "sing", p.tag.animacy == "anim", "noun")
    return PhraseShape(words, None, (), None, "sing", False, "other")


def _inflect_word(word: str, pos_filter, grams: set[str], pick=None) -> str:
    for p in parses(word):
        if p.tag.POS not in pos_filter:
            continue
        if pick is not None and not pick(p):
            continue
        form = p.inflect(grams)
        if form is not None:
            out = form.word
            if word[:1].isupper():
                out = out[:1].upper() + out[1:]
            return out
    return word


def inflect_phrase(phrase: str, case: str, number: str | None = None) -> str:
    """The phrase atom with its head noun in ``case`` (and ``number``), modifiers agreeing.

    Words after the head (a dependent genitive, a prepositional phrase) stay as they are.
    A phrase without a noun head is returned unchanged.
    """
    sh = shape(phrase)
    if sh.kind != "noun" or sh.head is None:
        return phrase
    num = number or sh.number
    words = list(sh.words)
    head_word = words[sh.head]
    grams = {case}
    if "Pltm" not in best(head_word).tag and "Sgtm" not in best(head_word).tag:
        grams.add(num)
    words[sh.head] = _inflect_word(head_word, {"NOUN"}, grams,
                                   pick=lambda p: p.tag.case == "nomn")
    mod_grams = {case, num}
    if num == "sing" and sh.gender in ("masc", "femn", "neut"):
        mod_grams.add(sh.gender)
    if case == "accs" and (num == "plur" or sh.gender == "masc"):
        mod_grams.add("anim" if sh.animate else "inan")
    for j in sh.modifiers:
        words[j] = _inflect_word(words[j], MODIFIER_POS, mod_grams)
    return " ".join(words)


def inflect_adjective(lemma: str, like: str, case: str) -> str:
    """An adjective (dictionary form) agreeing with the head noun of phrase ``like`` in ``case``."""
    sh = shape(like)
    num = sh.number
    grams = {case, num}
    if num == "sing" and sh.gender in ("masc", "femn", "neut"):
        grams.add(sh.gender)
    if case == "accs" and (num == "plur" or sh.gender == "masc"):
        grams.add("anim" if sh.animate else "inan")
    return " ".join(_inflect_word(w, MODIFIER_POS, grams) if i == len(lemma.split()) - 1 else w
                    for i, w in enumerate(lemma.split()))


def verb_form(lemma: str, number: str, gender: str | None = None) -> str:
    """Present (or for perfective verbs, future) 3rd person of a verb lemma."""
    grams = {"3per", number}
    return _inflect_word(lemma, {"INFN", "VERB"}, grams)

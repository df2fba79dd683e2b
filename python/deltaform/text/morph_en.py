"""English word classes, lemmas and inflection on top of lemminflect."""

from __future__ import annotations

import functools
import re

from ._resources import lemminflect, word_set, zipf

_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|[^\sA-Za-z]")

DETERMINERS = frozenset("a an the this that these those my your his her its our their some any every each no".split())
SUBJECT_PRONOUNS = frozenset("i you he she it we they who which that".split())
MODALS = frozenset("to can could may might must shall should will would do does did not never".split())
PREPOSITIONS = frozenset(
    "of in on at into onto from by with without within through across over under above below between among "
    "after before during about around toward towards against along behind beyond near upon like for".split())


def tokens(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.lru_cache(maxsize=100_000)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Lemmas by universal part of speech (NOUN, VERB, ADJ, ADV…), dictionary first, then rules."""
    lm = lemminflect()
    found = lm.getAllLemmas(word)
    if not found:
        found = lm.getAllLemmasOOV(word, upos="NOUN")
    return dict(found)


def lemma(word: str, upos: str) -> str:
    lm = lemminflect()
    found = lm.getLemma(word, upos=upos)
    if not found:
        return word
    # prefer the lemma that differs from a plural-looking word (leaves → leaf)
    return found[-1] if upos == "NOUN" and len(found) > 1 else found[0]


def is_stop(word: str) -> bool:
    return word in word_set("stop_en.txt")


def tag(words: list[str]) -> list[str]:
    """A light part-of-speech guess for each word: NOUN, VERB, ADJ, ADV, FUNC or PUNCT.

    Dictionary classes from lemminflect, disambiguated by the word before (a determiner
    or adjective makes a noun, a pronoun or 'to' makes a verb) and by the word after.
    """
    out: list[str] = []
    low = [w.lower() for w in words]
    for i, w in enumerate(low):
        if not w[:1].isalpha():
            out.append("PUNCT")
            continue
        if is_stop(w) or w in PREPOSITIONS or w in MODALS:
            out.append("FUNC")
            continue
        classes = lemmas(w)
        prev = out[i - 1] if i else "PUNCT"
        prev_w = low[i - 1] if i else ""
        nxt = low[i + 1] if i + 1 < len(low) else ""
        choice = _choose(w, classes, prev, prev_w, nxt)
        out.append(choice)
    return out


def _choose(w: str, classes: dict, prev: str, prev_w: str, nxt: str) -> str:
    has = set(classes)
    if not has:
        return "NOUN"
    if has == {"ADV"} or (w.endswith("ly") and "ADV" in has):
        return "ADV"
    if len(has & {"NOUN", "VERB", "ADJ"}) == 1:
        return next(iter(has & {"NOUN", "VERB", "ADJ"}))
    if nxt == "into" and "VERB" in has:
        return "VERB"          # turns into, grows into: a verb of passing
    after_det = prev_w in DETERMINERS or prev in ("ADJ",) or prev_w in PREPOSITIONS or prev_w == "'s"
    after_subject = prev_w in SUBJECT_PRONOUNS or prev_w in MODALS or prev == "ADV"
    next_classes = lemmas(nxt) if nxt[:1].isalpha() and not is_stop(nxt) and nxt not in PREPOSITIONS else {}
    next_is_nominal = "NOUN" in next_classes and "VERB" not in next_classes
    if "ADJ" in has and (next_is_nominal or prev_w in ("is", "are", "was", "were", "feels", "seems", "looks", "very")):
        return "ADJ"
    if "ADJ" in has and "NOUN" in next_classes and (prev_w in DETERMINERS or prev in ("PUNCT", "ADJ", "FUNC")):
        return "ADJ"
    if after_subject and "VERB" in has:
        return "VERB"
    if after_det:
        if "ADJ" in has and next_is_nominal:
            return "ADJ"
        return "NOUN" if "NOUN" in has else ("ADJ" if "ADJ" in has else "VERB")
    if prev == "NOUN" and "VERB" in has and (w.endswith("s") or w.endswith("ed") or w.endswith("ing")):
        return "VERB"
    if "NOUN" in has and (w.endswith("ing") is False):
        return "NOUN"
    if w.endswith("ing") and "VERB" in has:
        return "VERB"
    return "NOUN" if "NOUN" in has else sorted(has)[0]


def plural(noun: str) -> str:
    """Plural of the last word of a noun phrase (memory → memories)."""
    words = noun.split()
    forms = lemminflect().getInflection(words[-1], tag="NNS")
    if forms:
        words[-1] = forms[0]
    else:
        words[-1] = words[-1] + ("es" if re.search(r"(s|x|z|ch|sh)$", words[-1]) else "s")
    return " ".join(words)


def verb_3sg(verb: str) -> str:
    forms = lemminflect().getInflection(verb, tag="VBZ")
    return forms[0] if forms else verb + "s"


def verb_ing(verb: str) -> str:
    forms = lemminflect().getInflection(verb, tag="VBG")
    return forms[0] if forms else verb + "ing"


_AN_EXCEPTIONS = ("hour", "honest", "honor", "honour", "heir")
_A_EXCEPTIONS = ("uni", "use", "usu", "uti", "eu", "one", "once", "ewe", "ufo", "ure")


def indefinite_article(phrase: str) -> str:
    """'a' or 'an' by the sound of the first word."""
    w = phrase.split()[0].lower() if phrase.split() else ""
    if w.startswith(_AN_EXCEPTIONS):
        return "an"
    if w.startswith(_A_EXCEPTIONS):
        return "a"
    return "an" if w[:1] in "aeiou" else "a"


@functools.lru_cache(maxsize=50_000)
def is_mass(noun: str) -> bool:
    """Whether a noun is mostly used without an article (water, silence, fear).

    By frequency: a mass noun's plural is rare against its singular. Emotion words
    and -ness/-ity nouns count as mass.
    """
    head = head_word(noun)
    if head in word_set("emotion_en.txt") or head.endswith(("ness", "ity", "ism", "dom", "ment")):
        return True
    sg, pl = zipf(head, "en"), zipf(plural(head), "en")
    return pl < sg - 1.0


def noun_kind(phrase: str) -> str:
    """'noun', 'verb' or 'adj' for an atom written in dictionary form."""
    words = phrase.split()
    if not words:
        return "noun"
    last = words[-1].lower()
    classes = lemmas(last)
    if len(words) == 1:
        if last.endswith("ing") and "VERB" in classes:
            return "noun"     # a gerund: melting
        if "NOUN" in classes:
            return "noun"
        if "ADJ" in classes:
            return "adj"
        if "VERB" in classes:
            return "verb"
    return "noun"


def is_base_verb(word: str) -> bool:
    """A single word that is a verb in its base form (melt, rise): said with 'to'."""
    if " " in word.strip():
        return False
    w = word.lower()
    classes = lemmas(w)
    return "VERB" in classes and w in classes["VERB"] and not w.endswith("ing")


_PLURAL_ONLY = frozenset("people police cattle scissors trousers jeans clothes glasses pants".split())


def is_invariant_plural(noun: str) -> bool:
    """Nouns that are plural without a singular of their own (people, scissors)."""
    w = noun.lower()
    return w in _PLURAL_ONLY or (w.endswith("s") and plural(w) == w and lemma(w, "NOUN") == w)


def head_word(phrase: str) -> str:
    """The head noun of a phrase atom: the last word, or the word before a preposition
    (sound of rain → sound, push toward meaning → push)."""
    words = phrase.lower().split()
    for i, w in enumerate(words[1:], 1):
        if w in PREPOSITIONS:
            return words[i - 1]
    return words[-1] if words else ""

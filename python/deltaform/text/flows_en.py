"""English transitions: verbs of becoming and passing, and the frames around them.

- X turns / changes / passes / fades / melts / grows … **into** Y (some also **to** Y);
- X becomes Y;  X gives way to Y;  X yields to Y;  X makes way for Y;  X is replaced by Y;
- **from** X comes / grows / rises Y;  out of X, Y;  Y grows out of X;  from X to Y;
  the passage from X to Y;  first X, then Y;  X at first; Y after that;
- X fades, and Y arrives;  where X was, now Y;  after X comes Y;  Y replaces X;  Z turns X into Y.

A flow goes on through ", and then to Y", ", then Y", "; later, Y", "; from X, Y", "; Y in turn".
"""

from __future__ import annotations

import functools

from . import morph_en as E
from .flow_match import Found, Grammar, Matcher, Unit


def _lex(text: str) -> frozenset[str]:
    return frozenset(text.split())


LEXICON = {
    "into_to": _lex("turn change pass shift fade transform switch"),
    "into": _lex("melt dissolve grow develop evolve morph ripen blend harden crumble burst deepen "
                 "transmute mature flower blossom collapse thicken condense swell"),
    "become": _lex("become"),
    "give": _lex("give"),
    "yield": _lex("yield surrender"),
    "make": _lex("make"),
    "emerge": _lex("come grow rise emerge spring arise bear born bloom sprout flower blossom"),
    "leave": _lex("fade go leave disappear vanish end die pass melt ebb subside recede retreat wane dissolve "
                  "stop dry clear lift"),
    "arrive": _lex("arrive come appear begin rise remain emerge start follow return wake dawn"),
    "replace": _lex("replace supplant displace succeed"),
    "convert": _lex("turn change transform make melt forge shape mould mold"),
    "then": _lex("then later next afterwards afterward finally eventually soon"),
    "be": _lex("be is are was were"),
}

PATTERNS = (
    ("passage|transition|shift|change|turn|journey|path", "from", "A", "to|into", "B"),
    ("A", "@into_to", "into|to", "B"),
    ("A", "@into", "into", "B"),
    ("A", "@give", "way", "to", "B"),
    ("A", "@make", "way", "for", "B"),
    ("A", "@yield", "to", "B"),
    ("A", "@become", "B"),
    ("A", "replaced|followed|succeeded|supplanted|displaced", "by", "B"),
    ("@convert", "A", "into", "B"),
    ("from|out", "?of", "A", "?,", "@emerge", "B"),
    ("from|out", "?of", "A", "?,", "B", "@emerge"),
    ("from|out", "?of", "A", ",|—", "B"),
    ("from", "A", "to|into", "B"),
    ("B", "@emerge", "from|out", "?of", "A"),
    ("?first", "A", ",|;|—", "?and", "@then", "?,", "B"),
    ("A", "at", "first", ",|;|—", "?and", "?@then", "?,", "B"),
    ("A", "@leave", ",|;|—", "?and", "B", "@arrive"),
    ("A", "@leave", ",|;|—", "?and", "@arrive", "B"),
    ("where", "A", "?*V", ",|;", "?now", "?@be", "B"),
    ("after", "A", "?,", "@arrive", "B"),
    ("instead", "of", "A", "?,|—", "?@arrive", "B"),
    ("B", "@arrive", "after", "A"),
    ("B", "@replace", "A"),
)
CONTINUATIONS = (
    (",|;|—", "?and", "@then", "?on", "?to|into", "?,", "B"),
    (",|;|—", "?and", "on", "to|into", "B"),
    (",|;", "?and", "from|after", "A=prev", "?,", "?@emerge", "B"),
    (",|;", "?and", "B", "in", "turn"),
    (",|;", "?and", "A=prev", "into|to", "B"),
)

# auxiliaries and determiners may stand between a pattern's words; negation may not
_SKIP = frozenset(E.DETERMINERS | {"is", "are", "was", "were", "be", "been", "being", "has", "have", "had",
                                   "will", "would", "can", "could", "may", "might", "shall", "should",
                                   "does", "do", "did", "there", "slowly", "gradually", "suddenly", "again",
                                   "all", "also", "still", "quietly", "soon", "at", "last", "only", "just",
                                   "out", "away", "down", "up", "off", "first", "second", "last", "other", "own",
                                   "every", "each", "many", "few", "more", "most"})
_NEGATION = frozenset({"not", "never", "no", "n't"})


def _is_filler(u: Unit) -> bool:
    if u.key is not None or u.word in _NEGATION:
        return False
    return u.pos in ("ADV", "ADJ") or u.word in _SKIP


def _is_preposition(u: Unit) -> bool:
    return u.key is None and u.word in E.PREPOSITIONS


def _is_verb(u: Unit) -> bool:
    return u.pos == "VERB"


@functools.lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher(Grammar(PATTERNS, CONTINUATIONS, LEXICON, _is_filler, _is_preposition, _is_verb,
                           frozenset({"and"}), frozenset({"almost", "like", "nearly", "or", "something", "close"})))


def _lemmas(w: str) -> frozenset[str]:
    out = {w}
    for pos, found in E.lemmas(w).items():
        out.update(found)
    return frozenset(out)


def units(words: list[str], candidates) -> list[Unit]:
    tags = E.tag(words)
    # a one-word verb or adjective that can be a noun may be a stage too: the tagger reads
    # "to snow", "spring arrives", "cold is" as verb or adjective; the patterns decide
    phrases = {c.first: c for c in candidates if c.end > c.first and (
        c.pos == "noun" or (c.end - c.first == 1 and "NOUN" in E.lemmas(words[c.first].lower())))}
    out: list[Unit] = []
    i = 0
    while i < len(words):
        c = phrases.get(i)
        if c is not None:
            span = " ".join(words[i:c.end]).lower()
            pos = "NP" if c.pos == "noun" else tags[i]      # a verb read as a stage stays a verb too
            out.append(Unit(span, frozenset({c.head}), pos, i, c.end, c.key))
            i = c.end
            continue
        low = words[i].lower().replace("’", "'")
        if tags[i] == "PUNCT":
            out.append(Unit(low, frozenset(), "PUNCT", i, i + 1))
        else:
            out.append(Unit(low, _lemmas(low), tags[i], i, i + 1))
        i += 1
    return out


def find(words: list[str], candidates) -> list[Found]:
    """The flows said in a tokenised English text (stages are the candidates' atom keys)."""
    return matcher().find(units(words, candidates))

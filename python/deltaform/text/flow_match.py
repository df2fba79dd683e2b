"""Transitions in a text (§9.6.1, flows): "вода превращается в лёд", "from pain to memory" → вода → лёд.

A text is read as a row of *units*: each noun phrase that extraction found is one
unit (its atom, its span, the cases it can stand in), every other word or mark
is a unit of its own (its lemmas, its part of speech). Each language gives a list
of patterns over those units — verbs of becoming and passing with the case they
govern, prepositional frames (из X — Y, от X к Y, from X to Y), sequence words
(сначала X, потом Y; first X, then Y) — and this module matches them, links
flows that share a stage into longer ones, and follows a flow's continuation
(", а затем в пар", ", then steam").

A pattern is a tuple of elements, matched left to right:

- ``"A"`` / ``"B"``: a noun phrase, the stage passed from / into; ``"A.gent"``
  also asks for a case (Russian), ``"A=prev"`` the last stage of the flow being
  continued;
- ``"@name"``: a word whose lemma is in the language's lexicon ``name``;
- ``"*V"``: any verb (what the language calls one);
- ``"в|во"``: one of these words (or marks: ``","``, ``"—"``);
- a leading ``"?"`` makes an element optional.

Between two elements the matcher skips a few *fillers* (adverbs, particles other
than negation, determiners, intensity adjectives, prepositional phrases such as
"в реке", a verb joined by "и"/"and": "снег тает и становится водой"), so "вода в
реке медленно превращается в лёд" still matches ``A @into в B``. The language
modules say what a filler is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

MAX_FILLERS = 4


@dataclass
class Unit:
    """One position in the row: a noun phrase (``key`` set) or a single token."""
    word: str                          # lower-case surface text (the whole phrase for a noun phrase)
    lemmas: frozenset[str]             # lemmas of a token; of a noun phrase, its head's lemma
    pos: str                           # part of speech; "NP" for a noun phrase, "PUNCT" for marks
    start: int                         # token span in the text
    end: int
    key: str | None = None             # the atom a noun phrase stands for
    cases: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Found:
    """A flow found in a text: its stages and the token positions of its marker words.

    A stage is an atom key, or several joined by " + " when the text joins them (вода и боль).
    """
    stages: list[str]
    start: int
    end: int
    markers: set[int] = field(default_factory=set)


@dataclass
class Grammar:
    """One language's patterns: flows, continuations and what a filler is."""
    patterns: Sequence[tuple[str, ...]]           # standalone flows, most specific first
    continuations: Sequence[tuple[str, ...]]      # what extends a flow just found
    lexicon: dict[str, frozenset[str]]
    is_filler: Callable[[Unit], bool]
    is_preposition: Callable[[Unit], bool]
    is_verb: Callable[[Unit], bool]
    conjunctions: frozenset[str]                   # "и", "and": a verb before one is skipped
    apposition: frozenset[str] = frozenset()       # words that open ", почти река," / ", like a river,"
    sentence_end: frozenset[str] = frozenset({".", "!", "?", "…"})


class Matcher:
    def __init__(self, grammar: Grammar):
        self.g = grammar
        self._lexicon_words = frozenset().union(*grammar.lexicon.values())
        self._needs = {pattern: self._words_needed(pattern)
                       for pattern in (*grammar.patterns, *grammar.continuations)}

    def _words_needed(self, pattern) -> list[frozenset[str]]:
        """For each word a pattern cannot do without, the words (or lemmas) that can fill it."""
        needs = []
        for el in pattern:
            if el.startswith("?") or el == "*V" or (el[0] in "AB" and (len(el) == 1 or el[1] in ".=")):
                continue
            words: set[str] = set()
            for option in el.split("|"):
                words |= self.g.lexicon[option[1:]] if option.startswith("@") else {option}
            needs.append(frozenset(words))
        return needs

    def _usable(self, patterns, present: set[str]):
        """The patterns whose every needed word occurs in the text (most texts say no passage at all)."""
        return [p for p in patterns if all(need & present for need in self._needs[p])]

    # ---- one element ----------------------------------------------------------------
    def _element(self, el: str, u: Unit, prev: str | None) -> bool:
        if el[0] in "AB" and (len(el) == 1 or el[1] in ".="):
            if u.key is None:
                return False
            if "=" in el:
                return prev is not None and u.key == prev
            if "." in el:
                return el.split(".", 1)[1] in u.cases
            return True
        if "|" in el and "@" in el:      # alternatives that mix words and lexicons: "—|@arrive"
            return any(self._element(o, u, prev) for o in el.split("|"))
        if el == "*V":
            return self.g.is_verb(u)
        if el.startswith("@"):
            lex = self.g.lexicon[el[1:]]
            return bool(u.lemmas & lex) or u.word in lex
        options = el.split("|")
        return u.word in options or (u.key is not None and u.key in options)

    def _fillers_after(self, units: list[Unit], p: int) -> list[int]:
        """Positions reachable from p by skipping 0..MAX_FILLERS fillers (a preposition + phrase is one)."""
        out = [p]
        q = p
        for _ in range(MAX_FILLERS):
            if q >= len(units):
                break
            u = units[q]
            if self.g.is_preposition(u) and (r := self._phrase_after(units, q + 1)) is not None:
                q = r        # a prepositional phrase: "на реке", "on the river", "со временем"
            elif self.g.is_verb(u) and q + 1 < len(units) and units[q + 1].word in self.g.conjunctions:
                q += 2
            elif (close := self._apposition_end(units, q)) is not None:
                # ", почти река," may be skipped up to its closing comma or past it
                out.append(close)
                q = close + 1
            elif self.g.is_filler(u) and u.word not in self.g.apposition:
                q += 1
            else:
                break
            out.append(q)
        return out

    def _phrase_after(self, units: list[Unit], r: int) -> int | None:
        """Where the noun phrase starting at r (after a preposition, determiners allowed) ends, or None."""
        while r < len(units) and units[r].key is None and self.g.is_filler(units[r]):
            r += 1
        if r < len(units) and (units[r].key is not None or units[r].pos in ("NOUN", "NPRO")):
            return r + 1
        return None

    def _apposition_end(self, units: list[Unit], q: int) -> int | None:
        """Where an apposition opening at q (", почти река,") closes: its comma (or ";", "—"), or None."""
        if units[q].word != "," or q + 1 >= len(units) or not (
                units[q + 1].word in self.g.apposition or units[q + 1].lemmas & self.g.apposition):
            return None
        for r in range(q + 2, min(len(units), q + 7)):
            if units[r].pos == "PUNCT":
                return r if units[r].word in (",", ";", "—") else None
        return None

    def match(self, pattern: Sequence[str], units: list[Unit], p: int, prev: str | None = None):
        """Binds the pattern at p: ({"A": unit, "B": unit}, marker positions, end) or None."""
        return self._match(pattern, 0, units, p, {}, [], prev, first=True)

    def _match(self, pattern, k, units, p, bound, markers, prev, first=False):
        if k == len(pattern):
            return bound, markers, p
        el = pattern[k]
        optional = el.startswith("?")
        if optional:
            el = el[1:]
        starts = [p] if first else self._fillers_after(units, p)
        for q in starts:
            if q < len(units) and units[q].pos == "PUNCT" and units[q].word in self.g.sentence_end:
                break           # a flow stays inside one sentence
            if q < len(units) and self._element(el, units[q], prev):
                name = el[0] if el[0] in "AB" and (len(el) == 1 or el[1] in ".=") else None
                if name is None:
                    got = self._match(pattern, k + 1, units, q + 1, bound, markers + [q], prev)
                    if got is not None:
                        return got
                    continue
                # a stage may be several phrases joined by "и"/"and": вода и боль переходят в память
                group = [units[q]]
                ends = [(q, list(group))]
                j = q
                while "=" not in el:
                    c = j + 1        # the connector: "и"/"and" or a comma, after an apposition if one follows
                    if c < len(units) and (close := self._apposition_end(units, c)) is not None:
                        c = close + 1
                        if c < len(units) and units[c].word not in self.g.conjunctions:
                            break
                    if c + 1 >= len(units) or units[c].word not in self.g.conjunctions | {","}:
                        break
                    r = c + 1
                    while units[c].word != "," and r < len(units) - 1 and units[r].key is None \
                            and self.g.is_filler(units[r]) and not units[r].lemmas & self._lexicon_words:
                        r += 1      # "the fire and the sun", not "огонь, потом река"
                    if not self._element(el, units[r], prev):
                        break
                    group.append(units[r])
                    joined_by_conjunction = units[c].word != ","
                    j = r
                    if joined_by_conjunction:       # "A, B и C" is a list; "In the old house, hope" is not
                        ends.append((j, list(group)))
                for e, members in reversed(ends):
                    got = self._match(pattern, k + 1, units, e + 1, {**bound, name: members}, markers, prev)
                    if got is not None:
                        return got
        if optional:
            return self._match(pattern, k + 1, units, p, bound, markers, prev, first=first)
        return None

    # ---- a whole text -----------------------------------------------------------------
    def find(self, units: list[Unit]) -> list[Found]:
        present: set[str] = set()
        for u in units:
            present.add(u.word)
            present |= u.lemmas
            if u.key is not None:
                present.add(u.key)
        patterns = self._usable(self.g.patterns, present)
        continuations = self._usable(self.g.continuations, present)
        if not patterns:
            return []
        found: list[Found] = []
        p = 0
        while p < len(units):
            hit = self._first_at(units, p, patterns)
            if hit is None:
                p += 1
                continue
            flow, q = hit
            # follow the flow: ", а затем в пар", "; from ice, steam"
            while True:
                ext = self._continue(units, q, flow.stages[-1].split(" + ")[-1], continuations)
                if ext is None:
                    break
                key, markers, q = ext
                if key in flow.stages:
                    break
                flow.stages.append(key)
                flow.markers |= markers
            flow.end = units[q - 1].end
            found.append(flow)
            p = q
        return _link(found)

    def _first_at(self, units: list[Unit], p: int, patterns):
        # A is always the stage passed from, wherever the pattern says it (память рождается из боли)
        for pattern in patterns:
            got = self.match(pattern, units, p)
            if got is None:
                continue
            bound, markers, q = got
            a, b = _stage(bound["A"]), _stage(bound["B"])
            if set(a.split(" + ")) & set(b.split(" + ")):
                continue
            marker_tokens = {i for m in markers for i in range(units[m].start, units[m].end)
                             if units[m].pos != "PUNCT"}
            return Found([a, b], units[p].start, units[q - 1].end, marker_tokens), q
        return None

    def _continue(self, units: list[Unit], q: int, last: str, continuations):
        starts = [q]
        if q < len(units) and (close := self._apposition_end(units, q)) is not None:
            starts.append(close)     # "в лёд, почти камень, а затем в пар"
        for pattern in continuations:
            got = next((m for m in (self.match(pattern, units, s, prev=last) for s in starts) if m), None)
            if got is None:
                continue
            bound, markers, end = got
            b = _stage(bound["B"])
            if b == last:
                continue
            tokens = {i for m in markers for i in range(units[m].start, units[m].end) if units[m].pos != "PUNCT"}
            return b, tokens, end
        return None


def _stage(group: list[Unit]) -> str:
    """A stage's text: one atom, or several joined by " + " (a bundle)."""
    return " + ".join(dict.fromkeys(u.key for u in group))


def _link(found: list[Found]) -> list[Found]:
    """Flows that share a stage end-to-start become one: вода → лёд, лёд → пар ⇒ вода → лёд → пар."""
    out: list[Found] = []
    for f in found:
        for g in out:
            if g.stages[-1] == f.stages[0] and not set(f.stages[1:]) & set(g.stages):
                g.stages.extend(f.stages[1:])
                g.markers |= f.markers
                g.end = f.end
                break
        else:
            out.append(f)
    return out

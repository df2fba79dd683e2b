"""English realiser: plan items → English sentences with the right articles and agreement.

Every noun slot names its determiner: ``{A:the}`` (definite), ``{A:a}`` (indefinite:
'a'/'an' by sound for count nouns, none for mass nouns and plurals) or ``{A:0}``
(bare). Verbs agree in number with their subject (``{gives|give:A}``).
"""

from __future__ import annotations

import random
import re

from . import morph_en as E
from .realize import CLOSE, BaseRealiser, capitalised, close_appositions
from .plan import Absence, Concept, Fusion, Group, Item, Layered, Named, Passage

# weight → intensity words (the same words extraction reads back as weights); 1 says nothing
WEIGHT_WORDS = ((0.25, ("barely noticeable", "barely perceptible")), (0.5, ("faint", "slight")), (0.75, None), (0.9, ("strong", "intense")),
                (1.0, ("overwhelming",)))

_SLOT = re.compile(r"\{([A-Z]\d?):(the|a|0)\}|\{([^{}|]+)\|([^{}|]+):([A-Z]+\d?)\}")

BUNDLE = [
    "Here {is|are:A} {A:a}.",
    "It all comes down to {A:the}.",
    "The scene is made of {A:0}.",
    "There {is|are:A} only {A:a}.",
    "{A:0}, and nothing else.",
    "{A:the} {comes|come:A} together here.",
    "Out of {A:0}, one whole.",
    "Just {A:a}, side by side.",
]
FLOW = [
    ("{A:the} {gives|give:A} way to {B:the}", ", and then to {B:the}"),
    ("{A:the} {becomes|become:A} {B:a}", ", then {B:a}"),
    ("From {A:the} comes {B:a}", "; from {A:the}, {B:a}"),
    ("First {A:0}, then {B:0}", ", then {B:0}"),
    ("{A:the} {passes|pass:A} into {B:the}", ", and on into {B:the}"),
    ("From {A:0} to {B:0}", ", and on to {B:0}"),
    ("Where {A:0} {was|were:A}, now {is|are:B} {B:0}", "; later, {B:0}"),
    ("{A:0} at first; {B:0} after that", "; {B:0} in turn"),
    ("{A:the} {fades|fade:A}, and {B:the} {arrives|arrive:B}", "; after {A:the}, {B:the}"),
]
LAYER = {
    "image": ["there {is|are:X} {X:a}", "at the center, {X:the}", "it begins with {X:the}",
              "{X:the} {appears|appear:X}", "first we see {X:the}"],
    "emotion": ["inside, {X:0}", "{X:0} {is|are:X} felt", "with {X:0} within",
                "in answer, {X:0}", "{X:0} {rises|rise:X} inside"],
    "action": ["{X:the} {happens|happen:X}", "and {X:the} {begins|begin:X}", "it all leads to {X:the}",
               "next comes {X:the}", "then follows {X:the}"],
    "field": ["all around, {X:0}", "against the background of {X:the}", "in the field of {X:the}"],
    "result": ["in the end, {X:0}", "and the result is {X:the}", "what comes out is {X:the}"],
}
VERB_ACTION = ["and one wants to {V}", "everything begins to {V}", "all that is left is to {V}",
               "it is time to {V}", "things start to {V}"]
REST = ["and also {X:the}", "beside it, {X:the}", "{X:the} {joins|join:X} in"]
FUSION = [
    "{A:the} and {B:the} merge into one.",
    "{A:the} {fuses|fuse:A} with {B:the}.",
    "A fusion of {A:0} and {B:0}.",
    "{A:the} cannot be told apart from {B:the}.",
    "In {A:the} dissolves {B:the}.",
    "{A:the} and {B:the} are one.",
    "{A:0} bound up with {B:0}.",
]
ABSENCE = ["There is no {A:0}.", "{A:the} {vanishes|vanish:A}.", "Without {A:0}."]
JOIN = [", ", "; ", ". ", "; ", ", "]

# a near neighbour beside a concept: "the water, like a river"
NEIGHBOUR_FORMS = ("almost", "like", "nearly", "something like")


def weight_word(w: float, rng: random.Random) -> str | None:
    if w == 1.0:
        return None
    if w > 1.0:
        return rng.choice(WEIGHT_WORDS[-1][1])
    for bound, words in WEIGHT_WORDS:
        if w < bound or (bound == 0.25 and w <= bound):
            return rng.choice(words) if words else None
    return None


class Realiser(BaseRealiser):
    def number(self, item: Item) -> str:
        if isinstance(item, Group):
            return "plur" if len(item.items) > 1 else self.number(item.items[0])
        if isinstance(item, Layered):  # read as its fillers joined by "and"
            return "plur" if len(item.layers) > 1 else self.number(item.layers[0][2])
        if isinstance(item, Concept) and not item.quoted and E.noun_kind(item.text) == "noun":
            head = E.head_word(item.text)
            lem = E.lemma(head.lower(), "NOUN")
            if lem != head.lower() and head.lower().endswith("s"):
                return "plur"
            return "plur" if E.is_invariant_plural(head.lower()) else "sing"
        return "sing"

    def np(self, item: Item, det: str) -> str:
        if isinstance(item, Concept):
            return self._concept(item, det)
        if isinstance(item, Group):
            parts = [self.np(i, det) for i in item.items]
            text = _list(parts)
            if item.minus:
                text += " without " + _list([self.np(i, "0") for i in item.minus])
            return text
        if isinstance(item, Passage):
            return "the passage from " + self.np(item.steps[0], "0") + " to " + \
                _list([self.np(s, "0") for s in item.steps[1:]])
        if isinstance(item, Layered):
            return _list([self.np(f, det) for _, _, f in item.layers] + [self.np(r, det) for r in item.rest])
        if isinstance(item, Fusion):
            return ("a fusion of " if det == "a" else "the fusion of ") + _list([self.np(i, "0") for i in item.items])
        if isinstance(item, Absence):
            return "the absence of " + self.np(item.item, "0")
        if isinstance(item, Named):
            return self._named(item)
        raise TypeError(f"no English phrase for {item!r}")

    def _concept(self, c: Concept, det: str) -> str:
        if c.quoted:
            return f"“{c.text}”"
        kind = E.noun_kind(c.text)
        if kind == "verb":
            return E.verb_ing(c.text)          # melt → melting: a verb as a noun
        if kind == "adj" and len(c.text.split()) == 1:
            return ("the " if det == "the" else "") + c.text     # the quality itself: "the cold"
        ww = weight_word(c.weight, self.rng)
        body = f"{ww} {c.text}" if ww else c.text
        near = self._neighbour(c)
        if near is not None:
            near = f", {self.near_rng.choice(NEIGHBOUR_FORMS)} {self._with_article(near, near, 'a')}{CLOSE}"
        return self._with_article(c.text, body, det) + (near or "")

    def _with_article(self, noun: str, body: str, det: str) -> str:
        plural = self.number(Concept(noun)) == "plur"
        if det == "the":
            return "the " + body
        if det == "a" and not plural and not E.is_mass(noun) and not E.is_invariant_plural(E.head_word(noun)):
            return E.indefinite_article(body) + " " + body
        return body

    def _named(self, n: Named) -> str:
        if n.kind == "var":
            return "something"
        label = {"glyph": f"the symbol {n.label}", "schema": f"the schema “{n.label}”"}.get(
            n.kind, f"the scene {n.label}")
        if n.args:
            label += " with " + _list([self.np(a, "0") for a in n.args])
        return label

    def fill(self, template: str, slots: dict[str, Item]) -> str:
        def sub(m: re.Match) -> str:
            if m.group(1):
                return self.np(slots[m.group(1)], m.group(2))
            sing, plur, who = m.group(3), m.group(4), m.group(5)
            if who == "AB":
                return plur
            return plur if self.number(slots[who]) == "plur" else sing
        return _SLOT.sub(sub, template)

    def sentence(self, item: Item, variant: int) -> str:
        if isinstance(item, Passage):
            first, cont = FLOW[variant % len(FLOW)]
            text = self.fill(first, {"A": item.steps[0], "B": item.steps[1]})
            for prev, step in zip(item.steps[1:], item.steps[2:]):
                text += self.fill(cont, {"A": prev, "B": step})
            text += "."
        elif isinstance(item, Layered):
            text = self._layered(item, variant)
        elif isinstance(item, Fusion):
            rest = item.items[1:]
            text = self.fill(FUSION[variant % len(FUSION)],
                             {"A": item.items[0], "B": rest[0] if len(rest) == 1 else Group(list(rest))})
        elif isinstance(item, Absence):
            text = self.fill(ABSENCE[variant % len(ABSENCE)], {"A": item.item})
        elif isinstance(item, Named) and getattr(item, "declaration", False):
            text = f"The schema “{item.label}” has the roles " + _list([a.text for a in item.args]) + "."
        else:
            group = item if isinstance(item, Group) else Group([item])
            text = self.fill(BUNDLE[variant % len(BUNDLE)], {"A": Group(group.items)})
            if group.minus:
                text = text[:-1] + ", without " + _list([self.np(i, "a") for i in group.minus]) + "."
        return finish(text)

    def _layered(self, lay: Layered, variant: int) -> str:
        clauses = []
        for k, (kind, role, filler) in enumerate(lay.layers):
            if kind == "action" and isinstance(filler, Concept) and not filler.quoted \
                    and E.is_base_verb(filler.text):
                clauses.append(VERB_ACTION[(variant + k) % len(VERB_ACTION)].replace("{V}", filler.text))
                continue
            options = LAYER.get(kind)
            if options is None:
                clauses.append(f"{role}: " + self.np(filler, "0"))
                continue
            clauses.append(self.fill(options[(variant + k) % len(options)], {"X": filler}))
        for k, extra in enumerate(lay.rest):
            clauses.append(self.fill(REST[(variant + k) % len(REST)], {"X": extra}))
        if lay.minus:
            clauses.append("without " + _list([self.np(i, "a") for i in lay.minus]))
        if variant % 3 == 2 and len(clauses) > 1:
            clauses = clauses[1:] + clauses[:1]
        joiner = JOIN[variant % len(JOIN)]
        if joiner == ". ":
            return ". ".join(capitalised(c) for c in clauses) + "."
        return joiner.join(clauses) + "."


def _list(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


def finish(text: str) -> str:
    text = close_appositions(text)
    text = re.sub(r"\s+", " ", text).strip()
    return capitalised(text)

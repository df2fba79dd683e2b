"""Russian realiser: plan items → grammatical Russian sentences.

Noun phrases are inflected with pymorphy3: every slot in a template names the
case its preposition or verb governs (``в {B:accs}``, ``из {A:gent}``), modifiers
agree with their nouns in gender, number and case, and verbs agree in number with
their subject (``{переходит|переходят:A}``).
"""

from __future__ import annotations

import random
import re

from . import morph_ru as M
from .realize import CLOSE, BaseRealiser, capitalised, close_appositions
from .plan import Absence, Concept, Fusion, Group, Item, Layered, Named, Passage

# weight → intensity adjective (the same words extraction reads back as weights)
# weight → intensity words (the same words extraction reads back as weights); 1 says nothing
WEIGHT_WORDS = ((0.25, ("едва заметный", "едва уловимый")), (0.5, ("слабый",)), (0.75, None), (0.9, ("сильный",)),
                (1.0, ("всепоглощающий", "огромный")))

_SLOT = re.compile(r"\{([A-Z]\d?):(\w+)\}|\{([^{}|]+)\|([^{}|]+):([A-Z]+\d?)\}")
_VAR_FORMS = {"nomn": "что-то", "gent": "чего-то", "datv": "чему-то", "accs": "что-то",
              "ablt": "чем-то", "loct": "чём-то"}

BUNDLE = [
    "Перед нами {A:nomn}.",
    "Всё сводится к {A:datv}.",
    "Сцена соткана из {A:gent}.",
    "Есть только {A:nomn}.",
    "{A:nomn} — и больше ничего.",
    "Здесь {сходится|сходятся:A} {A:nomn}.",
    "Из {A:gent} складывается целое.",
    "{A:nomn} {оказывается|оказываются:A} рядом.",
]
FLOW = [  # (first step, each further step, closing)
    ("{A:nomn} {переходит|переходят:A} в {B:accs}", ", а затем в {B:accs}"),
    ("{A:nomn} {становится|становятся:A} {B:ablt}", ", потом {B:ablt}"),
    ("Из {A:gent} {рождается|рождаются:B} {B:nomn}", ", из {A:gent} — {B:nomn}"),
    ("Сначала {A:nomn}, потом {B:nomn}", ", затем {B:nomn}"),
    ("{A:nomn} {сменяется|сменяются:A} {B:ablt}", ", а {A:nomn} — {B:ablt}"),
    ("От {A:gent} — к {B:datv}", ", от {A:gent} — к {B:datv}"),
    ("{A:nomn} {уходит|уходят:A}, и {приходит|приходят:B} {B:nomn}", ", а за {A:ablt} — {B:nomn}"),
    ("Там, где {A:nomn}, теперь {B:nomn}", "; позже — {B:nomn}"),
]
LAYER = {
    "image": ["перед нами {X:nomn}", "в центре — {X:nomn}", "всё начинается с {X:gent}",
              "{возникает|возникают:X} {X:nomn}", "сначала видно {X:accs}"],
    "emotion": ["внутри — {X:nomn}", "{ощущается|ощущаются:X} {X:nomn}", "с {X:ablt} внутри",
                "в ответ — {X:nomn}", "{X:nomn} {поднимается|поднимаются:X} внутри"],
    "action": ["{происходит|происходят:X} {X:nomn}", "и {начинается|начинаются:X} {X:nomn}",
               "всё идёт к {X:datv}", "дальше — {X:nomn}", "за этим {следует|следуют:X} {X:nomn}"],
    "field": ["вокруг — {X:nomn}", "на фоне {X:gent}", "всё это в поле {X:gent}"],
    "result": ["в итоге — {X:nomn}", "и выходит {X:nomn}", "а в результате — {X:nomn}"],
}
VERB_ACTION = ["и хочется {V}", "всё начинает {V}", "остаётся только {V}", "пора {V}", "нужно {V}"]
REST = ["и ещё {X:nomn}", "рядом — {X:nomn}", "к этому {добавляется|добавляются:X} {X:nomn}"]
FUSION = [
    "{A:nomn} и {B:nomn} {сливается|сливаются:AB} в одно.",
    "{A:nomn} {сплавляется|сплавляются:A} с {B:ablt}.",
    "Сплав {A:gent} и {B:gent}.",
    "Нельзя отделить {A:accs} от {B:gent}.",
    "В {A:loct} растворяется {B:nomn}.",
    "{A:nomn} и {B:nomn} — одно целое.",
    "{A:nomn}, слитые с {B:ablt}.",
]
ABSENCE = ["Нет {A:gent}.", "{A:nomn} {исчезает|исчезают:A}.", "Без {A:gent}."]
JOIN = [", ", "; ", ". ", "; ", ", "]

# a near neighbour beside a concept: "вода, почти река", "воды, похожей на реку"

_PREP_FIX = [
    (re.compile(r"(?<![\w-])([вВ]) (?=[вфВФ][бвгджзйклмнпрстфхцчшщ])"), r"\1о "),
    (re.compile(r"(?<![\w-])([сС]) (?=([сзшжщСЗШЖЩ][бвгджзйклмнпрстфхцчшщ]|льд|мн|вс))"), r"\1о "),
    (re.compile(r"(?<![\w-])([кК]) (?=(мн|вс[её]|льд))"), r"\1о "),
]


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
    # ---- noun phrases ---------------------------------------------------------------
    def number(self, item: Item) -> str:
        if isinstance(item, Group):
            return "plur" if len(item.items) > 1 else self.number(item.items[0])
        if isinstance(item, Layered):  # read as its fillers joined by "и"
            return "plur" if len(item.layers) > 1 else self.number(item.layers[0][2])
        if isinstance(item, Concept) and not item.quoted:
            return M.shape(item.text).number
        if isinstance(item, Fusion):
            return "sing"
        return "sing"

    def np(self, item: Item, case: str) -> str:
        if isinstance(item, Concept):
            return self._concept(item, case)
        if isinstance(item, Group):
            parts = [self.np(i, case) for i in item.items]
            text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " и " + parts[-1]
            if item.minus:
                text += " без " + self._list([self.np(i, "gent") for i in item.minus])
            return text
        if isinstance(item, Passage):
            head = M.inflect_phrase("переход", case)
            return f"{head} от {self.np(item.steps[0], 'gent')} к " + \
                self._list([self.np(s, "datv") for s in item.steps[1:]])
        if isinstance(item, Layered):
            fillers = [f for _, _, f in item.layers] + item.rest
            return self._list([self.np(f, case) for f in fillers])
        if isinstance(item, Fusion):
            return f"{M.inflect_phrase('сплав', case)} " + self._list([self.np(i, "gent") for i in item.items])
        if isinstance(item, Absence):
            return f"{M.inflect_phrase('отсутствие', case)} {self.np(item.item, 'gent')}"
        if isinstance(item, Named):
            return self._named(item, case)
        raise TypeError(f"no Russian phrase for {item!r}")

    def _list(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " и " + parts[-1]

    def _concept(self, c: Concept, case: str) -> str:
        if c.quoted:
            return f"«{c.text}»"
        sh = M.shape(c.text)
        if sh.kind == "noun":
            text = M.inflect_phrase(c.text, case)
            ww = weight_word(c.weight, self.rng)
            if ww:
                text = M.inflect_adjective(ww, c.text, case) + " " + text
            near = self._neighbour(c)
            if near is not None:
                text += self._comparison(c, near, case)
            return text
        if sh.kind == "adj" and len(sh.words) == 1:
            # an adjective stands for its quality: горячий → горячее
            return M._inflect_word(c.text, {"ADJF"}, {"neut", "sing", case})
        return f"«{c.text}»"

    def _comparison(self, c: Concept, near: str, case: str) -> str:
        """", почти река" / ", похожая на реку" / ", словно река": the neighbour agreeing with the slot."""
        forms = ["почти", "похожий"] + (["словно", "или даже"] if case in ("nomn", "accs") else [])
        form = self.near_rng.choice(forms)
        if form == "похожий":
            return f", {M.inflect_adjective('похожий', c.text, case)} на {M.inflect_phrase(near, 'accs')}{CLOSE}"
        return f", {form} {M.inflect_phrase(near, case)}{CLOSE}"

    def _named(self, n: Named, case: str) -> str:
        if n.kind == "var":
            return _VAR_FORMS[case]
        if n.kind == "glyph":
            head = f"{M.inflect_phrase('символ', case)} {n.label}"
        elif n.kind == "schema":
            head = f"{M.inflect_phrase('схема', case)} «{n.label}»"
        else:
            head = f"{M.inflect_phrase('сцена', case)} {n.label}"
        if n.args:
            head += " с " + self._list([self.np(a, "ablt") for a in n.args])
        return head

    # ---- templates ------------------------------------------------------------------
    def fill(self, template: str, slots: dict[str, Item]) -> str:
        def sub(m: re.Match) -> str:
            if m.group(1):
                return self.np(slots[m.group(1)], m.group(2))
            sing, plur, who = m.group(3), m.group(4), m.group(5)
            if who == "AB":
                return plur
            return plur if self.number(slots[who]) == "plur" else sing
        return _SLOT.sub(sub, template)

    # ---- sentences ------------------------------------------------------------------
    def sentence(self, item: Item, variant: int) -> str:
        if isinstance(item, Passage):
            text = self._flow(item, variant)
        elif isinstance(item, Layered):
            text = self._layered(item, variant)
        elif isinstance(item, Fusion):
            text = self.fill(FUSION[variant % len(FUSION)],
                             {"A": item.items[0], "B": _group(item.items[1:])})
        elif isinstance(item, Absence):
            text = self.fill(ABSENCE[variant % len(ABSENCE)], {"A": item.item})
        elif isinstance(item, Named) and item.kind == "schema" and item.args and \
                all(isinstance(a, Concept) for a in item.args) and _is_decl(item):
            text = f"Схема «{item.label}» задаёт роли: " + ", ".join(a.text for a in item.args) + "."
        else:
            group = item if isinstance(item, Group) else Group([item])
            text = self._bundle(group, variant)
        return finish(text)

    def _bundle(self, g: Group, variant: int) -> str:
        template = BUNDLE[variant % len(BUNDLE)]
        text = self.fill(template, {"A": Group(g.items)})
        if g.minus:
            text = text[:-1] + " — без " + self._list([self.np(i, "gent") for i in g.minus]) + "."
        return text

    def _flow(self, p: Passage, variant: int) -> str:
        first, cont = FLOW[variant % len(FLOW)]
        text = self.fill(first, {"A": p.steps[0], "B": p.steps[1]})
        for prev, step in zip(p.steps[1:], p.steps[2:]):
            text += self.fill(cont, {"A": prev, "B": step})
        return text + "."

    def _layered(self, lay: Layered, variant: int) -> str:
        clauses = []
        for k, (kind, role, filler) in enumerate(lay.layers):
            if kind == "action" and isinstance(filler, Concept) and M.shape(filler.text).kind == "verb" \
                    and not filler.quoted:
                clauses.append(VERB_ACTION[(variant + k) % len(VERB_ACTION)].replace("{V}", filler.text))
                continue
            options = LAYER.get(kind)
            if options is None:
                clauses.append(f"{role} — " + self.np(filler, "nomn"))
                continue
            clauses.append(self.fill(options[(variant + k) % len(options)], {"X": filler}))
        for k, extra in enumerate(lay.rest):
            clauses.append(self.fill(REST[(variant + k) % len(REST)], {"X": extra}))
        if lay.minus:
            clauses.append("без " + self._list([self.np(i, "gent") for i in lay.minus]))
        if variant % 3 == 2 and len(clauses) > 1:
            clauses = clauses[1:] + clauses[:1]   # another word order
        joiner = JOIN[variant % len(JOIN)]
        if joiner == ". ":
            return ". ".join(capitalised(c) for c in clauses) + "."
        return joiner.join(clauses) + "."


def _is_decl(item: Named) -> bool:
    return getattr(item, "declaration", False)


def _group(items: list[Item]) -> Item:
    return items[0] if len(items) == 1 else Group(list(items))


def finish(text: str) -> str:
    text = close_appositions(text)
    for pattern, repl in _PREP_FIX:
        text = pattern.sub(repl, text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\.\.$", ".", text)
    return capitalised(text)

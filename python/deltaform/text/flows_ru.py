"""Russian transitions: verbs of becoming and passing with the case they govern, and frames.

- X превращается / переходит / перерастает … **в** Y (винительный);
- X становится / делается / сменяется / оборачивается Y (творительный);
- **из** X рождается / вырастает / возникает Y, Y рождается из X, из X — Y, из X в Y;
- **от** X **к** Y, от X до Y, переход от X к Y;
- сначала X, потом / затем Y;  X уходит, и приходит Y;  там, где X, теперь Y;
- на смену X приходит Y;  после X наступает Y;  вместо X — Y;  X уступает место Y;
- Y сменяет X;  Z превращает X в Y;  X рождает Y.

A flow goes on through ", а затем в Y", ", потом Y", ", из X — Y", ", а за X — Y".
"""

from __future__ import annotations

import functools
import re

from . import morph_ru as M
from .flow_match import Found, Grammar, Matcher, Unit


def _lex(text: str) -> frozenset[str]:
    return frozenset(text.split())


LEXICON = {
    # X <verb> в Y
    "into": _lex("превращаться превратиться переходить перейти перерастать перерасти перетекать перетечь "
                 "обращаться обратиться оборачиваться обернуться вырождаться выродиться перерождаться "
                 "переродиться переплавляться переплавиться трансформироваться преображаться преобразиться "
                 "воплощаться воплотиться вырастать вырасти разрастаться разрастись сгущаться сгуститься "
                 "складываться сложиться"),
    # X <verb> Y(творительный)
    "instr": _lex("становиться стать делаться сделаться сменяться смениться оборачиваться обернуться "
                  "заменяться замениться"),
    # из X <verb> Y
    "emerge": _lex("рождаться родиться вырастать вырасти возникать возникнуть прорастать прорасти "
                   "получаться получиться складываться сложиться вырождаться выродиться расти "
                   "возрождаться возродиться"),
    # X <verb> Y(винительный): X gives birth to Y
    "birth": _lex("рождать родить порождать породить"),
    # X <verb>, и <arrive> Y
    "leave": _lex("уходить уйти исчезать исчезнуть гаснуть погаснуть угасать угаснуть отступать отступить "
                  "кончаться кончиться заканчиваться закончиться стихать стихнуть затихать затихнуть "
                  "проходить пройти таять растаять умирать умереть рассеиваться рассеяться уступать "
                  "уступить высыхать высохнуть смолкать смолкнуть замолкать замолкнуть"),
    "arrive": _lex("приходить прийти наступать наступить начинаться начаться появляться появиться "
                   "рождаться родиться возникать возникнуть вспыхивать вспыхнуть оставаться остаться "
                   "просыпаться проснуться следовать последовать выглядывать выглянуть показываться "
                   "показаться"),
    # Y <verb> X(винительный): Y takes X's place
    "replace": _lex("сменять сменить заменять заменить вытеснять вытеснить"),
    # Z <verb> X в Y
    "make": _lex("превращать превратить обращать обратить переплавлять переплавить"),
    "yield": _lex("уступать уступить"),
    "then": _lex("потом затем позже после дальше следом наконец впоследствии вскоре"),
    "now": _lex("теперь сейчас ныне отныне"),
}

IN, FROM = "в|во", "из|изо"
PATTERNS = (
    ("?переход|превращение|путь", "от|ото", "A.gent", "?—", "к|ко", "B.datv"),
    ("от|ото", "A.gent", "?—", "до", "B.gent"),
    ("A.nomn", "@into", IN, "B.accs"),
    (IN, "B.accs", "@into", "A.nomn"),
    ("A.nomn", "@instr", "B.ablt"),
    ("B.ablt", "@instr", "A.nomn"),
    ("@make", "A.accs", IN, "B.accs"),
    (FROM, "A.gent", "@emerge", "B.nomn"),
    (FROM, "A.gent", "—", "B.nomn"),
    (FROM, "A.gent", IN, "B.accs"),
    ("B.nomn", "@emerge", FROM, "A.gent"),
    ("@emerge", "B.nomn", FROM, "A.gent"),
    ("?сначала", "A.nomn", ",|—|;", "?а|и", "@then", "?—", "B.nomn"),
    ("A.nomn", "@leave", ",|;|—", "?и|а", "@arrive", "B.nomn"),
    ("A.nomn", "@leave", ",|;|—", "?и|а", "B.nomn", "@arrive"),
    ("@leave", "A.nomn", ",|;|—", "?и|а", "@arrive", "B.nomn"),
    ("где", "?*V", "A.nomn", ",|—", "@now", "?—", "B.nomn"),
    ("на", "смену", "A.datv", "@arrive", "B.nomn"),
    ("B.nomn", "@arrive", "на", "смену", "A.datv"),
    ("после", "A.gent", "@arrive", "B.nomn"),
    ("вслед|за", "?за", "A.ablt", "@arrive", "B.nomn"),
    ("B.nomn", "@arrive", "после|вместо", "A.gent"),
    ("B.nomn", "@arrive", "вслед|за", "?за", "A.ablt"),
    ("вместо", "A.gent", "—|@arrive", "B.nomn"),
    ("A.nomn", "@yield", "?место", "B.datv"),
    ("B.nomn", "@replace", "A.accs"),
    ("A.accs", "@replace", "B.nomn"),
    ("A.nomn", "@birth", "B.accs"),
)
CONTINUATIONS = (
    (",|;|—", "?а|и", "@then", "?в|во|к|ко", "?—", "B"),
    (",|;", "?а|и", "из|изо|от|ото", "A=prev", "—|,", "?к|ко|в|во", "B"),
    (",|;", "?а|и", "за", "A=prev", "—", "B"),
    (",|;", "а|и", "A=prev", "—", "?в|во|к|ко", "B"),
)

_WORD = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё\-]*$")
_NEGATION = frozenset({"не", "ни"})
_FILLER_POS = frozenset({"ADVB", "PRCL", "ADJF", "ADJS", "PRTF", "COMP"})
_CASE_ALIAS = {"gen2": "gent", "loc2": "loct", "acc2": "accs", "gen1": "gent", "loc1": "loct"}


def _is_filler(u: Unit) -> bool:
    return u.key is None and u.pos in _FILLER_POS and u.word not in _NEGATION


def _is_preposition(u: Unit) -> bool:
    return u.key is None and u.pos == "PREP"


def _is_verb(u: Unit) -> bool:
    return u.key is None and u.pos in ("VERB", "INFN")


@functools.lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher(Grammar(PATTERNS, CONTINUATIONS, LEXICON, _is_filler, _is_preposition, _is_verb,
                           frozenset({"и"}), frozenset({"почти", "словно", "будто", "как", "похожий", "или"})))


def _cases(words: list[str]) -> frozenset[str]:
    """The cases the phrase can stand in: those of its head noun (the first noun after its modifiers)."""
    for k, w in enumerate(words):
        if k < len(words) - 1 and M.best(w).tag.POS in M.MODIFIER_POS:
            continue
        nouns = [p for p in M.parses(w) if p.tag.POS == "NOUN"]
        if nouns:
            return frozenset(_CASE_ALIAS.get(p.tag.case, p.tag.case) for p in nouns if p.tag.case)
    return frozenset()


def units(words: list[str], candidates) -> list[Unit]:
    phrases = {c.first: c for c in candidates if c.pos == "noun" and c.end > c.first}
    out: list[Unit] = []
    i = 0
    while i < len(words):
        c = phrases.get(i)
        if c is not None:
            span = words[i:c.end]
            out.append(Unit(" ".join(span).lower(), frozenset({c.head}), "NP", i, c.end, c.key, _cases(span)))
            i = c.end
            continue
        w = words[i]
        low = w.lower()
        if not _WORD.match(w):
            out.append(Unit(low, frozenset(), "PUNCT", i, i + 1))
        else:
            ps = M.parses(low)
            out.append(Unit(low, frozenset(p.normal_form for p in ps), str(ps[0].tag.POS or "X"), i, i + 1))
        i += 1
    return out


def find(words: list[str], candidates) -> list[Found]:
    """The flows said in a tokenised Russian text (stages are the candidates' atom keys)."""
    return matcher().find(units(words, candidates))

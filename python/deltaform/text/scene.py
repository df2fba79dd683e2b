"""Scene → core (§9.6.1): the concepts a scene turns on, in layers, weighted by salience."""

from __future__ import annotations

from dataclasses import dataclass

from ..ast import Atom, Bundle, Expr, Flow, Layer, Weight
from ._lang import check_lang
from ._resources import zipf
from .candidates import ACTION, EMOTION, IMAGE, Candidate

# Role names of the layers in each language (the outline writes образ/эмоция/действие).
ROLES = {
    "ru": {IMAGE: "образ", EMOTION: "эмоция", ACTION: "действие"},
    "en": {IMAGE: "image", EMOTION: "emotion", ACTION: "action"},
}
LAYER_ORDER = (IMAGE, EMOTION, ACTION)
_POS_BONUS = {"noun": 0.15, "verb": 0.0, "adj": -0.25}
_LAYER_BONUS = {EMOTION: 0.25, ACTION: 0.05, IMAGE: 0.0}


@dataclass(frozen=True)
class Concept:
    """One core concept of a scene: its atom text, layer and weight (0–1)."""
    name: str
    layer: str
    weight: float
    parts: tuple[str, ...]


def _candidates(text: str, lang: str) -> tuple[list[Candidate], list[list[str]]]:
    """The scene's concept candidates and the flows said in it (stages as candidate keys).

    The words that only say a passage (превращается, becomes, переход) are not concepts of their own.
    """
    if lang == "ru":
        from .extract_ru import candidates_of, tokens
        from .flows_ru import find
    else:
        from .extract_en import candidates_of
        from .flows_en import find
        from .morph_en import tokens
    words = tokens(text)
    found = candidates_of(words)
    flows = find(words, found)
    markers = set().union(*(f.markers for f in flows)) if flows else set()
    if markers:
        found = [c for c in found if c.first not in markers]
    return found, [f.stages for f in flows]


def _salience(c: Candidate, lang: str, n_words: int) -> float:
    # rarer words carry more of a scene; repeated ones more still; early ones a little more
    rarity = min(1.0, max(0.2, (8.0 - zipf(c.head, lang)) / 5.0))
    score = rarity + 0.35 * (c.count - 1) + _POS_BONUS[c.pos] + _LAYER_BONUS[c.layer]
    score += 0.1 * (1.0 - c.first / max(1, n_words))
    if len(c.parts) > 1:
        score += 0.1
    if c.intensity is not None:
        score += 0.2 * (c.intensity - 0.5)
    return max(score, 0.01)


def concepts(text: str, lang: str | None = None, max_atoms: int = 8, threshold: float = 0.4) -> list[Concept]:
    """The scene's core concepts, most salient first (the stages of its flows among them)."""
    return analyse(text, lang, max_atoms, threshold)[0]


def flows(text: str, lang: str | None = None) -> list[tuple[str, ...]]:
    """The transitions a scene says, each as its stages: "вода превращается в лёд" → [("вода", "лёд")].

    A stage said as several joined concepts is one string "вода + боль".
    """
    return analyse(text, lang)[1]


def analyse(text: str, lang: str | None = None, max_atoms: int = 8,
            threshold: float = 0.4) -> tuple[list[Concept], list[tuple[str, ...]]]:
    """The scene's core concepts (most salient first) and its flows (stages as concept names).

    A flow's stages are always among the concepts, whatever their salience.
    """
    if not isinstance(text, str):
        raise TypeError(f"extract needs the scene as text, got {type(text).__name__}")
    code = check_lang(lang, text)
    found, flow_keys = _candidates(text, code)
    merged: dict[str, Candidate] = {}
    for c in found:
        if c.key in merged:
            merged[c.key].merge(c)
        else:
            merged[c.key] = c
    renamed: dict[str, str] = {}
    staged = {k for f in flow_keys for s in f for k in s.split(" + ")}
    # a single word that is also the head of a phrase found in the scene joins that phrase
    # (not a flow's stage: тёплый ветер → утро → ветер keeps its last stage)
    for key, c in list(merged.items()):
        if len(c.parts) == 1 and key not in staged:
            for other in merged.values():
                if other is not c and len(other.parts) > 1 and c.head == other.head and other.count >= 1:
                    other.merge(c)
                    del merged[key]
                    renamed[key] = other.key
                    break
    if not merged:
        return [], []
    stage_flows = []
    for stages in flow_keys:
        named = tuple(dict.fromkeys(" + ".join(dict.fromkeys(renamed.get(k, k) for k in s.split(" + ")))
                                    for s in stages))
        if len(named) > 1 and all(k in merged for s in named for k in s.split(" + ")):
            stage_flows.append(named)
    forced = {k for f in stage_flows for s in f for k in s.split(" + ")}
    n_words = max(c.first for c in merged.values()) + 1
    scored = sorted(((_salience(c, code, n_words), c) for c in merged.values()),
                    key=lambda sc: (-sc[0], sc[1].first))
    top = scored[0][0]
    out = []
    for s, c in scored:
        if c.key not in forced and (s < threshold * top or len(out) >= max_atoms):
            continue
        weight = c.intensity if c.intensity is not None else round(min(1.0, s / top), 1)
        out.append(Concept(c.key, c.layer, max(0.1, weight), c.parts))
    return out, stage_flows


def to_formula(found: list[Concept], lang: str, flows: list[tuple[str, ...]] = ()) -> Expr:
    """Flows, then layers of weighted atoms: ``(вода → лёд) + образ: (река + 0.6*камень) + эмоция: тревога``.

    A flow's stages stand in the flow only, not again in a layer.
    """
    if not found:
        raise ValueError("the scene has no concepts to extract (no content words found)")
    terms_out: list[Expr] = [Flow(tuple(_stage(s) for s in f)) for f in flows]
    staged = {k for f in flows for s in f for k in s.split(" + ")}
    found = [c for c in found if c.name not in staged]
    layers = []
    for layer in LAYER_ORDER:
        items = [c for c in found if c.layer == layer]
        if not items:
            continue
        terms = tuple(Atom(c.name) if c.weight >= 1.0 else Weight(c.weight, Atom(c.name)) for c in items)
        filler = terms[0] if len(terms) == 1 else Bundle(terms, (1,) * len(terms))
        layers.append(Layer(ROLES[lang][layer], filler))
    terms_out += layers
    if len(terms_out) == 1:
        return terms_out[0]
    return Bundle(tuple(terms_out), (1,) * len(terms_out))


def _stage(text: str) -> Expr:
    names = text.split(" + ")
    return Atom(names[0]) if len(names) == 1 else Bundle(tuple(Atom(n) for n in names), (1,) * len(names))


def extract(scene: str, lang: str | None = None, max_atoms: int = 8, with_flows: bool = True) -> Expr:
    """The core of a scene as a formula (§9.6.1).

    Atoms are lemmatised concepts (agreeing adjective + noun phrases stay one atom),
    grouped into image, emotion and action layers, weighted by salience. A transition
    the scene says ("вода превращается в лёд", "from pain to memory") becomes a flow
    ``вода → лёд`` beside the layers (``with_flows=False`` keeps its stages in the layers).
    ``lang`` is ``"ru"`` or ``"en"``; detected from the letters when None.
    Raises ValueError when the text holds no content words.
    """
    code = check_lang(lang, scene if isinstance(scene, str) else "")
    found, flow_list = analyse(scene, code, max_atoms=max_atoms)
    return to_formula(found, code, flow_list if with_flows else ())

"""Scene → core (§9.6.1): the concepts a scene turns on, in layers, weighted by salience."""

from __future__ import annotations

from dataclasses import dataclass

from ..ast import Atom, Bundle, Expr, Layer, Weight
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


def _candidates(text: str, lang: str) -> list[Candidate]:
    if lang == "ru":
        from .extract_ru import candidates
    else:
        from .extract_en import candidates
    return candidates(text)


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
    """The scene's core concepts, most salient first."""
    if not isinstance(text, str):
        raise TypeError(f"extract needs the scene as text, got {type(text).__name__}")
    code = check_lang(lang, text)
    found = _candidates(text, code)
    merged: dict[str, Candidate] = {}
    for c in found:
        if c.key in merged:
            merged[c.key].merge(c)
        else:
            merged[c.key] = c
    # a single word that is also the head of a phrase found in the scene joins that phrase
    for key, c in list(merged.items()):
        if len(c.parts) == 1:
            for other in merged.values():
                if other is not c and len(other.parts) > 1 and c.head == other.head and other.count >= 1:
                    other.merge(c)
                    del merged[key]
                    break
    if not merged:
        return []
    n_words = max(c.first for c in merged.values()) + 1
    scored = sorted(((_salience(c, code, n_words), c) for c in merged.values()),
                    key=lambda sc: (-sc[0], sc[1].first))
    top = scored[0][0]
    out = []
    for s, c in scored:
        if s < threshold * top or len(out) >= max_atoms:
            break
        weight = c.intensity if c.intensity is not None else round(min(1.0, s / top), 1)
        out.append(Concept(c.key, c.layer, max(0.1, weight), c.parts))
    return out


def to_formula(found: list[Concept], lang: str) -> Expr:
    """Layers of weighted atoms: ``образ: (вода + 0.6*камень) + эмоция: тревога + …``."""
    if not found:
        raise ValueError("the scene has no concepts to extract (no content words found)")
    layers = []
    for layer in LAYER_ORDER:
        items = [c for c in found if c.layer == layer]
        if not items:
            continue
        terms = tuple(Atom(c.name) if c.weight >= 1.0 else Weight(c.weight, Atom(c.name)) for c in items)
        filler = terms[0] if len(terms) == 1 else Bundle(terms, (1,) * len(terms))
        layers.append(Layer(ROLES[lang][layer], filler))
    if len(layers) == 1:
        return layers[0]
    return Bundle(tuple(layers), (1,) * len(layers))


def extract(scene: str, lang: str | None = None, max_atoms: int = 8) -> Expr:
    """The core of a scene as a formula (§9.6.1).

    Atoms are lemmatised concepts (agreeing adjective + noun phrases stay one atom),
    grouped into image, emotion and action layers, weighted by salience.
    ``lang`` is ``"ru"`` or ``"en"``; detected from the letters when None.
    Raises ValueError when the text holds no content words.
    """
    code = check_lang(lang, scene if isinstance(scene, str) else "")
    return to_formula(concepts(scene, code, max_atoms=max_atoms), code)

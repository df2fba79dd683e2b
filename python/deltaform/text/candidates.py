"""A concept found in a text: the unit that extraction scores and turns into an atom."""

from __future__ import annotations

from dataclasses import dataclass, field

IMAGE, EMOTION, ACTION = "image", "emotion", "action"


@dataclass
class Candidate:
    """One concept of a scene, merged over its mentions."""
    key: str                 # dictionary form: "плавная память", "таять", "smooth memory"
    head: str                # the head word's lemma (for frequency and matching)
    parts: tuple[str, ...]   # lemmas of the content words in the phrase
    layer: str               # IMAGE, EMOTION or ACTION
    pos: str                 # "noun", "verb", "adj"
    first: int               # index of the first mention (in words)
    count: int = 1
    intensity: float | None = None   # explicit density said in words (сильный, faint)
    extra: dict = field(default_factory=dict)
    end: int = -1            # index after the last word of the first mention (its span: first..end)

    def merge(self, other: "Candidate") -> None:
        self.count += other.count
        self.first = min(self.first, other.first)
        if other.intensity is not None:
            self.intensity = max(self.intensity or 0.0, other.intensity)

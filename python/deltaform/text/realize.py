"""What the Russian and English realisers share: the near neighbour set beside a concept."""

from __future__ import annotations

import random
import re

from .plan import Concept

# a near neighbour beside a concept ("вода, почти река", "the water, like a river"): half the phrasings
NEIGHBOUR_RATE = 0.5
CLOSE = "\u2063"      # where an apposition closes: a comma unless punctuation follows


class BaseRealiser:
    """A phrasing's realiser: its random stream, and at most one near neighbour per phrasing."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.near = None

    def use_neighbours(self, near, rng: random.Random, taken: set[str]) -> None:
        """Let some concepts of this phrasing bring a near neighbour (``near(atom)`` → words)."""
        self.near, self.near_rng, self.taken, self.added = near, rng, taken, 0

    def _neighbour(self, c: Concept) -> str | None:
        """A near neighbour to set beside this concept, or None (at most one a phrasing, half the time)."""
        if self.near is None or self.added or c.quoted or self.near_rng.random() >= NEIGHBOUR_RATE:
            return None
        words = [w for w in self.near(c.text) if w.casefold().replace("ё", "е") not in self.taken]
        if not words:
            return None
        self.added += 1
        return self.near_rng.choice(words)


def close_appositions(text: str) -> str:
    """An apposition's closing mark becomes a comma, except where punctuation already follows.
    The comma stays before a dash: "от огня, похожего на пожар, — к реке"."""
    return re.sub(CLOSE + r"(?=\s*(?:[.,;:!?)]|$))", "", text).replace(CLOSE, ",")


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text

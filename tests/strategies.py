"""Hypothesis strategies for Δ-formula syntax trees (deltaform.ast), for any test.

Every tree drawn here is one the language can write: ``parse(to_text(t)) == t``.
So names follow the lexical rules of docs/language.md (a word starts with a
letter, '-' and '\\'' only between letters or digits, a phrase keeps at least
one plain word, scenes have no '#', …).

    from strategies import expressions, statements, words
"""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from deltaform.ast import (
    Anonymous, Atom, Bind, Bundle, Definition, Flow, Glyph, Inverse, Layer, Ref, Schema,
    SchemaCall, Var, Weight, normalize_name,
)

__all__ = [
    "words", "phrases", "quoted_texts", "atoms", "variables", "addresses", "glyphs", "weights",
    "scenes", "leaves", "expressions", "schemas", "definitions", "anonymous", "statements",
    "WORD_SAMPLES", "GLYPH_SAMPLES",
]

_DELTA = "\u0394"
_EGYPTIAN = range(0x13000, 0x13430)

# A few hand-picked words and glyphs so that short runs meet the interesting cases.
WORD_SAMPLES = ["вода", "боль", "water", "don't", "water-lily", "x1", "Ärger", "δέντρο",
                "水", "ﾃｽﾄ", "café", "cafe\u0301", "снег_2", "ij"]
GLYPH_SAMPLES = ["⟁", "☉", "🜁", "𓂀", "∞", "★", "⊕", "😀", "∑"]


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and ord(ch) not in _EGYPTIAN


_ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяАБВГДЁ"
_letters = st.one_of(
    st.sampled_from(_ASCII_LETTERS + _CYRILLIC),
    st.characters(categories=("Lu", "Ll", "Lt", "Lm", "Lo")).filter(_is_letter),
)
_first_letters = _letters.filter(lambda c: c != _DELTA)
# Pieces that may follow the first letter: letters, digits, '_', marks, and a
# joiner ('-', "'", U+2019) always followed by a letter or digit.
_pieces = st.one_of(
    st.sampled_from(list(_ASCII_LETTERS + _CYRILLIC + "0123456789_")),
    _letters,
    st.characters(categories=("Nd", "Mn", "Mc", "Me")),
    st.tuples(st.sampled_from("-'\u2019"), st.sampled_from(_ASCII_LETTERS + "0123456789я"))
    .map("".join),
)


def words():
    """A word: a letter, then letters, digits, marks, '_', and joiners between letters/digits."""
    return st.one_of(
        st.sampled_from(WORD_SAMPLES),
        st.builds(lambda first, rest: first + "".join(rest), _first_letters,
                  st.lists(_pieces, max_size=5)),
    )


@st.composite
def phrases(draw, allow_variables: bool = False) -> str:
    """One or more words joined by single spaces; in a pattern some may be ?variables."""
    n = draw(st.integers(1, 4))
    parts = []
    for _ in range(n):
        if allow_variables and n > 1 and draw(st.integers(0, 3)) == 0:
            parts.append("?" + draw(words()))
        else:
            parts.append(draw(words()))
    if all(p.startswith("?") for p in parts):
        parts[0] = draw(words())
    return " ".join(parts)


quoted_texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), min_size=1, max_size=12
)


def atoms(allow_variables: bool = False):
    return st.one_of(
        st.builds(Atom, phrases(allow_variables)),
        st.builds(lambda t: Atom(t, quoted=True), quoted_texts),
    )


variables = st.builds(Var, words())
addresses = st.one_of(
    st.integers(0, 10**6).map(lambda n: f"{_DELTA}{n}"),
    st.text(st.sampled_from("abcXYZ_0123456789мета"), min_size=1, max_size=8).map(lambda s: _DELTA + s),
)


def _is_glyph(ch: str) -> bool:
    cp = ord(ch)
    if 0x1F700 <= cp <= 0x1F77F or cp in _EGYPTIAN:
        return True
    return cp >= 0x80 and ch != "→" and unicodedata.category(ch) in ("So", "Sm")


glyphs = st.one_of(
    st.sampled_from(GLYPH_SAMPLES),
    st.characters(categories=("So", "Sm"), min_codepoint=0x80).filter(_is_glyph),
    st.integers(0x1F700, 0x1F77F).map(chr).filter(_is_glyph),
)

weights = st.one_of(
    st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0, 2.0, 1e-3, 1.5e20]),
    st.floats(min_value=0.0, max_value=1e300, allow_nan=False, allow_infinity=False).map(abs),
)

scenes = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="#"),
    min_size=1, max_size=30,
).map(lambda s: s.strip(" \t")).filter(bool)


def leaves(allow_variables: bool = True):
    options = [atoms(allow_variables), st.builds(Ref, addresses), st.builds(Glyph, glyphs)]
    if allow_variables:
        options.append(variables)
    return st.one_of(*options)


def _extend(children):
    args = st.lists(children, min_size=1, max_size=3).map(tuple)
    many = st.lists(children, min_size=2, max_size=4).map(tuple)
    return st.one_of(
        st.builds(Ref, addresses, args),
        st.builds(SchemaCall, words(), args),
        st.builds(Layer, words(), children),
        st.builds(Inverse, children),
        st.builds(Weight, weights, children),
        st.builds(Bind, many),
        many.flatmap(lambda terms: st.lists(st.sampled_from((1, -1)), min_size=len(terms) - 1,
                                            max_size=len(terms) - 1)
                     .map(lambda signs: Bundle(terms, (1, *signs)))),
        st.builds(Flow, many),
    )


def expressions(allow_variables: bool = True, max_leaves: int = 12):
    """Any expression tree, nested as parentheses would nest it."""
    return st.recursive(leaves(allow_variables), _extend, max_leaves=max_leaves)


schemas = st.builds(
    Schema, words(),
    st.lists(words(), min_size=1, max_size=4, unique_by=normalize_name).map(tuple),
)


@st.composite
def definitions(draw, allow_variables: bool = True) -> Definition:
    if draw(st.booleans()):
        target = draw(addresses)
        params = tuple(draw(st.lists(words(), max_size=3, unique_by=normalize_name)))
    else:
        target = draw(glyphs)
        params = ()
    scene = draw(st.one_of(st.none(), scenes))
    return Definition(target, draw(expressions(allow_variables)), params, scene)


anonymous = st.builds(Anonymous, expressions(), st.one_of(st.none(), scenes))
statements = st.one_of(definitions(), anonymous, schemas)

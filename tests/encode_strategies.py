"""Hypothesis strategies for whole programs the encoder can resolve: schemas,
definitions (plain, glyph-named and parametric) and anonymous formulas that
only use names defined in the program, with correct arities, and no cycles
(each definition uses only those drawn before it). The statements come out
in a random order, so resolution in any order is exercised too.

Atoms, words and weights come from the parser's strategies (strategies.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from deltaform.ast import (
    Anonymous, Atom, Bind, Bundle, Definition, Flow, Glyph, Inverse, Layer, Ref, Schema, SchemaCall, Var, Weight,
    normalize_name,
)
from strategies import GLYPH_SAMPLES, atoms, weights, words

# Mostly moderate weights, sometimes anything the language allows (up to 1e300:
# those overflow float32, and then the encoder must refuse the formula).
moderate_weights = st.one_of(
    st.sampled_from([0.0, 0.2, 0.5, 1.0, 2.0, 1e-3, 1 / 3]),
    st.floats(min_value=0.0, max_value=10.0, allow_nan=False, allow_infinity=False),
)
program_weights = st.one_of(moderate_weights, moderate_weights, moderate_weights, weights)


@dataclass
class Names:
    """What an expression may refer to at the point where it is drawn."""
    plain: list[str] = field(default_factory=list)       # addresses and glyphs of plain definitions
    templates: list[tuple[str, int]] = field(default_factory=list)  # (address, parameter count)
    schemas: list[Schema] = field(default_factory=list)
    params: list[str] = field(default_factory=list)      # inside a template body


def expressions_in(names: Names, max_leaves: int = 8):
    leaves = [atoms(allow_variables=True), st.builds(Var, words())]
    if names.plain:
        plain = st.sampled_from(names.plain)
        leaves.append(plain.map(lambda a: Ref(a) if a.startswith("\u0394") else Glyph(a)))
    if names.params:
        leaves.append(st.sampled_from(names.params).map(Atom))

    def extend(children):
        many = st.lists(children, min_size=2, max_size=4).map(tuple)
        options = [
            st.builds(Layer, words(), children),
            st.builds(Inverse, children),
            st.builds(Weight, program_weights, children),
            st.builds(Bind, many),
            many.flatmap(lambda terms: st.lists(st.sampled_from((1, -1)), min_size=len(terms) - 1,
                                                max_size=len(terms) - 1)
                         .map(lambda signs: Bundle(terms, (1, *signs)))),
            st.builds(Flow, many),
        ]
        if names.schemas:
            options.append(st.sampled_from(names.schemas).flatmap(
                lambda s: st.lists(children, min_size=len(s.roles), max_size=len(s.roles))
                .map(lambda args: SchemaCall(s.name, tuple(args)))))
        if names.templates:
            options.append(st.sampled_from(names.templates).flatmap(
                lambda t: st.lists(children, min_size=t[1], max_size=t[1])
                .map(lambda args: Ref(t[0], tuple(args)))))
        return st.one_of(*options)

    return st.recursive(st.one_of(*leaves), extend, max_leaves=max_leaves)


@st.composite
def programs(draw, max_definitions: int = 4, max_formulas: int = 4) -> list:
    """A shuffled list of statements whose names all resolve."""
    schemas = draw(st.lists(
        st.builds(Schema, words(), st.lists(words(), min_size=1, max_size=3, unique_by=normalize_name).map(tuple)),
        max_size=2, unique_by=lambda s: normalize_name(s.name)))
    names = Names(schemas=list(schemas))
    statements: list = list(schemas)
    glyphs = iter(GLYPH_SAMPLES)
    for i in range(draw(st.integers(0, max_definitions))):
        kind = draw(st.sampled_from(["plain", "glyph", "template"]))
        if kind == "template":
            params = draw(st.lists(words(), min_size=1, max_size=2, unique_by=normalize_name))
            body = draw(expressions_in(Names(names.plain[:], names.templates[:], names.schemas, params)))
            address = f"\u0394T{i}"
            statements.append(Definition(address, body, tuple(params)))
            names.templates.append((address, len(params)))
        else:
            body = draw(expressions_in(names))
            target = next(glyphs) if kind == "glyph" else f"\u0394d{i}"
            statements.append(Definition(target, body))
            names.plain.append(target)
    for _ in range(draw(st.integers(1, max_formulas))):
        statements.append(Anonymous(draw(expressions_in(names))))
    return draw(st.permutations(statements))

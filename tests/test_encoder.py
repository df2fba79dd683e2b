"""The core encoder against the numpy reference, construct by construct, bit for bit.

Each case is a small program (one statement per line, definitions in any
order); every row of encode_many must equal the reference encoder's vector
for that statement, in all three algebras.
"""

from __future__ import annotations

import random
from importlib.resources import files

import numpy as np
import pytest

import deltaform as df
from deltaform import ast
from deltaform.encoding import EncodeErrors
from encode_helpers import (
    ALGEBRA_SPACES, SPACES, assert_matches_reference, assert_same_bits, reference_for, statements_of,
)
from reference_encoder import STEP, ReferenceEncoder

PROGRAMS = {
    "atoms": ["вода", "Вода", "ВОДА", "water", "плавная память", "Плавная  Память".replace("  ", " "),
              '"any text, with + signs and → arrows"', '"вода"', "café", "cafe\u0301"],
    "weights": ["0.8*жар", "0.8*жар + 0.2*тишина + вспышка", "0.5*(0.2*a)", "2*(3*(0.5*a)) + b",
                "0*a + b", "0*a", "1e-3*a + 1e3*b", "0.1*(0.3*(0.7*a) + b) + c", "1*a + 1*b"],
    "subtraction": ["a - b", "a + b - c - 0.3*d", "a - a", "0.5*a - 0.5*a + b", "(a - b) - (c - d)"],
    "bind": ["a * b", "a * b * c * d", "(a * b) * c", "a * (b * c)", "0.5*a * 2*b", "a * a",
             "(a + b) * (c - d)", "0.3*a * 0.3*b * c"],
    "inverse": ["~a", "~(a * b)", "a * ~b", "~0.5*a", "~~a", "(a * b) * ~b", "~(a + 0.5*b) + c"],
    "layers": ["образ: вода", "r: (a + b)", "r: 0.3*a + s: b", "r: s: a", "объект: вода + весна",
               "образ: вода + эмоция: боль + действие: таяние", "r: ~a", "0.5*r: 2*a + r: b",
               # more layers than the encoder adds in one pass, with weights, a plain term in between
               " + ".join(f"{0.1 * (i + 1):.1f}*r{i}: f{i}" for i in range(11)) + " + g - r: (a + b) + r12: f12",
               "a → r: b → 0.5*s: c → (t: d + u: e)", "ΔL2(x) = r: x + s: x", "ΔL2(a) + ΔL2(0.5*b)"],
    "flows": ["a → b", "a → b → c → d → e", "(a + b) → 0.5*c", "a -> b", "0.2*a → b * c → r: d",
              "a → a → a", "(a → b) → c"],
    "schemas": ["schema сцена(объект, напряжение, переход)", "сцена(вода, весна, неясность)",
                "сцена(0.5*a, b + c, r: d)", "Сцена(a, b, c)", "сцена(a → b, ~c, сцена(d, e, f))",
                "schema пара(x, y)", "пара(a, b) + сцена(a, b, c)"],
    "parametric": ["ΔF(x, y) = (действие: x → результат) + поле: y", "Δ14 = ΔF(таяние, память)",
                   "ΔF(0.5*a, b * c)", "ΔG(z) = ΔF(z, z) + z", "ΔG(a + b)", "ΔH(x) = x + \"x\" + x: x",
                   "ΔH(a)", "ΔK(X) = r: x + ?X", "ΔK(q)", "ΔG(ΔF(a, b))", "ΔL(x) = Δ14 * x", "ΔL(c)",
                   "ΔM(x) = ΔG(x) → ΔL(x)", "ΔM(0.5*d)"],
    "references": ["Δ3 = ⟁ → Δ1", "⟁ = Δ2 + Δ1", "Δ2 = Δ1 * c", "Δ1 = a + b", "Δ3 + Δ2 + Δ1 + ⟁",
                   "@1 + ⟁", "Δ4 = 0.5*Δ1 + 2*Δ1", "r: Δ2 + Δ4", "🜁 = Δ12 + Δ1", "Δ12 = Δ1 → Δ2",
                   "Δ1 * ~Δ1", "Δ0 = 0*a"],
    "variables": ["?x", "?x + боль → ?y память", "r: ?x * ?X", "Δmeta = ?x + боль → ?y память"],
}


@pytest.mark.parametrize("algebra,dim", SPACES)
@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_constructs_match_reference(algebra, dim, program):
    assert_matches_reference(df.Space(dim, algebra, seed=7), PROGRAMS[program])


@pytest.mark.parametrize("algebra,dim", SPACES)
def test_outline_examples_match_reference(algebra, dim):
    text = (files("deltaform") / "data" / "outline.df").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) == 18
    got = assert_matches_reference(df.Space(dim, algebra), lines)
    assert len(np.unique(got, axis=0)) == len(lines)  # every example gets its own vector


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_definitions_resolve_in_any_order(algebra, dim):
    space = df.Space(dim, algebra)
    lines = PROGRAMS["references"] + PROGRAMS["parametric"]
    first = space.encode_many(lines)
    for seed in range(3):
        order = list(range(len(lines)))
        random.Random(seed).shuffle(order)
        again = space.encode_many([lines[i] for i in order])
        assert_same_bits(again, first[order], f"order {seed}")


def test_rules_in_plain_words():
    """A few rules checked straight from the space's operations, not through the reference."""
    s = df.Space(64, "fhrr")
    a, b, step = s.atom("a"), s.atom("b"), s.atom(STEP)
    unit = lambda v: v * np.float32(np.sqrt(s.dim / float(np.sum(v.astype(np.float64) ** 2))))
    np.testing.assert_allclose(s.encode("a * b"), unit(s.bind(a, b)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.encode("a → b"), unit(s.bind(step, a) + s.bind(s.permute(step, 1), b)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s.encode("~a"), s.inverse(a), rtol=1e-6)
    assert_same_bits(s.encode("вода"), s.atom("Вода"))
    assert_same_bits(s.encode('"вода"'), s.atom("вода"))
    # A stored formula has the squared norm of an atom, whatever the weights.
    for text in ["0.001*a", "1000*a + b", "a + b + c + d", "Δ1 = a * b + 0.5*c"]:
        v = s.encode(text) if not text.startswith("Δ") else s.encode_many([text])[0]
        assert abs(float(np.sum(v.astype(np.float64) ** 2)) - s.dim) < 1e-3 * s.dim
    assert not s.encode("0*a").any()
    assert not s.encode("a - a").any()
    bsc = df.Space(64, "bsc")
    assert_same_bits(bsc.encode("0.3*a"), bsc.atom("a"))  # weights outside sums do nothing in bsc
    assert_same_bits(bsc.encode("a * a"), np.zeros(8, np.uint8))


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_parametric_definition_vector_uses_variable_slots(algebra, dim):
    space = df.Space(dim, algebra)
    rows = space.encode_many(["ΔF(x, Y) = r: x + s: Y * x", "r: ?x + s: ?y * ?x", "r: ?X + s: ?Y * ?x"])
    assert_same_bits(rows[0], rows[1])
    assert_same_bits(rows[0], rows[2])


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_stored_vectors_in_a_scope_are_used_verbatim(algebra, dim):
    from deltaform import _core

    space = df.Space(dim, algebra)
    stored = space.random(2, seed=3)
    scope = _core.EncodeScope()
    scope.add_vectors(space._core, ["Δ100", "☉"], stored)
    lines = ["Δ100 + a", "r: ☉ → Δ100", "Δ5 = Δ100 * ☉", "Δ5 + Δ100"]
    got = space.encode_many(lines, registry=scope)
    ref = ReferenceEncoder(space, {"Δ100": stored[0], "☉": stored[1],
                                   "Δ5": statements_of(["Δ5 = Δ100 * ☉"])[0]})
    for i, line in enumerate(lines):
        assert_same_bits(got[i], ref.encode(df.parse(line)), line)
    # A definition in the batch hides a stored vector of the same address.
    hidden = space.encode_many(["Δ100 = b", "Δ100"], registry=scope)
    assert_same_bits(hidden[1], space.encode("b"))


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_reference_chain_of_1000(algebra, dim):
    n = 1000
    lines = ["Δ0 = w0"] + [f"Δ{i} = Δ{i - 1} + {0.5 + (i % 7) / 10}*w{i}" for i in range(1, n)]
    lines.append(f"Δ{n - 1} + top")
    shuffled = lines[:-1]
    random.Random(1).shuffle(shuffled)
    space = df.Space(dim, algebra)
    for threads in (1, 2):
        got = space.encode_many(shuffled + lines[-1:], threads=threads)
        ref = reference_for(space, statements_of(lines[:-1]))
        assert_same_bits(got[-1], ref.encode(df.parse(lines[-1])), f"threads={threads}")
        where = {line: i for i, line in enumerate(shuffled)}
        for k in (0, 1, 500, n - 1):
            assert_same_bits(got[where[lines[k]]], ref.encode(df.parse(lines[k])), f"Δ{k}")


def test_cycle_of_1000_is_reported():
    n = 1000
    lines = [f"Δ{i} = Δ{(i + 1) % n} + w{i}" for i in range(n)] + ["a + Δ7"]
    with pytest.raises(EncodeErrors) as info:
        df.Space(64).encode_many(lines)
    errors = info.value.errors
    assert len(errors) == n + 1
    last = [e for e in errors if e.line == n + 1][0]
    assert "cyclic reference" in str(last) and last.column == 5
    assert "Δ7 → Δ8" in str(last)


def test_template_chain_deep_and_too_deep():
    space = df.Space(64)
    lines = ["ΔT0(x) = r: x"] + [f"ΔT{i}(x) = ΔT{i - 1}(x) + a{i}" for i in range(1, 100)] + ["ΔT99(q)"]
    got = space.encode_many(lines)
    ref = reference_for(space, statements_of(lines[:-1]))
    assert_same_bits(got[-1], ref.encode(df.parse(lines[-1])))
    deep = ["ΔT0(x) = r: x"] + [f"ΔT{i}(x) = ΔT{i - 1}(x) + a{i}" for i in range(1, 400)] + ["ΔT399(q)"]
    with pytest.raises(EncodeErrors) as info:
        space.encode_many(deep)
    assert "expand deeper than" in str(info.value)
    rec = ["ΔR(x) = ΔR(x) + x", "ΔR(a)"]
    with pytest.raises(EncodeErrors, match="expand deeper than"):
        space.encode_many(rec)


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
def test_overflowing_weights_are_an_error(algebra):
    space = df.Space(64, algebra)
    with pytest.raises(df.FormulaError) as info:
        space.encode("a + 3e38*(1e10*b)")
    assert "overflows float32" in str(info.value) and info.value.column == 5
    # Large but representable weights are fine and scale away.
    big = space.encode("3e30*a")
    np.testing.assert_allclose(big, space.encode("a"), rtol=1e-6, atol=1e-7)
    # A definition that overflows fails the rows that use it too, each at its own line.
    with pytest.raises(EncodeErrors) as many:
        space.encode_many(["Δ1 = 1e200*a", "Δ1 + b", "c"])
    assert sorted(e.line for e in many.value.errors) == [1, 2]


def test_bsc_ignores_huge_weights_outside_sums():
    space = df.Space(64, "bsc")
    assert_same_bits(space.encode("1e300*(1e300*a)"), space.atom("a"))

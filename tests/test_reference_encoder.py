"""The plain-numpy reference encoder agrees with the core's encoder on every rule."""

import numpy as np
import pytest

from deltaform import Space, ast, parse_many
from decode_support import core_encode
from reference_encoder import encode

LINES = [
    "schema сцена(объект, напряжение, переход)",
    "Δ12 = (вода + весна + неясность) = сцена про влечение",
    "Δ13 = сцена(вода, весна, неясность)",
    "ΔF(x, y) = (действие: x → результат) + поле: y",
    "Δ14 = ΔF(таяние, память)",
    "⟁ = внутреннее восхождение через распад",
    "Δ15 = (образ: вода + эмоция: боль + действие: таяние)",
    "Δ16 = тревога → надежда → покой",
    "Δ17 = 0.8*жар + 0.2*тишина - вспышка",
    "Δ18 = (Δ12 + солнце) → ⟁",
    "Δ19 = Δ12 * ~объект",
    "Δ20 = 0.5*(a + 2*b) + c: 0.3*(d - e) + ~(0.5*f)",
    "Δ21 = 2*a → 0.5*b + c → d",
    "Δ22 = ?x + Вода + \"quoted text\"",
]


@pytest.mark.parametrize("algebra", ["fhrr", "map", "bsc"])
def test_reference_matches_core(algebra):
    space = Space(256, algebra, seed=3)
    statements = [x.statement for x in parse_many(LINES).statements]
    definitions = {s.target: s for s in statements if isinstance(s, ast.Definition)}
    schemas = {s.name: s.roles for s in statements if isinstance(s, ast.Schema)}
    checked = 0
    for st in statements:
        if not isinstance(st, ast.Definition) or st.params:
            continue  # declarations and templates are encoded where they are used
        others = {k: v for k, v in definitions.items() if k != st.target}
        ours = encode(space, st, definitions, schemas)
        core = core_encode(space, st, others, schemas)
        if algebra == "bsc":
            assert np.array_equal(ours, core), ast.to_text(st)
        else:
            assert np.allclose(ours, core, atol=2e-6), ast.to_text(st)
        checked += 1
    assert checked == 12


def test_stored_scale_is_that_of_an_atom():
    space = Space(128, "fhrr")
    v = encode(space, ast.Bundle((ast.Atom("a"), ast.Atom("b"), ast.Atom("c")), (1, 1, 1)))
    assert np.isclose(np.sum(v.astype(np.float64) ** 2), space.dim, rtol=1e-5)
    zero = encode(space, ast.Bundle((ast.Atom("a"), ast.Atom("a")), (1, -1)))
    assert not np.any(zero)

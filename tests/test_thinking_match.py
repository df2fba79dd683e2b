"""Metaformulas: match (patterns with ?variables) and generalize (anti-unification) on small memories."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from deltaform import ast
from deltaform.cli import app
from deltaform.formula import parse_expr
from deltaform.memory import Memory
from deltaform.space import Space
from deltaform.thinking import candidate_rows, generalize, generalize_exprs, match, match_expr

FORMULAS = [
    "вода + боль → ясная память",        # Δ1
    "огонь + боль → тёмная память",      # Δ2
    "боль + вода → ясная память",        # Δ3 (the bundle of Δ1 in another order)
    "вода - боль → ясная память",        # Δ4 (a sign differs)
    "вода + боль + тоска → память",      # Δ5
    "0.5*вода + боль → ясная память",    # Δ6 (a weight)
    "роль: вода * весна",                # Δ7
    "сцена(вода, весна)",                # Δ8
    "вода * вода",                       # Δ9
    "вода * огонь",                      # Δ10
]


@pytest.fixture(scope="module")
def mem(tmp_path_factory):
    m = Memory.create(tmp_path_factory.mktemp("match") / "m", Space(dim=256))
    m.add("schema сцена(объект, время)")
    m.add_many(FORMULAS)
    m.add("Δ20 = Δ1 * весна")
    m.add("Δ21 = Δ2 * весна")
    yield m
    m.close()


def texts(bindings):
    return {k: ast.to_text(v) for k, v in bindings.items()}


def found(mem, pattern, **kw):
    return {m.address: texts(m.bindings) for m in match(mem, pattern, **kw)}


def test_phrase_word_variable_and_bundle_as_set(mem):
    assert found(mem, "?x + боль → ?y память") == {
        "Δ1": {"x": "вода", "y": "ясная"},
        "Δ2": {"x": "огонь", "y": "тёмная"},
        "Δ3": {"x": "вода", "y": "ясная"},
        "Δ6": {"x": "0.5*вода", "y": "ясная"},     # a variable binds the whole weighted term
    }


def test_sign_must_agree(mem):
    assert set(found(mem, "?x - боль → ?y")) == {"Δ4"}


def test_weight_compared_when_the_pattern_gives_one(mem):
    assert set(found(mem, "0.5*вода + боль → ?y")) == {"Δ6"}
    assert set(found(mem, "0.7*вода + боль → ?y")) == set()
    assert set(found(mem, "вода + боль → ?y")) == {"Δ1", "Δ3", "Δ6"}   # no weight in the pattern: any


def test_consistent_bindings(mem):
    assert found(mem, "?x * ?x") == {"Δ9": {"x": "вода"}}
    assert set(found(mem, "?x * ?y")) == {"Δ7", "Δ9", "Δ10", "Δ20", "Δ21"}


def test_whole_subformula_binding_and_order(mem):
    assert found(mem, "?a → память") == {"Δ5": {"a": "вода + боль + тоска"}}
    assert found(mem, "роль: ?r * весна") == {"Δ7": {"r": "вода"}}
    assert found(mem, "весна * роль: ?r") == {}                 # binds are ordered
    assert found(mem, "сцена(?o, весна)") == {"Δ8": {"o": "вода"}}
    assert found(mem, "сцена(весна, ?o)") == {}


def test_references_are_ordinary_terms(mem):
    assert found(mem, "Δ1 * ?s") == {"Δ20": {"s": "весна"}}
    assert found(mem, "?d * весна") == {"Δ7": {"d": "роль: вода"}, "Δ20": {"d": "Δ1"}, "Δ21": {"d": "Δ2"}}


def test_atoms_by_identity_and_by_similarity(mem):
    assert set(found(mem, "ВОДА * огонь")) == {"Δ10"}                   # NFC + casefold
    assert found(mem, "пламя * огонь") == {}
    # similarity 1.0: only identical atoms; -1: any atom stands for any other
    assert set(found(mem, "вода * огонь", similarity=1.0)) == {"Δ10"}
    assert set(found(mem, "пламя * огонь", similarity=-1.0)) == {"Δ9", "Δ10"}


def test_limit(mem):
    assert len(match(mem, "?x + боль → ?y память", limit=2)) == 2


def test_index_narrows_candidates_and_agrees_with_a_scan(mem):
    rows = candidate_rows(mem, "?x + тоска → ?y")
    assert rows is not None and len(rows) == 1                         # only Δ5 holds «тоска»
    assert candidate_rows(mem, "?x * ?y") is None                      # no constants: a scan
    ref_rows = candidate_rows(mem, "Δ1 * ?s")
    assert ref_rows is not None and len(ref_rows) == 1                 # the reference term
    phrase_rows = candidate_rows(mem, "?a → ?y память")
    # Δ1-Δ4, Δ6 write «ясная/тёмная память»; Δ20, Δ21 reach it through Δ1, Δ2 (a superset is safe)
    assert phrase_rows is not None and len(phrase_rows) == 7
    for pattern in ["?x + боль → ?y память", "?a → память", "Δ1 * ?s", "роль: ?r * весна", "?x * ?x",
                    "сцена(?o, весна)", "?x - боль → ?y"]:
        assert found(mem, pattern) == {m.address: texts(m.bindings) for m in match(mem, pattern, use_index=False)}


def test_bad_input(mem):
    with pytest.raises(ValueError, match="expected"):
        match(mem, "?x + (")
    with pytest.raises(ValueError, match="similarity"):
        match(mem, "?x", similarity=2.0)
    with pytest.raises(ValueError, match="limit"):
        match(mem, "?x", limit=0)
    with pytest.raises(ValueError, match="at least one"):
        generalize_exprs([])


# ---------------------------------------------------------------- generalize
def same_up_to_renaming(a: ast.Expr, b: ast.Expr) -> bool:
    return match_expr(a, b) is not None and match_expr(b, a) is not None


GENERALIZE_CASES = [
    # inputs, the least general pattern, patterns that match every input (each must be more general)
    (["вода + боль → ясная память", "огонь + боль → тёмная память"], "?x + боль → ?y память",
     ["?x + ?z → ?y память", "?x → ?y", "?x + боль → ?y", "?p"]),
    (["вода * вода", "огонь * огонь"], "?x * ?x", ["?x * ?y"]),
    (["вода * огонь", "огонь * вода"], "?x * ?y", []),
    (["боль + вода", "огонь + боль"], "боль + ?x", ["?y + ?x"]),
    (["вода - боль", "огонь - боль"], "?x - боль", ["?x - ?y"]),
    (["вода + боль", "вода - боль"], "?x", []),                       # signs differ: no common bundle
    (["роль: вода", "роль: огонь"], "роль: ?x", ["?y"]),
    (["роль: вода", "цвет: вода"], "?x", []),
    (["0.5*вода", "0.5*огонь"], "0.5*?x", ["?y"]),
    (["0.5*вода", "0.8*вода"], "вода", ["?y"]),                      # weights dropped, the atom stays
    (["Δ1 * весна", "Δ2 * весна"], "?x * весна", ["?x * ?y"]),
    (["сцена(вода, весна)", "сцена(огонь, весна)"], "сцена(?x, весна)", ["сцена(?x, ?y)"]),
    (["a → b → c", "a → d → c", "a → b → e"], "a → ?x → ?y", ["?z → ?x → ?y"]),
    (["вода + боль", "вода + боль + тоска"], "?x", []),               # sizes differ
    (["вода", "вода"], "вода", ["?x"]),
]


@pytest.mark.parametrize("inputs, expected, more_general", GENERALIZE_CASES)
def test_generalize_table(inputs, expected, more_general):
    g = generalize_exprs(inputs)
    assert same_up_to_renaming(g, parse_expr(expected)), ast.to_text(g)
    for f in inputs:                                  # it matches every input
        assert match_expr(g, f) is not None
    for p in more_general:                            # it is below every other common pattern
        assert all(match_expr(p, f) is not None for f in inputs), p
        assert match_expr(p, g) is not None, p
        assert match_expr(g, parse_expr(p)) is None, p   # and strictly less general


def test_generalize_from_memory_and_store(tmp_path):
    m = Memory.create(tmp_path / "m", Space(dim=256))
    m.add_many(FORMULAS[:3])
    g = generalize(m, ["Δ1", "Δ2", "Δ3"], store_as="Δmeta")
    assert ast.to_text(g) == "?x + боль → ?y память"
    assert m.get("Δmeta").expr == "?x + боль → ?y память"
    assert {x.address for x in m.match(m.get("Δmeta").expr)} == {"Δ1", "Δ2", "Δ3", "Δmeta"}
    assert ast.to_text(m.generalize(["Δ1", "Δ3"])) == "вода + боль → ясная память"
    with pytest.raises(ValueError, match="store_as"):
        generalize({"Δ1": "a"}, ["Δ1"], store_as="Δx")
    with pytest.raises(KeyError):
        generalize({"Δ1": "a"}, ["Δ2"])
    m.close()


def test_cli_match_and_generalize(tmp_path):
    runner = CliRunner()
    path = str(tmp_path / "m")
    assert runner.invoke(app, ["add", path, FORMULAS[0], FORMULAS[1], "--dim", "256"]).exit_code == 0
    r = runner.invoke(app, ["match", path, "?x + боль → ?y память"])
    assert r.exit_code == 0
    assert "Δ1 = вода + боль → ясная память    ?x = вода, ?y = ясная" in r.output
    assert "?x = огонь, ?y = тёмная" in r.output
    r = runner.invoke(app, ["generalize", path, "Δ1", "Δ2"])
    assert r.exit_code == 0 and r.output.strip() == "?x + боль → ?y память"
    r = runner.invoke(app, ["match", path, "?x + ("])
    assert r.exit_code == 2 and "expected" in r.output
    r = runner.invoke(app, ["generalize", path, "Δ9"])
    assert r.exit_code == 2 and "Δ9 is not in the memory" in r.output

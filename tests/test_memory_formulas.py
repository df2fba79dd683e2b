"""Adding formula text: references, parametric formulas, schemas, files, errors; recall by text."""

from __future__ import annotations

import os

import numpy as np
import pytest

import deltaform as df
from deltaform.memory import AddressExistsError
from deltaform.memory.ingest import IngestError

OUTLINE = [
    "schema сцена(объект, напряжение, переход)",
    "Δ12 = (вода + весна + неясность) = сцена про влечение и расцвет",
    "Δ13 = сцена(вода, весна, неясность) = про влечение и расцвет",
    "ΔF(x, y) = (действие: x → результат) + поле: y",
    "Δ14 = ΔF(таяние, память)",
    "⟁ = внутреннее восхождение через распад",
    "Δ15 = (образ: вода + эмоция: боль + действие: таяние)",
    "Δ17 = 0.8*жар + 0.2*тишина + вспышка",
    "Δ18 = (Δ12 + солнце) → ⟁",
    "завихрение + жар = толчок к смыслу",
]


@pytest.fixture
def mem(tmp_path):
    m = df.Memory.create(tmp_path / "m", df.Space(dim=512, seed=7))
    yield m
    m.close()


def test_outline_round_trip(mem):
    addresses = mem.add_many(OUTLINE, source="outline.df", first_line=1)
    assert addresses == [None, "Δ12", "Δ13", "ΔF", "Δ14", "⟁", "Δ15", "Δ17", "Δ18", "Δ1"]
    space = mem.space
    # What is stored is what the encoder makes of the same lines.
    expected = space.encode_many(OUTLINE)
    for i, a in enumerate(addresses):
        if a is not None:
            np.testing.assert_array_equal(mem.vector(a), expected[i])
    # Each formula is found by its own text, its address and its vector.
    for a in ("Δ12", "Δ13", "Δ14", "Δ18", "Δ1"):
        e = mem.get(a)
        assert mem.recall(e.expr, k=1)[0].address == a
        assert mem.recall(a, k=1)[0].address == a
        assert mem.recall(mem.vector(a), k=1)[0].similarity == pytest.approx(1.0, abs=1e-5)
    e = mem.get("Δ18")
    assert e.formula == "Δ18 = Δ12 + солнце → ⟁"   # canonical: no redundant parentheses
    assert e.facts.refs == {"Δ12": mem.get("Δ12").row, "⟁": mem.get("⟁").row}
    assert {"вода", "весна"} <= set(e.facts.inherited)
    assert (e.source, e.line) == ("outline.df", 9)
    assert mem.get("ΔF").kind == "parametric" and mem.get("ΔF").params == ("x", "y")
    assert mem.get("⟁").kind == "symbol"
    assert mem.get("Δ1").scene == "толчок к смыслу"
    assert mem.schemas() == {"сцена": ("объект", "напряжение", "переход")}
    # Filters see atoms reached through references and schemas used.
    assert {h.address for h in mem.recall("вода", k=20, atoms="вода")} == {"Δ12", "Δ13", "Δ15", "Δ18"}
    assert [h.address for h in mem.recall("вода", k=20, schema="сцена")] == ["Δ13"]


def test_later_batches_refer_to_stored_formulas(mem):
    mem.add_many(OUTLINE)
    a = mem.add("Δ14 + Δ13 * ~объект")
    b = mem.add("ΔF(лёд, Δ12) = новое")
    c = mem.add("сцена(огонь, Δ12, ⟁)")
    space = mem.space
    np.testing.assert_array_equal(mem.vector(a), space.encode_many(OUTLINE + ["Δ14 + Δ13 * ~объект"])[-1])
    np.testing.assert_array_equal(mem.vector(b), space.encode_many(OUTLINE + ["ΔF(лёд, Δ12) = новое"])[-1])
    np.testing.assert_array_equal(mem.vector(c), space.encode_many(OUTLINE + ["сцена(огонь, Δ12, ⟁)"])[-1])
    # A query formula is encoded against the memory too.
    assert mem.recall("ΔF(лёд, Δ12)", k=1)[0].address == b
    np.testing.assert_array_equal(mem.encode("ΔF(лёд, Δ12)"), mem.vector(b))
    np.testing.assert_array_equal(space.encode("Δ14 + Δ13 * ~объект", registry=mem), mem.vector(a))


def test_syntax_trees_are_accepted(mem):
    tree = df.parse("Δ30 = солнце + луна = небо")
    expr = df.parse_expr("солнце * луна")
    a, b = mem.add_many([tree, expr])
    assert (a, b) == ("Δ30", "Δ1")
    assert mem.get("Δ1").expr == "солнце * луна"
    np.testing.assert_array_equal(mem.vector("Δ30"), mem.space.encode("солнце + луна"))


def test_a_bad_statement_stores_nothing_and_says_where(mem):
    with pytest.raises(IngestError) as err:
        mem.add_many(["вода + боль", "Δ99 + жар", "свет"], source="x.df", first_line=10)
    assert "x.df:11:1: error: unknown reference Δ99" in str(err.value)
    assert mem.rows == 0
    with pytest.raises(IngestError, match=r"<string>:2:8: error: expected a formula after '\+'"):
        mem.add_many(["a", "вода + + боль"])
    with pytest.raises(IngestError, match="cyclic reference"):
        mem.add_many(["Δ1 = Δ2 + a", "Δ2 = Δ1 + b"])
    assert mem.rows == 0


def test_replace_and_schema_redeclaration(mem):
    mem.add_many(OUTLINE)
    with pytest.raises(AddressExistsError, match="Δ12: already defined"):
        mem.add("Δ12 = огонь")
    mem.add("Δ12 = огонь", replace=True)
    assert [h.expr for h in mem.history("Δ12")] == ["вода + весна + неясность", "огонь"]
    # Δ18 keeps the vector it was encoded with; new formulas use the new Δ12.
    new = mem.add("Δ12 + солнце")
    np.testing.assert_array_equal(mem.vector(new), mem.space.encode("огонь + солнце"))
    with pytest.raises(AddressExistsError, match="schema сцена is already declared"):
        mem.add("schema сцена(a, b)")
    mem.add("schema сцена(объект, напряжение, переход)")   # the same again: fine
    mem.add("schema сцена(a, b)", replace=True)
    assert mem.schemas()["сцена"] == ("a", "b")


def test_add_file_reports_bad_lines_and_keeps_good(mem, tmp_path):
    path = tmp_path / "scenes.df"
    path.write_text("# a comment\n" + "\n".join(OUTLINE[:3]) + "\n\nΔ40 = (вода + + весна)\nΔ41 = жар → пепел  # late\n",
                    encoding="utf-8")
    report = mem.add_file(path, batch_size=2)
    assert report.added == ["Δ12", "Δ13", "Δ41"] and report.schemas == 1
    assert len(report.errors) == 1 and report.errors[0].line == 6
    assert "scenes.df:6:" in str(report.errors[0])
    assert mem.get("Δ41").line == 7 and mem.get("Δ41").source == str(path)
    assert report.batches == 2
    mem2 = df.Memory.create(tmp_path / "m2", mem.space)
    with pytest.raises(IngestError):
        mem2.add_file(path, strict=True)
    assert mem2.rows == 0


def test_a_large_batch_encoded_on_a_thread_stores_all_or_nothing(mem):
    # Batches of BEHIND_ROWS items or more are encoded on a thread while the commit inserts rows.
    from deltaform.memory.background import BEHIND_ROWS
    n = BEHIND_ROWS + 500
    lines = [f"слово{i} + эмоция: боль{i % 7}" for i in range(n)]
    bad = list(lines)
    bad[777] = "Δ404 + жар"              # parses; fails only in the encoder, on the thread
    with pytest.raises(IngestError, match=r"<string>:778:1: error: unknown reference Δ404"):
        mem.add_many(bad)
    assert mem.rows == 0
    assert os.path.getsize(os.path.join(mem.path, "vectors.f32")) == 0
    # A good batch with schema declarations among its lines: their rows are left out of the vectors.
    good = lines[:600] + ["schema сцена(объект, напряжение)"] + lines[600:] + ["Δ9000 = сцена(a, b)"]
    addresses = mem.add_many(good)
    assert addresses[600] is None and addresses[-1] == "Δ9000"
    want = mem.space.encode_many(lines, registry=None)
    X = mem.vectors()
    assert np.array_equal(X[:n], want)
    assert np.array_equal(X[n], mem.encode("сцена(a, b)"))
    assert mem.get("Δ1").expr == lines[0] and mem.rows == n + 1

"""The text path of the memory (the core's digest, no Python trees) stores exactly what the
record path stores for the same formulas read from Python trees: texts, facts JSON, filter terms."""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df
from deltaform import ast
from deltaform.formula import parse
from deltaform.memory import Record, SchemaRecord
from deltaform.memory.records import facts_of

PLAIN = [
    "Вода + боль * весна → образ: Тишина",
    'Δ7 = "a \\"quoted\\" atom" + "tab\there" + Ёлка',
    "schema сцена(объект, напряжение)",
    "сцена(вода, 0.25*жар) = a scene",
    "ΔF(x, y) = x + y * память",
    "⟁ = эмоция: покой → ЭМОЦИЯ: покой",
]
WITH_REFS = [
    "Δ20 = Δ7 + вода",
    "ΔF(ветер, Δ7) → ⟁",
    "?x * ?y + образ: свет",
    "Δ21 = Δ20 + Δ22",
    "Δ22 = лёд + ΔF(a, b) + ΔF(ΔF(c, d), Δ7)",
]


def _table(mem: df.Memory) -> tuple[list, list]:
    con = mem._store.catalog.con
    formulas = con.execute("SELECT row, address, kind, params, expr, scene, facts, source, line FROM formulas "
                           "ORDER BY row").fetchall()
    postings = con.execute("SELECT term, batch, rows FROM postings ORDER BY term, batch").fetchall()
    return formulas, postings


def _records(mem: df.Memory, lines: list[str], vectors: np.ndarray, source: str) -> tuple[list, list]:
    """The batch as records made from Python trees (ast.to_text, records.facts_of)."""
    records, schemas = [], []
    for i, line in enumerate(lines):
        tree = parse(line)
        if isinstance(tree, ast.Schema):
            schemas.append(SchemaRecord(ast.normalize_name(tree.name), tree.roles, source, i + 1))
            continue
        facts = facts_of(tree)
        for a in facts.refs:
            try:
                facts.refs[a] = mem.get(a).row
            except KeyError:
                facts.refs[a] = None
        if isinstance(tree, ast.Definition):
            kind = "parametric" if tree.params else ("formula" if tree.target.startswith("Δ") else "symbol")
            records.append(Record(vector=vectors[len(records)], expr=ast.to_text(tree.expr), address=tree.target,
                                  scene=tree.scene, kind=kind, params=tree.params, facts=facts, source=source,
                                  line=i + 1))
        else:
            records.append(Record(vector=vectors[len(records)], expr=ast.to_text(tree.expr), scene=tree.scene,
                                  facts=facts, source=source, line=i + 1))
    return records, schemas


@pytest.mark.parametrize("batches", [[PLAIN], [PLAIN, WITH_REFS], [PLAIN, PLAIN[:2] + ["Δ8 = новое"]]],
                         ids=["plain", "references", "repeated"])
def test_text_path_stores_what_the_record_path_stores(tmp_path, batches) -> None:
    space = df.Space(dim=256, seed=3)
    text = df.Memory.create(tmp_path / "text", space)
    recs = df.Memory.create(tmp_path / "records", space)
    try:
        for lines in batches:
            addresses = text.add_many(lines, source="s.df", first_line=1)
            # (a formula stored before with the same text is not stored again, by either path)
            rows = [text.get(a).row for a in addresses if a is not None]
            records, schemas = _records(recs, lines, np.asarray(text.vectors()[rows]), "s.df")
            recs.add_records(records, schemas)
        t_formulas, t_postings = _table(text)
        r_formulas, r_postings = _table(recs)
        assert t_formulas == r_formulas
        assert t_postings == r_postings
        assert len(t_postings) > 5
    finally:
        text.close()
        recs.close()


def test_trees_and_text_store_the_same(tmp_path) -> None:
    space = df.Space(dim=256, seed=3)
    a = df.Memory.create(tmp_path / "a", space)
    b = df.Memory.create(tmp_path / "b", space)
    try:
        lines = PLAIN + WITH_REFS
        a.add_many(lines)
        b.add_many([parse(line) for line in lines])
        assert _table(a)[0] == _table(b)[0]
        assert np.array_equal(a.vectors(), b.vectors())
    finally:
        a.close()
        b.close()


def test_errors_name_the_item_source_and_line(tmp_path) -> None:
    from deltaform.memory.ingest import IngestError, Item
    m = df.Memory.create(tmp_path / "m", df.Space(dim=256, seed=3))
    try:
        with pytest.raises(IngestError) as info:
            m.add_many([Item("a + b", "one.df", 10), Item("c + + d", "two.df", 20), "e", "x +",
                        ast.Bind((ast.Atom("ok"), ast.Atom("+")))], source="rest.df", first_line=100)
        where = [(e.file, e.line, e.column) for e in info.value.errors]
        assert where == [("two.df", 20, 5), ("rest.df", 103, 4), ("rest.df", 104, 6)]
        assert len(m) == 0
    finally:
        m.close()

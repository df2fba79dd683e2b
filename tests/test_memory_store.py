"""The memory's store: round trips, addresses, versions, filters, exact vs index search, export."""

from __future__ import annotations

import base64
import json
import os

import numpy as np
import pytest

import deltaform as df
from deltaform.memory import (AddressExistsError, Facts, ReadOnlyMemoryError, Record, SchemaRecord,
                              SpaceMismatchError, UnknownAddressError)
from memory_support import add_batch, batch_vectors


@pytest.fixture(params=["fhrr", "map", "bsc"])
def space(request) -> df.Space:
    return df.Space(dim=256, algebra=request.param, seed=3)


def records(space: df.Space, n: int, seed: int = 0, prefix: str = "w") -> list[Record]:
    V = space.random(n, seed=seed)
    return [Record(vector=V[i], expr=f"{prefix}{i} + x", scene=f"scene {i}",
                   facts=Facts(atoms=[f"{prefix}{i}", "x"]), source="r.df", line=i + 1) for i in range(n)]


def test_round_trip_by_vector_and_address_and_reopen(tmp_path, space):
    path = tmp_path / "m"
    mem = df.Memory.create(path, space)
    recs = records(space, 50)
    addresses = mem.add_records(recs[:20]) + mem.add_records(recs[20:])
    assert addresses == [f"Δ{i}" for i in range(1, 51)]
    assert len(mem) == 50 and mem.rows == 50
    before = []
    for i in (0, 17, 49):
        hits = mem.recall(recs[i].vector, k=3)
        assert hits[0].address == addresses[i]
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-5)
        assert hits[0].formula == f"{addresses[i]} = w{i} + x = scene {i}"
        assert hits[0].scene == f"scene {i}"
        by_address = mem.recall(addresses[i], k=3)
        assert [h.address for h in by_address] == [h.address for h in hits]
        before.append([(h.address, h.similarity) for h in hits])
        np.testing.assert_allclose(mem.vector(addresses[i]), recs[i].vector, rtol=1e-5, atol=1e-5)
    mem.close()
    again = df.Memory.open(path)
    assert again.space == space
    after = [[(h.address, h.similarity) for h in again.recall(recs[i].vector, k=3)] for i in (0, 17, 49)]
    assert after == before
    e = again.get("Δ18")
    assert (e.expr, e.scene, e.source, e.line, e.version, e.current) == ("w17 + x", "scene 17", "r.df", 18, 1, True)
    assert e.facts.atoms == ["w17", "x"]
    again.close()


def test_stored_vectors_are_at_atom_scale(tmp_path):
    space = df.Space(dim=64, algebra="map", seed=1)
    mem = df.Memory.create(tmp_path / "m", space)
    v = np.arange(1, 65, dtype=np.float32)
    mem.add_vectors(v[None, :], ["x"])
    stored = mem.vectors()[0]
    assert float(stored @ stored) == pytest.approx(64.0, rel=1e-5)
    assert mem.recall(v, k=1)[0].similarity == pytest.approx(1.0, abs=1e-5)


def test_anonymous_numbers_skip_given_addresses(tmp_path, space):
    mem = df.Memory.create(tmp_path / "m", space)
    recs = records(space, 6)
    recs[1].address = "Δ2"
    recs[3].address = "Δ4"
    assert mem.add_records(recs) == ["Δ1", "Δ2", "Δ3", "Δ4", "Δ5", "Δ6"]
    more = records(space, 3, seed=1, prefix="v")
    more[0].address = "Δ8"
    assert mem.add_records(more) == ["Δ8", "Δ7", "Δ9"]
    assert "Δ8" in mem and "Δ10" not in mem


def test_redefinition_needs_replace_and_keeps_history(tmp_path, space):
    mem = df.Memory.create(tmp_path / "m", space)
    first = records(space, 2)
    first[0].address = "Δwater"
    mem.add_records(first)
    again = records(space, 1, seed=5, prefix="q")
    again[0].address = "Δwater"
    with pytest.raises(AddressExistsError, match="Δwater: already defined"):
        mem.add_records(again + records(space, 1, seed=6, prefix="z"))
    assert mem.rows == 2   # the failed batch left nothing
    # The very same definition again is not a redefinition.
    assert mem.add_records([first[0]]) == ["Δwater"] and mem.rows == 2
    mem.add_records(again, replace=True)
    hist = mem.history("Δwater")
    assert [(h.version, h.current, h.expr) for h in hist] == [(1, False, "w0 + x"), (2, True, "q0 + x")]
    assert mem.get("Δwater").expr == "q0 + x"
    assert len(mem) == 2 and mem.rows == 3
    # The old version's vector is no longer found; the new one is.
    old_hits = mem.recall(first[0].vector, k=3)
    assert all(h.row != 0 for h in old_hits)
    assert mem.recall(again[0].vector, k=1)[0].address == "Δwater"


def test_duplicate_address_in_one_batch(tmp_path, space):
    mem = df.Memory.create(tmp_path / "m", space)
    recs = records(space, 2)
    recs[0].address = recs[1].address = "Δa"
    with pytest.raises(AddressExistsError, match="defined twice"):
        mem.add_records(recs)
    mem.add_records(recs, replace=True)
    assert [h.current for h in mem.history("Δa")] == [False, True]
    assert len(mem) == 1


def test_bad_records_are_refused_whole(tmp_path):
    space = df.Space(dim=64, seed=0)
    mem = df.Memory.create(tmp_path / "m", space)
    bad = records(space, 3)
    bad[2].vector = np.full(space.width, np.nan, dtype=np.float32)
    with pytest.raises(ValueError, match="row 2: the vector has NaN"):
        mem.add_records(bad)
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        mem.add_records([Record(vector=np.zeros(5, np.float32), expr="a")])
    assert mem.rows == 0 and os.path.getsize(mem._store.vectors.path) == 0


def test_filters_schema_source_atoms_roles(tmp_path):
    space = df.Space(dim=128, seed=2)
    mem = df.Memory.create(tmp_path / "m", space)
    V = space.random(40, seed=9)
    recs = []
    for i in range(40):
        facts = Facts(atoms=["вода" if i % 2 else "огонь", f"w{i}"], schemas=["сцена"] if i % 4 == 0 else [],
                      roles=["образ"] if i % 5 == 0 else [])
        recs.append(Record(vector=V[i], expr=f"w{i}", facts=facts, source="a.df" if i < 20 else "b/c.df"))
    mem.add_records(recs, [SchemaRecord("сцена", ("объект", "напряжение"))])
    q = V[0] + V[1]
    def rows(**kw):
        return {h.row for h in mem.recall(q, k=40, **kw)}
    assert rows() == set(range(40))
    assert rows(schema="Сцена") == {i for i in range(40) if i % 4 == 0}
    assert rows(atoms=["вода"]) == {i for i in range(40) if i % 2}
    assert rows(atoms=["вода", "w3"]) == {3}
    assert rows(atoms=["вода", "w4"]) == set()
    assert rows(roles="образ") == {i for i in range(40) if i % 5 == 0}
    assert rows(source="a.df") == set(range(20))
    assert rows(source="b/*") == set(range(20, 40))
    assert rows(source="a.df", atoms="огонь") == {i for i in range(20) if i % 2 == 0}
    assert mem.schemas() == {"сцена": ("объект", "напряжение")}
    # The ranking under a filter is the exact ranking restricted to the allowed rows.
    full = [h.row for h in mem.recall(q, k=40) if h.row % 2]
    assert [h.row for h in mem.recall(q, k=40, atoms="вода")] == full


@pytest.mark.parametrize("algebra", ["fhrr", "bsc"])
def test_index_search_agrees_with_exact(tmp_path, algebra):
    space = df.Space(dim=256, algebra=algebra, seed=4)
    mem = df.Memory.create(tmp_path / "m", space, exact_threshold=100, M=16, ef_construction=100)
    for b in range(3):
        add_batch(mem, b, 400)
    queries = np.concatenate([batch_vectors(space, b, 400)[:20] for b in range(3)])
    exact = mem.search(queries, k=5, exact=True)
    approx = mem.search(queries, k=5, exact=False, ef=100)
    assert mem.stats()["index_rows"] >= 1200 - mem._searcher.tail_limit
    # Each stored vector finds itself first, both ways, with the same exact similarity.
    np.testing.assert_array_equal(exact[0][:, 0], approx[0][:, 0])
    np.testing.assert_allclose(approx[1][:, 0], exact[1][:, 0], atol=1e-5)
    recall = np.mean([len(set(a) & set(e)) / 5 for a, e in zip(approx[0], exact[0])])
    assert recall >= 0.9
    # Filters on the index path: only allowed rows, none missing among the best.
    rows, sims = mem.search(queries[:10], k=5, exact=False, atoms=["b1"])
    assert ((rows >= 400) & (rows < 800)).all()
    erows, _ = mem.search(queries[:10], k=5, exact=True, atoms=["b1"])
    assert np.mean([len(set(a) & set(e)) / 5 for a, e in zip(rows, erows)]) >= 0.9
    # The tail not yet in the index is searched too.
    add_batch(mem, 3, 50)
    new = batch_vectors(space, 3, 50)
    assert mem.search(new[:5], k=1, exact=False)[0][:, 0].tolist() == list(range(1200, 1205))
    mem.close()
    again = df.Memory.open(tmp_path / "m", exact_threshold=100)
    assert again.stats()["index_problem"] is None
    r2 = again.search(queries, k=5, exact=False, ef=100)
    np.testing.assert_array_equal(r2[0][:, 0], exact[0][:, 0])


def test_k_larger_than_rows_and_empty_memory(tmp_path):
    space = df.Space(dim=64, seed=0)
    mem = df.Memory.create(tmp_path / "m", space)
    assert mem.recall(space.random(1)[0], k=3) == []
    mem.add_records(records(space, 2))
    rows, sims = mem.search(space.random(1)[0], k=4)
    assert (rows[0, 2:] == -1).all() and np.isneginf(sims[0, 2:]).all()
    assert len(mem.recall(space.random(1)[0], k=4)) == 2
    with pytest.raises(ValueError, match="k must be >= 1"):
        mem.recall(space.random(1)[0], k=0)
    with pytest.raises(UnknownAddressError, match="Δ77 is not in the memory"):
        mem.recall("Δ77")


def test_export_base64_and_npy(tmp_path, space):
    mem = df.Memory.create(tmp_path / "m", space)
    recs = records(space, 5)
    mem.add_records(recs, [SchemaRecord("s", ("a", "b"))])
    n = mem.export(tmp_path / "out.jsonl")
    lines = [json.loads(x) for x in open(tmp_path / "out.jsonl", encoding="utf-8")]
    assert n == 5 and lines[0]["deltaform_memory"]["algebra"] == space.algebra
    assert lines[1] == {"schema": "s", "roles": ["a", "b"], "text": "schema s(a, b)"}
    for obj, row in zip(lines[2:], range(5)):
        v = np.frombuffer(base64.b64decode(obj["vector"]), dtype=space.dtype)
        np.testing.assert_array_equal(v, mem.vectors()[row])
        assert obj["formula"] == f"Δ{row + 1} = w{row} + x = scene {row}"
    mem.export(tmp_path / "out2.jsonl", vectors="npy")
    X = np.load(str(tmp_path / "out2.jsonl") + ".vectors.npy")
    objs = [json.loads(x) for x in open(tmp_path / "out2.jsonl", encoding="utf-8")][2:]
    np.testing.assert_array_equal(X[[o["vector_index"] for o in objs]], mem.vectors()[:5])


def test_space_mismatch_and_read_only(tmp_path):
    space = df.Space(dim=64, seed=0)
    df.Memory.create(tmp_path / "m", space).close()
    with pytest.raises(SpaceMismatchError, match=r"is for Space\(dim=64, algebra='fhrr', seed=0\), not Space\(dim=128"):
        df.Memory.open(tmp_path / "m", df.Space(dim=128))
    with pytest.raises(SpaceMismatchError, match="seed=1"):
        df.Memory.open(tmp_path / "m", df.Space(dim=64, seed=1))
    ro = df.Memory.open(tmp_path / "m", readonly=True)
    with pytest.raises(ReadOnlyMemoryError, match="read-only"):
        ro.add_records(records(space, 1))
    with pytest.raises(df.memory.MemoryStoreError, match="a memory already exists"):
        df.Memory.create(tmp_path / "m", space)
    with pytest.raises(df.memory.MemoryStoreError, match="no memory here"):
        df.Memory.open(tmp_path / "nothing")


def test_stats(tmp_path):
    space = df.Space(dim=64, seed=0)
    mem = df.Memory.create(tmp_path / "m", space)
    mem.add_records(records(space, 7), [SchemaRecord("s", ("a",))])
    st = mem.stats()
    assert (st["formulas"], st["rows"], st["schemas"], st["batches"], st["dim"]) == (7, 7, 1, 1, 64)
    assert st["vector_bytes"] == 7 * space.width * 4


@pytest.mark.parametrize("rows", [10, 3000])   # written at once, and on a thread (BEHIND_ROWS)
def test_a_failed_vector_write_stores_nothing(tmp_path, monkeypatch, rows):
    from deltaform.memory.vectorfile import BEHIND_ROWS, VectorFile
    assert (rows >= BEHIND_ROWS) == (rows == 3000)
    space = df.Space(dim=64, seed=1)
    mem = df.Memory.create(tmp_path / "m", space)
    mem.add_records(records(space, 5))
    real = VectorFile.write_rows

    def half_then_fail(self, first_row, data):
        real(self, first_row, data[: len(data) // 2])
        raise OSError("no space left on device")

    monkeypatch.setattr(VectorFile, "write_rows", half_then_fail)
    with pytest.raises(OSError, match="no space left"):
        mem.add_records(records(space, rows, seed=1, prefix="v"))
    monkeypatch.setattr(VectorFile, "write_rows", real)
    assert len(mem) == 5
    assert os.path.getsize(tmp_path / "m" / "vectors.f32") == 5 * space.width * 4
    assert mem.add_records(records(space, 3, seed=2, prefix="u")) == ["Δ6", "Δ7", "Δ8"]
    mem.close()
    again = df.Memory.open(tmp_path / "m")
    assert len(again) == 8 and again.get("Δ7").expr == "u1 + x"


def _postings_tables(mem: df.Memory) -> tuple[int, int]:
    con = mem._store.catalog.con
    return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("postings_merged", "postings_recent"))


def test_recent_postings_merge_and_filters_read_both_tables(tmp_path, monkeypatch):
    from deltaform.memory import catalog
    from memory_support import add_batch
    monkeypatch.setattr(catalog, "MERGE_POSTINGS", 50)
    space = df.Space(dim=64, seed=2)
    mem = df.Memory.create(tmp_path / "m", space)
    add_batch(mem, 0, 10)                 # terms b0, i0..i9 and the source: 12 recent entries
    assert _postings_tables(mem) == (0, 12)
    for b in (1, 2, 3):
        add_batch(mem, b, 10)
    assert _postings_tables(mem) == (0, 48)   # below 50
    add_batch(mem, 4, 10)                     # 60: merged
    assert _postings_tables(mem) == (60, 0)
    add_batch(mem, 5, 10)
    assert _postings_tables(mem) == (60, 12)
    q = space.random(1, seed=5)[0]
    def rows(**kw):
        return sorted(h.row for h in mem.recall(q, k=60, **kw))
    assert rows(atoms="i3") == [3, 13, 23, 33, 43, 53]     # rows in both tables, in order
    assert mem._store.catalog.term_rows("a:i3").tolist() == [3, 13, 23, 33, 43, 53]
    assert rows(atoms=["b5"]) == list(range(50, 60))
    assert rows(source="batch*") == list(range(60))
    assert rows(atoms=["b1", "i7"]) == [17]


def test_a_layout_1_memory_is_read_and_upgraded_by_its_first_write(tmp_path):
    from memory_support import add_batch
    space = df.Space(dim=64, seed=2)
    path = tmp_path / "m"
    mem = df.Memory.create(path, space)
    add_batch(mem, 0, 10)
    mem.close()
    import sqlite3
    con = sqlite3.connect(path / "catalog.sqlite", isolation_level=None)
    con.executescript("""
        BEGIN;
        INSERT INTO postings_merged SELECT term, batch, rows FROM postings_recent;
        DROP VIEW postings; DROP TABLE postings_recent;
        ALTER TABLE postings_merged RENAME TO postings;
        UPDATE meta SET value='1' WHERE key='format_version';
        COMMIT;""")
    con.close()
    q = space.random(1, seed=5)[0]
    ro = df.Memory.open(path, readonly=True)
    assert sorted(h.row for h in ro.recall(q, k=20, atoms="i3")) == [3]
    ro.close()
    mem = df.Memory.open(path)
    add_batch(mem, 1, 10)
    con = mem._store.catalog.con
    assert con.execute("SELECT type FROM sqlite_master WHERE name='postings'").fetchone()[0] == "view"
    assert mem._store.catalog.meta()["format_version"] == 2
    assert sorted(h.row for h in mem.recall(q, k=20, atoms="i3")) == [3, 13]
    mem.close()


@pytest.mark.parametrize("n,per_statement", [(0, 4), (3, 4), (8, 4), (11, 4), (11, 10_000)])
def test_insert_many_stores_every_row_in_order(n, per_statement):
    import sqlite3
    from deltaform.memory.catalog import insert_many
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute("CREATE TABLE t(i INTEGER PRIMARY KEY, s TEXT, b BLOB)")
    rows = [(i, f"вода {i}", bytes([i % 256]) * 3) for i in range(n)]
    insert_many(con, "INSERT INTO t(i, s, b) VALUES (?, ?, ?)", rows, per_statement=per_statement)
    assert con.execute("SELECT i, s, b FROM t ORDER BY i").fetchall() == rows

"""Damaged and stale files: each is detected on open with a clear message; nothing committed is lost."""

from __future__ import annotations

import json
import os
import sqlite3
import warnings

import numpy as np
import pytest

import deltaform as df
from deltaform.memory import CodebookVersionError, CorruptMemoryError, MemoryWarning
from memory_support import add_batch, batch_vectors

FORMULAS = [
    "schema сцена(объект, напряжение)",
    "Δ12 = вода + весна = влечение",
    "ΔF(x, y) = (действие: x → результат) + поле: y",
    "Δ13 = ΔF(таяние, Δ12)",
    "Δ14 = сцена(Δ13, ⟁)",
    "⟁ = восхождение через распад",
] + [f"слово{i} + Δ12 * ветер{i % 7}" for i in range(60)]


def formula_memory(path) -> tuple[df.Memory, np.ndarray]:
    mem = df.Memory.create(path, df.Space(dim=256, seed=5))
    mem.add_many(FORMULAS[:6])
    mem.add_many(FORMULAS[6:36])
    mem.add_many(FORMULAS[36:])
    X = np.array(mem.vectors())
    mem.close()
    return mem, X


def test_truncated_vector_file_is_reported_then_repaired_bit_for_bit(tmp_path):
    mem, X = formula_memory(tmp_path / "m")
    vec = mem._store.vectors.path
    with open(vec, "r+b") as f:
        f.truncate(10 * X.shape[1] * 4 + 100)     # 10 whole rows and part of one
    with pytest.raises(CorruptMemoryError, match=r"holds 10 whole rows but 65 are committed \(rows 10..64 are "
                                                 r"missing.*repair=True"):
        df.Memory.open(tmp_path / "m")
    again = df.Memory.open(tmp_path / "m", repair=True)
    np.testing.assert_array_equal(again.vectors(), X)
    assert again.recall("Δ13", k=1)[0].address == "Δ13"


def test_missing_vector_file_is_repaired(tmp_path):
    mem, X = formula_memory(tmp_path / "m")
    os.remove(mem._store.vectors.path)
    with pytest.raises(CorruptMemoryError, match="the vector file is missing but 65 vectors are committed"):
        df.Memory.open(tmp_path / "m")
    np.testing.assert_array_equal(df.Memory.open(tmp_path / "m", repair=True).vectors(), X)


def indexed_memory(path, algebra="fhrr") -> tuple[np.ndarray, np.ndarray]:
    space = df.Space(dim=128, algebra=algebra, seed=1)
    mem = df.Memory.create(path, space, exact_threshold=200)
    for b in range(3):
        add_batch(mem, b, 300)
    queries = batch_vectors(space, 1, 300)[:10]
    mem.build_index()
    rows, _ = mem.search(queries, k=3, exact=True)
    mem.close()
    assert os.path.exists(os.path.join(path, "index.json"))
    return queries, rows


def reopen_expecting(path, message: str):
    with pytest.warns(MemoryWarning, match=message):
        return df.Memory.open(path, exact_threshold=200)


def test_given_vectors_come_back_from_the_index(tmp_path):
    queries, rows = indexed_memory(tmp_path / "m", algebra="bsc")
    mem = df.Memory.open(tmp_path / "m")
    X = np.array(mem.vectors())
    mem.close()
    with open(os.path.join(tmp_path / "m", "vectors.u8"), "r+b") as f:
        f.truncate(500 * X.shape[1])
    again = df.Memory.open(tmp_path / "m", repair=True)
    np.testing.assert_array_equal(again.vectors(), X)


def test_given_vectors_without_index_cannot_be_invented(tmp_path):
    space = df.Space(dim=64, seed=1)
    mem = df.Memory.create(tmp_path / "m", space)
    add_batch(mem, 0, 20)
    mem.close()
    with open(os.path.join(tmp_path / "m", "vectors.f32"), "r+b") as f:
        f.truncate(5 * space.width * 4)
    with pytest.raises(CorruptMemoryError, match=r"rows 5..19 \(15 rows\) were stored as given vectors"):
        df.Memory.open(tmp_path / "m", repair=True)
    assert os.path.getsize(os.path.join(tmp_path / "m", "vectors.f32")) == 5 * space.width * 4


def test_missing_index_is_rebuilt(tmp_path):
    queries, rows = indexed_memory(tmp_path / "m")
    os.remove(tmp_path / "m" / "index.json")
    mem = reopen_expecting(tmp_path / "m", "index not usable: there is no index file; it will be rebuilt")
    np.testing.assert_array_equal(mem.search(queries, k=3, exact=False)[0][:, 0], rows[:, 0])
    mem.close()
    assert df.Memory.open(tmp_path / "m", exact_threshold=200).stats()["index_problem"] is None


def test_damaged_index_file_is_rebuilt(tmp_path):
    queries, rows = indexed_memory(tmp_path / "m")
    p = json.load(open(tmp_path / "m" / "index.json"))
    with open(tmp_path / "m" / p["file"], "r+b") as f:
        f.seek(100)
        f.write(b"\xff" * 64)
    mem = reopen_expecting(tmp_path / "m", "index file index.1.hnsw is damaged")
    np.testing.assert_array_equal(mem.search(queries, k=3, exact=False)[0][:, 0], rows[:, 0])


def test_index_of_other_vectors_is_rebuilt(tmp_path):
    queries, rows = indexed_memory(tmp_path / "m")
    mem = df.Memory.open(tmp_path / "m")
    X = np.array(mem.vectors())
    mem.close()
    # Same rows count, other contents (as if the vector file had been swapped).
    with open(tmp_path / "m" / "vectors.f32", "r+b") as f:
        f.write(np.ascontiguousarray(X[::-1]).tobytes())
    reopen_expecting(tmp_path / "m", "built from other vectors")


def test_index_covering_more_than_committed_is_stale(tmp_path):
    indexed_memory(tmp_path / "m")
    p = json.load(open(tmp_path / "m" / "index.json"))
    p["count"] = 5000
    json.dump(p, open(tmp_path / "m" / "index.json", "w"))
    reopen_expecting(tmp_path / "m", "the index covers 5000 rows but only 900 are committed")


def test_corrupt_catalogue(tmp_path):
    mem, _ = formula_memory(tmp_path / "m")
    with open(tmp_path / "m" / "catalog.sqlite", "r+b") as f:
        f.write(b"this is not sqlite at all" * 4)
    with pytest.raises(CorruptMemoryError, match="catalog.sqlite: the catalogue is not a readable SQLite database"):
        df.Memory.open(tmp_path / "m")


def test_newer_codebook_version(tmp_path):
    formula_memory(tmp_path / "m")
    con = sqlite3.connect(tmp_path / "m" / "catalog.sqlite")
    con.execute("UPDATE meta SET value=? WHERE key='codebook_version'", (json.dumps(df.CODEBOOK_VERSION + 1),))
    con.commit()
    con.close()
    with pytest.raises(CodebookVersionError, match=f"written with codebook version {df.CODEBOOK_VERSION + 1}, "
                                                   f"newer than this deltaform's \\({df.CODEBOOK_VERSION}\\)"):
        df.Memory.open(tmp_path / "m")


def test_uncommitted_tail_is_cut_on_open(tmp_path):
    mem, X = formula_memory(tmp_path / "m")
    with open(mem._store.vectors.path, "ab") as f:
        f.write(b"\x01" * (X.shape[1] * 4 * 3 + 7))   # a batch that died before its commit
    with pytest.warns(MemoryWarning, match=r"cut \d+ bytes of an uncommitted batch"):
        again = df.Memory.open(tmp_path / "m")
    assert os.path.getsize(mem._store.vectors.path) == X.nbytes
    np.testing.assert_array_equal(again.vectors(), X)
    again.add("Δ99 = новое")
    assert again.rows == 66

"""The lean path of a plain vector query and the commit counter that keeps it from reading the catalogue."""

from __future__ import annotations

import time

import numpy as np
import pytest

import deltaform as df
from deltaform.memory import generation


def _memory(tmp_path, n: int = 3000, algebra: str = "map", dim: int = 64) -> tuple[df.Memory, np.ndarray]:
    space = df.Space(dim=dim, algebra=algebra, seed=5)
    mem = df.Memory.create(tmp_path / "m", space, M=8, ef_construction=40, exact_threshold=500)
    X = space.random(n, seed=1)
    mem.add_vectors(X, [f"w{i}" for i in range(n)], atoms=[[f"w{i}"] for i in range(n)])
    mem.build_index()
    mem.save_index()   # a second handle loads it instead of warning and rebuilding
    return mem, X


@pytest.mark.parametrize("algebra", ["map", "fhrr"])
def test_lean_path_answers_as_the_general_path(tmp_path, algebra):
    mem, X = _memory(tmp_path, algebra=algebra)
    Q = np.ascontiguousarray(X[::97] + 0.1 * mem.space.random(len(X[::97]), seed=9).astype(np.float32))
    calls = []
    original = mem._searcher.search_plain
    mem._searcher.search_plain = lambda *a: calls.append(1) or original(*a)   # type: ignore[method-assign]
    lean_rows, lean_sims = mem.search(Q, k=7, exact=False, ef=50)
    assert calls, "a float32 batch without filters takes the lean path"
    # float64 goes through the checked, general path: same index, same ef, so the same answer.
    rows, sims = mem.search(Q.astype(np.float64), k=7, exact=False, ef=50)
    np.testing.assert_array_equal(lean_rows, rows)
    np.testing.assert_allclose(lean_sims, sims, rtol=0, atol=1e-6)
    assert lean_rows.dtype == np.int64 and lean_sims.dtype == np.float32
    # One query, 1-D: a (1, k) answer whose best hit is the query's own row.
    one_rows, one_sims = mem.search(np.ascontiguousarray(X[123]), k=3, exact=False)
    assert one_rows.shape == (1, 3) and one_rows[0, 0] == 123 and one_sims[0, 0] == pytest.approx(1.0, abs=1e-5)
    hits = mem.recall(np.ascontiguousarray(X[123]), k=3, exact=False)
    assert hits[0].row == 123 and hits[0].formula == "Δ124 = w123" and hits[0].address == "Δ124"
    mem.close()


def test_rows_past_the_index_and_bad_queries_take_the_general_path(tmp_path):
    mem, X = _memory(tmp_path)
    space = mem.space
    extra = space.random(5, seed=77)
    mem.add_vectors(extra, [f"new{i}" for i in range(5)])       # not in the index yet: the tail
    rows, _ = mem.search(np.ascontiguousarray(extra[2]), k=1, exact=False)
    assert rows[0, 0] == len(X) + 2
    with pytest.raises(ValueError, match="NaN or infinite"):
        bad = np.ascontiguousarray(X[0]).copy()
        bad[3] = np.nan
        mem.search(bad, k=3, exact=False)
    with pytest.raises(ValueError, match="k must be >= 1"):
        mem.search(np.ascontiguousarray(X[0]), k=0)
    # Filters always go through the mask, never the lean path.
    hits = mem.recall(np.ascontiguousarray(X[10]), k=2, atoms="w11", exact=False)
    assert [h.row for h in hits] == [11]
    mem.close()


def test_queries_do_not_read_the_catalogue_while_nothing_changes(tmp_path):
    mem, X = _memory(tmp_path)
    q = np.ascontiguousarray(X[5])
    mem.search(q, k=3, exact=False)
    reads = []
    catalog = mem._store.catalog
    original = catalog.data_version
    catalog.data_version = lambda: reads.append(1) or original()   # type: ignore[method-assign]
    start = time.monotonic()
    for _ in range(200):
        mem.search(q, k=3, exact=False)
    elapsed = time.monotonic() - start
    # At most one re-read per RECHECK_SECONDS (and one at the start), not one per query.
    assert len(reads) <= 2 + int(elapsed / generation.RECHECK_SECONDS)
    mem.close()


def test_a_second_handle_sees_each_commit_at_once(tmp_path):
    mem, X = _memory(tmp_path, n=600)
    reader = df.Memory.open(tmp_path / "m")
    space = mem.space
    for i in range(5):
        v = space.random(1, seed=1000 + i)
        before = len(reader)
        mem.add_vectors(v, [f"fresh{i}"])
        assert len(reader) == before + 1        # the writer bumped the counter after its commit
        hits = reader.recall(np.ascontiguousarray(v[0]), k=1)
        assert hits[0].formula.endswith(f"= fresh{i}")
    reader.close()
    mem.close()


def test_a_missed_bump_delays_readers_by_the_recheck_interval_only(tmp_path):
    mem, _ = _memory(tmp_path, n=600)
    reader = df.Memory.open(tmp_path / "m")
    assert len(reader) == 600
    # A writer that dies between its commit and the bump: the counter stays where it was.
    mem._store.generation.bump = lambda: None   # type: ignore[method-assign]
    mem.add_vectors(mem.space.random(1, seed=3), ["late"])
    deadline = time.monotonic() + generation.RECHECK_SECONDS + 2.0
    while len(reader) != 601 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(reader) == 601
    reader.close()
    mem.close()


def test_read_only_handle_without_counter_file_still_sees_commits(tmp_path):
    mem, _ = _memory(tmp_path, n=600)
    mem.close()
    (tmp_path / "m" / generation.GENERATION_FILE).unlink()     # a memory made before the counter existed
    reader = df.Memory.open(tmp_path / "m", readonly=True)
    assert reader._store.generation.value is None
    writer = df.Memory.open(tmp_path / "m")                    # a writer makes the file again
    assert writer._store.generation.value == 0
    writer.add_vectors(writer.space.random(1, seed=8), ["after"])
    assert len(reader) == 601                                  # read-only: asks the catalogue each time
    reader.close()
    writer.close()

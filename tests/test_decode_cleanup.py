"""The clean-up memory: incremental growth, exact and HNSW search, the decoder's absolute scan."""

import math

import numpy as np
import pytest

from deltaform import Space, ast
from deltaform.decoding import Cleanup
from deltaform.decoding.cleanup import needs_quotes
from deltaform.decoding.noise import confidence, inverse_upper_tail, threshold, upper_tail
from decode_support import words


@pytest.fixture(params=["fhrr", "map", "bsc"])
def space(request):
    return Space(256, request.param, seed=1)


def brute_force(space, cleanup, queries):
    real = cleanup.view.real
    q = real(queries)
    F = cleanup.real_vectors
    return (q @ F.T) / (np.linalg.norm(q, axis=1)[:, None] * np.linalg.norm(F, axis=1)[None, :])


def test_incremental_growth_keeps_rows(space):
    cleanup = Cleanup(space)
    rows = []
    for start in range(0, 1000, 37):
        rows.extend(cleanup.add_atoms(words(1000)[start : start + 37]).tolist())
    assert rows == list(range(1000)) and len(cleanup) == 1000
    assert np.array_equal(cleanup.vectors, space.atoms(words(1000)))
    assert cleanup._storage.buf.shape[0] < 2 * 1000 + 16  # grown by doubling, not one row at a time
    again = cleanup.add_atoms(["w5", "W5", "новое"])
    assert again.tolist() == [5, 5, 1000]
    assert cleanup.index("w5") == 5 and "новое" in cleanup and "нет" not in cleanup
    assert cleanup.leaf(1000) == ast.Atom("новое")
    with pytest.raises(KeyError, match="not a candidate"):
        cleanup.index("нет")


def test_formulas_are_stored_and_replaced(space):
    cleanup = Cleanup(space, ["a", "b"])
    v1, v2 = space.random(2, seed=4)
    rows = cleanup.add_formulas({"Δ1": v1, "@2": v2, "⟁": v1})
    assert [cleanup.leaf(int(r)) for r in rows] == [ast.Ref("Δ1"), ast.Ref("Δ2"), ast.Glyph("⟁")]
    assert cleanup.is_formula(int(rows[0])) and not cleanup.is_formula(0)
    cleanup.add_formulas(["Δ1"], v2[None, :])
    assert np.array_equal(cleanup.vectors[rows[0]], v2) and len(cleanup) == 5
    with pytest.raises(ValueError, match="starts with"):
        cleanup.add_formulas({"word": v1})
    with pytest.raises(ValueError, match="vector"):
        cleanup.add_formulas({"Δ3": v1[:-1]})
    with pytest.raises(ValueError, match="need their vectors"):
        cleanup.add([ast.Ref("Δ9")])


def test_exact_search_matches_brute_force(space):
    cleanup = Cleanup(space, words(400))
    queries = space.random(5, seed=9)
    queries[0] = space.atom("w17")
    rows, sims = cleanup.search(queries, k=3)
    expected = brute_force(space, cleanup, queries)
    assert rows[0, 0] == 17 and sims[0, 0] == pytest.approx(1.0)
    for i in range(5):
        assert np.allclose(sims[i], np.sort(expected[i])[::-1][:3], atol=1e-5)
    assert cleanup.lookup(space.atom("w3"))[0][0] == ast.Atom("w3")


def test_scan_ranks_by_absolute_similarity_and_excludes(space):
    cleanup = Cleanup(space, words(300))
    real = cleanup.view.real
    q = real(space.atom("w7"))[None, :] * -1.0 + 0.5 * real(space.atom("w8"))[None, :]
    rows, sims = cleanup.scan(q, 2)
    assert rows[0].tolist() == [7, 8] and sims[0, 0] < 0 < sims[0, 1]
    rows, _ = cleanup.scan(q, 2, exclude=[[7]])
    assert 7 not in rows[0].tolist() and rows[0, 0] == 8


def test_hnsw_backend_agrees_on_clear_queries(space):
    exact = Cleanup(space, words(1200), backend="exact")
    approx = Cleanup(space, words(800), backend="hnsw", hnsw_ef_construction=100)
    approx.add_atoms(words(1200)[800:])  # the index takes new rows as they come
    assert approx.uses_hnsw() and not exact.uses_hnsw()
    names = ["w3", "w799", "w1000", "w1199"]
    real = exact.view.real(space.atoms(names))
    # a bundle of two, one of them negated: both must come back, in either search
    q = real[:2] - real[2:4] * 0.9
    er, es = exact.scan(q, 2)
    ar, as_ = approx.scan(q, 2)
    assert np.array_equal(np.sort(er, axis=1), np.sort(ar, axis=1))
    assert np.allclose(np.sort(es, axis=1), np.sort(as_, axis=1), atol=1e-5)
    rows, _ = approx.search(space.atoms(names), k=1)
    assert rows[:, 0].tolist() == [exact.index(n) for n in names]


def test_auto_backend_switches_at_the_threshold():
    space = Space(64, "fhrr")
    cleanup = Cleanup(space, words(99), hnsw_threshold=100)
    assert not cleanup.uses_hnsw()
    cleanup.add_atoms(["extra"])
    assert cleanup.uses_hnsw() and cleanup._hnsw is not None and cleanup._hnsw_count == 100


def test_quoting_of_names():
    assert not needs_quotes("вода") and not needs_quotes("плавная память") and not needs_quotes("x-ray")
    assert needs_quotes("two  spaces") and needs_quotes("a+b") and needs_quotes("Δ12") and needs_quotes("1st")
    assert needs_quotes("schema") and needs_quotes("")


def test_noise_model():
    # the inverse tail inverts the tail, far out too
    for p in (0.3, 1e-3, 1e-9, 1e-200):
        assert upper_tail(inverse_upper_tail(p)) == pytest.approx(p, rel=1e-9)
    assert inverse_upper_tail(0.5) == pytest.approx(0.0, abs=1e-12)
    # the threshold is σ·z(α/2N) with σ = 1/√(2·dim) for fhrr and 1/√dim otherwise
    assert threshold("fhrr", 1024, 10_000, 1e-3) == pytest.approx(inverse_upper_tail(1e-3 / 2e4) / math.sqrt(2048))
    assert threshold("map", 1024, 10_000, 1e-3) == pytest.approx(inverse_upper_tail(1e-3 / 2e4) / 32)
    # a term exactly at the threshold has confidence 1 - α
    t = threshold("bsc", 512, 5000, 0.01)
    assert confidence(t, "bsc", 512, 5000) == pytest.approx(0.99)
    assert confidence(1.0, "fhrr", 512, 5000) == 1.0 and confidence(0.0, "fhrr", 512, 5000) == 0.0
    with pytest.raises(ValueError):
        threshold("fhrr", 64, 10, 1.5)
    # and the model holds: unrelated similarities have the predicted spread
    space = Space(1024, "fhrr")
    a, b = space.random(2000, seed=1), space.random(1, seed=2)[0]
    sims = (a @ b) / space.dim
    assert np.std(sims) == pytest.approx(1 / math.sqrt(2048), rel=0.08)

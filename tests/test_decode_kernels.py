"""The decoder's batch kernels in the core (deltaform._core.decode_*), against numpy references.

Each kernel is checked on every algebra's real view, on every SIMD path, for
one and two threads, and on bad input (wrong dtype, shape, layout, an index
past what it indexes), which must raise a clear error, never crash.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform
from deltaform import Space, _core
from deltaform.decoding import Cleanup
from deltaform.decoding.keys import Keys

ALGEBRAS = ["fhrr", "map", "bsc"]


@pytest.fixture(params=deltaform.supported_simd_paths())
def simd(request):
    before = deltaform.simd_path()
    deltaform.set_simd_path(request.param)
    yield request.param
    deltaform.set_simd_path(before)


def setting(algebra: str, n: int = 60, roles: int = 3, steps: int = 2, tags: int = 2):
    space = Space(128, algebra, seed=5)
    cleanup = Cleanup(space, [f"c{i}" for i in range(n)])
    keys = Keys.build(cleanup.view, [f"r{i}" for i in range(roles)], {f"S{i}": ["r0", "r1"] for i in range(tags)},
                      steps)
    return space, cleanup, keys


# ---------------------------------------------------------------- numpy references
def ref_bind(algebra: str, x: np.ndarray, k: np.ndarray, conj: bool = False) -> np.ndarray:
    if algebra != "fhrr":
        return (x * k).astype(np.float32)
    d = x.shape[-1] // 2
    a = x[..., :d].astype(np.float64) + 1j * x[..., d:]
    b = k[..., :d].astype(np.float64) + 1j * k[..., d:]
    z = a * (np.conj(b) if conj else b)
    return np.concatenate([z.real, z.imag], axis=-1).astype(np.float32)


def ref_term(algebra, cleanup, keys, code: int) -> np.ndarray:
    N = len(cleanup)
    base = len(keys) * N
    if code < 0:
        return np.zeros(cleanup.view.width, np.float32)
    if code >= base:
        return keys.tag_vectors[code - base]
    return ref_bind(algebra, cleanup.real_vectors[code % N], keys.vectors[code // N])


def random_codes(rng, cleanup, keys, shape) -> np.ndarray:
    limit = len(keys) * len(cleanup) + len(keys.tag_names)
    codes = rng.integers(-1, limit, size=shape).astype(np.int64)
    return codes


# ---------------------------------------------------------------- select_abs
@pytest.mark.parametrize("threads", [1, 2])
def test_select_abs_matches_a_full_sort(threads) -> None:
    rng = np.random.default_rng(1)
    S = rng.normal(size=(37, 500)).astype(np.float32)
    S[3, 10:20] = 0.0                                   # exact zeros never count
    S[5, :] = np.round(S[5, :], 1)                      # many ties: lower index first
    qs = rng.uniform(0.5, 2, 37).astype(np.float32)
    xs = rng.uniform(0.5, 2, 500).astype(np.float32)
    ex = [rng.choice(500, size=rng.integers(0, 30), replace=False) for _ in range(37)]
    off = np.concatenate([[0], np.cumsum([len(e) for e in ex])]).astype(np.int64)
    rows = np.concatenate(ex).astype(np.int64)
    for m in (1, 7, 64, 500):
        idx, sims = _core.decode_select_abs(S, qs, xs, m, off, rows, threads=threads)
        scaled = S * qs[:, None] * xs[None, :]
        for q in range(37):
            allowed = np.setdiff1d(np.nonzero(scaled[q] != 0)[0], ex[q])
            order = allowed[np.lexsort((allowed, -np.abs(scaled[q, allowed])))][:m]
            k = order.size
            assert idx[q, :k].tolist() == order.tolist()
            np.testing.assert_allclose(sims[q, :k], scaled[q, order], rtol=1e-6)
            assert (idx[q, k:] == -1).all() and (sims[q, k:] == 0).all()


def test_select_abs_rejects_bad_input() -> None:
    S = np.ones((2, 5), np.float32)
    one2, one5 = np.ones(2, np.float32), np.ones(5, np.float32)
    with pytest.raises(TypeError, match="scores must have dtype float32"):
        _core.decode_select_abs(S.astype(np.float64), one2, one5, 2)
    with pytest.raises(ValueError, match=r"qscale must have shape \(2,\)"):
        _core.decode_select_abs(S, one5, one5, 2)
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.decode_select_abs(np.ones((5, 2), np.float32).T, one2, one5, 2)
    with pytest.raises(ValueError, match="m must be >= 0"):
        _core.decode_select_abs(S, one2, one5, -1)
    with pytest.raises(ValueError, match="ex_off must start at 0"):
        _core.decode_select_abs(S, one2, one5, 2, np.array([0, 1, 3]), np.array([1, 2], dtype=np.int64))


# ---------------------------------------------------------------- score_pool
@pytest.mark.parametrize("algebra", ALGEBRAS)
@pytest.mark.parametrize("threads", [1, 2])
def test_score_pool_is_the_cosine_under_each_active_key(algebra, threads, simd) -> None:
    rng = np.random.default_rng(2)
    space, cleanup, keys = setting(algebra)
    R = rng.normal(size=(9, cleanup.view.width)).astype(np.float32)
    R[4] = 0.0                                           # a zero residual scores zero
    pool = rng.integers(-1, len(cleanup), size=(9, 11)).astype(np.int64)
    active = rng.random((9, len(keys))) < 0.6
    xscale = (1.0 / cleanup.norms).astype(np.float32)
    out = _core.decode_score_pool(algebra, R, pool, cleanup.real_vectors, xscale, keys.vectors, active, threads=threads)
    assert out.shape == (9, len(keys), 11)
    F = cleanup.real_vectors.astype(np.float64)
    for b in range(9):
        rn = np.linalg.norm(R[b].astype(np.float64)) or 1.0
        for k in range(len(keys)):
            u = ref_bind(algebra, R[b], keys.vectors[k], conj=True).astype(np.float64)
            for c in range(11):
                want = 0.0
                if active[b, k] and pool[b, c] >= 0:
                    want = u @ F[pool[b, c]] / (rn * np.linalg.norm(F[pool[b, c]]))
                assert out[b, k, c] == pytest.approx(want, abs=1e-5)


def test_score_pool_rejects_an_index_past_the_candidates() -> None:
    space, cleanup, keys = setting("fhrr")
    R = np.ones((1, cleanup.view.width), np.float32)
    xscale = np.ones(len(cleanup), np.float32)
    active = np.ones((1, len(keys)), bool)
    with pytest.raises(ValueError, match="pool holds 60 at flat index 1, past the 60"):
        _core.decode_score_pool("fhrr", R, np.array([[0, 60]]), cleanup.real_vectors, xscale, keys.vectors, active)
    with pytest.raises(ValueError, match="unknown algebra"):
        _core.decode_score_pool("hrr", R, np.array([[0]]), cleanup.real_vectors, xscale, keys.vectors, active)
    with pytest.raises(ValueError, match=r"active must have shape \(1, "):
        _core.decode_score_pool("fhrr", R, np.array([[0]]), cleanup.real_vectors, xscale, keys.vectors, active[:, :2].copy())


# ---------------------------------------------------------------- gather_bind, gram, residual
@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_gather_bind_is_the_bound_term(algebra, simd) -> None:
    rng = np.random.default_rng(3)
    space, cleanup, keys = setting(algebra)
    codes = random_codes(rng, cleanup, keys, (4, 7))
    out = _core.decode_gather_bind(algebra, codes, cleanup.real_vectors, keys.vectors, keys.tag_vectors)
    assert out.shape == (4, 7, cleanup.view.width)
    N, base = len(cleanup), len(keys) * len(cleanup)
    for b in range(4):
        for i in range(7):
            code = int(codes[b, i])
            np.testing.assert_allclose(out[b, i], ref_term(algebra, cleanup, keys, code), rtol=1e-5, atol=1e-6)
            if 0 <= code < base and algebra != "bsc":
                # bit-identical to the space's own bind (the same IEEE products)
                own = space.bind(cleanup.real_vectors[code % N], keys.vectors[code // N])
                np.testing.assert_array_equal(out[b, i], own)


@pytest.mark.parametrize("algebra", ALGEBRAS)
@pytest.mark.parametrize("threads", [1, 2])
def test_gram_and_residual_match_numpy(algebra, threads, simd) -> None:
    rng = np.random.default_rng(4)
    space, cleanup, keys = setting(algebra)
    codes = random_codes(rng, cleanup, keys, (6, 13))
    V = rng.normal(size=(6, cleanup.view.width)).astype(np.float32)
    G, c = _core.decode_gram(algebra, codes, cleanup.real_vectors, keys.vectors, keys.tag_vectors, V, threads=threads)
    W = rng.normal(size=(6, 13))
    W[rng.random((6, 13)) < 0.4] = 0.0
    R = _core.decode_residual(algebra, codes, W, cleanup.real_vectors, keys.vectors, keys.tag_vectors, V,
                              threads=threads)
    for b in range(6):
        D = np.stack([ref_term(algebra, cleanup, keys, int(x)) for x in codes[b]]).astype(np.float64)
        np.testing.assert_allclose(G[b], D @ D.T, rtol=1e-5, atol=1e-3)
        assert (G[b] == G[b].T).all()
        np.testing.assert_allclose(c[b], D @ V[b], rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(R[b], V[b] - W[b] @ D, rtol=1e-5, atol=1e-4)


def test_term_kernels_reject_bad_codes() -> None:
    space, cleanup, keys = setting("map")
    limit = len(keys) * len(cleanup) + len(keys.tag_names)
    args = (cleanup.real_vectors, keys.vectors, keys.tag_vectors)
    V = np.ones((1, cleanup.view.width), np.float32)
    with pytest.raises(ValueError, match=f"codes holds {limit} at flat index 0, past the {limit}"):
        _core.decode_gather_bind("map", np.array([limit], dtype=np.int64), *args)
    with pytest.raises(ValueError, match=f"past the {limit}"):
        _core.decode_gram("map", np.array([[0, limit]], dtype=np.int64), *args, V)
    with pytest.raises(ValueError, match=r"weights must have shape \(1, 2\)"):
        _core.decode_residual("map", np.array([[0, 1]], dtype=np.int64), np.ones((1, 3)), *args, V)
    with pytest.raises(TypeError, match="codes must have dtype int64"):
        _core.decode_gram("map", np.array([[0, 1]], dtype=np.int32), *args, V)
    with pytest.raises(ValueError, match=r"vectors must have shape \(1, 128\)"):
        _core.decode_gram("map", np.array([[0, 1]], dtype=np.int64), *args, np.ones((2, 128), np.float32))
    # no candidates: only tags (and -1) are valid codes
    empty = np.empty((0, cleanup.view.width), np.float32)
    out = _core.decode_gather_bind("map", np.array([-1, 0], dtype=np.int64), empty, keys.vectors, keys.tag_vectors)
    np.testing.assert_array_equal(out[1], keys.tag_vectors[0])


# ---------------------------------------------------------------- the decoder over them
def test_decode_many_is_the_same_on_one_and_two_threads() -> None:
    from deltaform import ast
    from deltaform.decoding import decode_many

    space = Space(512, "fhrr", seed=2)
    names = [f"c{i}" for i in range(3000)]
    cleanup = Cleanup(space, names)
    rng = np.random.default_rng(7)
    roles = [f"r{i}" for i in range(8)]
    texts = []
    for i in range(48):
        picked = rng.choice(3000, 8, replace=False)
        if i % 2:
            texts.append(" + ".join(f"{roles[j % 8]}: c{a}" for j, a in enumerate(picked)))
        else:
            texts.append(" + ".join(f"c{a}" for a in picked))
    V = space.encode_many(texts)
    one = decode_many(space, V, cleanup, roles=roles, max_depth=0, threads=1)
    two = decode_many(space, V, cleanup, roles=roles, max_depth=0, threads=2)
    for a, b, text in zip(one, two, texts):
        assert ast.to_text(a.formula) == ast.to_text(b.formula)
        want = {(t.strip().split(": ")[0] if ": " in t else "", t.strip().split(": ")[-1]) for t in text.split(" + ")}
        got = {(t.key.removeprefix("role:"), t.leaf.name) for t in a.terms}
        assert got == want

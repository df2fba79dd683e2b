"""Every kernel against the numpy reference, on every SIMD path of this machine.

Vectors (bind, unbind, inverse, bundle, permute) must equal the reference bit
for bit: the spec fixes the float32 operations and their order (no FMA). Scores
(similarity, top-k) may sum in another order per path and must agree to 1e-5;
Hamming scores are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform
import reference_numpy as R
from conftest import SIMD_PATHS

# Odd widths exercise the tails of the SIMD loops (fhrr width = 2*dim).
FLOAT_CASES = [("fhrr", 1), ("fhrr", 100), ("fhrr", 1000), ("map", 1), ("map", 100), ("map", 1000), ("map", 1031)]
BSC_CASES = [("bsc", 64), ("bsc", 960), ("bsc", 1024)]
ALL_CASES = FLOAT_CASES + BSC_CASES
ids = [f"{a}-{d}" for a, d in ALL_CASES]
float_ids = [f"{a}-{d}" for a, d in FLOAT_CASES]


def make_data(space: deltaform.Space, n: int, seed: int) -> np.ndarray:
    """Random vectors: gaussian floats (not only atoms, so rounding matters) or random bits."""
    rng = np.random.default_rng(seed)
    if space.algebra == "bsc":
        return rng.integers(0, 256, size=(n, space.width), dtype=np.uint8)
    return rng.standard_normal((n, space.width)).astype(np.float32)


# ------------------------------------------------------------------ bind, unbind, inverse

@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_bind_and_unbind(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    A, B = make_data(space, 7, 1), make_data(space, 7, 2)
    for unbind, op in ((False, space.bind), (True, space.unbind)):
        name = "unbind" if unbind else "bind"
        R.assert_bits_equal(op(A, B), R.bind(algebra, dim, A, B, unbind), f"{name} batch x batch")
        R.assert_bits_equal(op(A, B[3]), R.bind(algebra, dim, A, B[3][None], unbind), f"{name} batch x one")
        R.assert_bits_equal(op(A[2], B), R.bind(algebra, dim, A[2][None], B, unbind), f"{name} one x batch")
        single = op(A[0], B[0])
        assert single.shape == (space.width,)
        R.assert_bits_equal(single, R.bind(algebra, dim, A[0], B[0], unbind), f"{name} one x one")
    # a batch of one row stays a batch
    assert space.bind(A[:1], B[:1]).shape == (1, space.width)
    assert space.bind(A[:0], B[:0]).shape == (0, space.width)


@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_inverse(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    A = make_data(space, 5, 3)
    if algebra != "bsc":
        A[0, :] = 0.0  # the conjugate of +0.0 is -0.0: a bit-level check sees it
    R.assert_bits_equal(space.inverse(A), R.inverse(algebra, dim, A), "inverse batch")
    R.assert_bits_equal(space.inverse(A[1]), R.inverse(algebra, dim, A[1]), "inverse one")


# ------------------------------------------------------------------ bundle

def tie_of(space: deltaform.Space) -> np.ndarray | None:
    return R.reserved_atom("bsc", space.dim, space.seed, "tie") if space.algebra == "bsc" else None


@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
@pytest.mark.parametrize("m", [1, 2, 7])
def test_bundle_unweighted(simd_path: str, algebra: str, dim: int, m: int) -> None:
    space = deltaform.Space(dim, algebra, seed=3)
    X = make_data(space, m, 4 + m)
    R.assert_bits_equal(space.bundle(X), R.bundle(algebra, dim, X, None, tie_of(space)), f"bundle of {m}")


@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_bundle_weighted(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    X = make_data(space, 6, 5)
    rng = np.random.default_rng(6)
    for w in (
        rng.standard_normal(6).astype(np.float32),
        np.array([0.1, 0.2, 0.3, -0.6, 1e-3, 7.5], np.float32),
        np.array([1, 1, -1, -1, 0.5, -0.5], np.float32),  # bsc: exact zero sums take the tie bit
        np.zeros(6, np.float32),                          # all ties
    ):
        R.assert_bits_equal(space.bundle(X, w), R.bundle(algebra, dim, X, w, tie_of(space)), f"weights {w}")
    # weights as a list or float64 array are converted to float32 first
    wl = [0.5, -0.25, 2.0, 1.0, 0.125, 3.0]
    R.assert_bits_equal(space.bundle(X, wl), R.bundle(algebra, dim, X, np.array(wl, np.float32), tie_of(space)))


@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_bundle_groups(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    g, m = 4, 5
    X = make_data(space, g * m, 7).reshape(g, m, space.width)
    tie = tie_of(space)
    R.assert_bits_equal(space.bundle(X), R.bundle(algebra, dim, X, None, tie), "3-D, no weights")
    shared = np.random.default_rng(8).standard_normal(m).astype(np.float32)
    R.assert_bits_equal(space.bundle(X, shared), R.bundle(algebra, dim, X, shared, tie), "3-D, shared weights")
    per_group = np.random.default_rng(9).standard_normal((g, m)).astype(np.float32)
    per_group[1] = [1, -1, 1, -1, 0]  # bsc ties in one group
    out = space.bundle(X, per_group)
    assert out.shape == (g, space.width)
    R.assert_bits_equal(out, R.bundle(algebra, dim, X, per_group, tie), "3-D, per-group weights")
    # each group equals the 2-D bundle of its own rows
    for gi in range(g):
        R.assert_bits_equal(out[gi], space.bundle(X[gi], per_group[gi]), f"group {gi}")
    assert space.bundle(X[:0]).shape == (0, space.width)


def test_bundle_sums_in_input_order(simd_path: str) -> None:
    # float32 addition is not associative: 1e8 + 1 - 1e8 is 0 in this order,
    # and any reordering (pairwise, SIMD over rows) gives another answer
    space = deltaform.Space(100, "map")
    X = np.zeros((3, 100), np.float32)
    X[0], X[1], X[2] = 1e8, 1.0, -1e8
    got = space.bundle(X)
    R.assert_bits_equal(got, R.bundle("map", 100, X))
    assert np.all(got == 0.0)
    R.assert_bits_equal(space.bundle(X[[0, 2, 1]]), np.ones(100, np.float32), "1e8 - 1e8 + 1")


# ------------------------------------------------------------------ permute

@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_permute(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    X = make_data(space, 3, 10)
    for k in (0, 1, -1, 2, 7, 8, 63, 64, 65, -65, dim - 1, dim, dim + 3, -dim - 5, 3 * dim + 7, 2**40 + 1, -(2**62)):
        R.assert_bits_equal(space.permute(X, k), R.permute(algebra, dim, X, k), f"permute by {k}")
    R.assert_bits_equal(space.permute(X[0]), R.permute(algebra, dim, X[0], 1), "default shift, one vector")


@pytest.mark.parametrize("dim", [64, 128, 960])
def test_bsc_bit_rotation_moves_single_bits(simd_path: str, dim: int) -> None:
    space = deltaform.Space(dim, "bsc")
    for j in sorted({0, 1, 63, 64 % dim, dim - 1}):
        bits = np.zeros(dim, np.uint8)
        bits[j] = 1
        for k in (1, -1, 5, 64, -64, 100, dim - 1):
            out = R.unpack(space.permute(R.pack(bits), k))
            assert np.flatnonzero(out).tolist() == [(j + k) % dim], f"bit {j} shifted by {k}"


# ------------------------------------------------------------------ similarity

@pytest.mark.parametrize("algebra,dim", ALL_CASES, ids=ids)
def test_similarity(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    A, B = make_data(space, 9, 11), make_data(space, 9, 12)
    got = space.similarity(A, B)
    assert got.dtype == np.float32 and got.shape == (9,)
    np.testing.assert_allclose(got, R.similarity(algebra, dim, A, B), rtol=0, atol=1e-5)
    np.testing.assert_allclose(space.similarity(A, B[0]), R.similarity(algebra, dim, A, B[:1]), rtol=0, atol=1e-5)
    one = space.similarity(A[0], B[0])
    assert isinstance(one, float)
    assert one == pytest.approx(float(R.similarity(algebra, dim, A[0], B[0])), abs=1e-5)
    assert space.similarity(A[1], A[1]) == pytest.approx(1.0, abs=1e-6)
    if algebra == "bsc":  # Hamming similarity is exact
        want = (1.0 - 2.0 * R.hamming(A, B) / dim).astype(np.float32)
        R.assert_bits_equal(got, want, "bsc similarity")
    else:
        zero = np.zeros(space.width, np.float32)
        assert space.similarity(zero, A[0]) == 0.0
        assert space.similarity(zero, zero) == 0.0


# ------------------------------------------------------------------ top-k

def masks(rows: int, rng: np.random.Generator) -> list[np.ndarray | None]:
    half = rng.random(rows) < 0.5
    few = np.zeros(rows, bool)
    few[[1, rows - 1]] = True  # fewer rows allowed than most k
    return [None, half, half.astype(np.uint8), few, np.zeros(rows, bool)]


@pytest.mark.parametrize("algebra,dim", FLOAT_CASES, ids=float_ids)
@pytest.mark.parametrize("nq", [1, 5])
def test_topk_dot(simd_path: str, algebra: str, dim: int, nq: int) -> None:
    space = deltaform.Space(dim, algebra)
    rows = 300 if dim >= 1000 else 37  # 300 rows of 8000 bytes span several scan blocks
    X, Q = make_data(space, rows, 13), make_data(space, nq, 14)
    rng = np.random.default_rng(15)
    for normalize in (True, False):
        ref = R.score_matrix(algebra, dim, Q, X, normalize)
        tol = 1e-5 if normalize else 1e-5 * max(1.0, float(np.abs(ref).max()))  # raw dots: relative
        for mask in masks(rows, rng):
            for k in (1, 3, rows):
                idx, score = space.topk(Q, X, k=k, mask=mask, normalize=normalize)
                assert idx.shape == (nq, k) and score.shape == (nq, k)
                R.assert_topk_matches(idx, score, ref, k, None if mask is None else mask.astype(bool), tol)
    # one query (1-D) gives 1-D results equal to the batch's first row
    i1, s1 = space.topk(Q[0], X, k=4)
    ib, sb = space.topk(Q[:1], X, k=4)
    assert i1.shape == (4,) and np.array_equal(i1, ib[0]) and np.array_equal(s1, sb[0])


@pytest.mark.parametrize("dim", [64, 960, 1024])
@pytest.mark.parametrize("nq", [1, 6])
def test_topk_hamming_is_exact(simd_path: str, dim: int, nq: int) -> None:
    space = deltaform.Space(dim, "bsc")
    rows = 203
    X, Q = make_data(space, rows, 16), make_data(space, nq, 17)
    X[50] = Q[0]  # an exact hit
    X[120] = X[7]  # duplicates tie
    ref = R.score_matrix("bsc", dim, Q, X)
    rng = np.random.default_rng(18)
    for mask in masks(rows, rng):
        for k in (1, 10, rows):
            idx, score = space.topk(Q, X, k=k, mask=mask)
            ref_idx, ref_val = R.topk(ref, k, None if mask is None else mask.astype(bool))
            assert np.array_equal(idx, ref_idx), f"k={k}: {idx[0][:10]} vs {ref_idx[0][:10]}"
            R.assert_bits_equal(score, ref_val.astype(np.float32), f"hamming scores k={k}")
    idx, score = space.topk(Q, X, k=1)
    assert idx[0, 0] == 50 and score[0, 0] == 1.0


TIE_CASES = [c for c in ALL_CASES if c[1] >= 64]  # tiny widths tie on everything


@pytest.mark.parametrize("algebra,dim", TIE_CASES, ids=[f"{a}-{d}" for a, d in TIE_CASES])
@pytest.mark.parametrize("nq", [1, 2, 3, 4, 5, 9])
def test_topk_ties_rank_lower_index_first(simd_path: str, algebra: str, dim: int, nq: int) -> None:
    # Identical rows must score identically wherever they sit (in a tile of the
    # blocked kernel or in its remainder) so that ties go to the lower index.
    space = deltaform.Space(dim, algebra)
    rows = 23
    X = make_data(space, rows, 19)
    dup = [2, 7, 9, 21, 22]
    X[dup] = X[2]
    Q = make_data(space, nq, 20)
    if algebra == "bsc":
        Q[:, 1:] = X[2, 1:]  # the duplicates are the best rows
    else:
        Q = (X[2] + 0.05 * Q).astype(np.float32)
    for normalize in (True, False):
        idx, score = space.topk(Q, X, k=len(dup), normalize=normalize)
        for q in range(nq):
            assert idx[q].tolist() == dup, f"query {q} ({'cosine' if normalize else 'dot'}): {idx[q]}"
            assert np.all(score[q] == score[q, 0]), f"query {q}: duplicate rows scored {score[q]}"
    # k = rows: every row, a permutation of all indices
    idx, _ = space.topk(Q, X, k=rows)
    assert sorted(idx[0].tolist()) == list(range(rows))


def test_topk_mask_allowing_nothing_pads(simd_path: str) -> None:
    space = deltaform.Space(100, "fhrr")
    X = make_data(space, 10, 21)
    idx, score = space.topk(X[:3], X, k=4, mask=np.zeros(10, bool))
    assert np.all(idx == -1) and np.all(np.isneginf(score))
    mask = np.zeros(10, bool)
    mask[[3, 8]] = True
    idx, score = space.topk(X[3], X, k=4, mask=mask)
    assert idx.tolist()[:2] == [3, 8] and idx.tolist()[2:] == [-1, -1]
    assert score[0] == pytest.approx(1.0, abs=1e-6) and np.all(np.isneginf(score[2:]))


# ------------------------------------------------------------------ across paths, directly

def test_vectors_identical_across_paths() -> None:
    results: dict[str, list[np.ndarray]] = {}
    before = deltaform.simd_path()
    try:
        for path in SIMD_PATHS:
            deltaform.set_simd_path(path)
            out = []
            for algebra, dim in ALL_CASES:
                space = deltaform.Space(dim, algebra)
                A, B = make_data(space, 6, 22), make_data(space, 6, 23)
                w = np.linspace(-1.5, 2.0, 6).astype(np.float32)
                out += [space.bind(A, B), space.unbind(A, B), space.inverse(A), space.bundle(A, w),
                        space.bundle(A.reshape(2, 3, -1), w[:3]), space.permute(A, -3), space.atoms(["вода", "water"])]
                if algebra == "bsc":
                    out.append(space.topk(A, B, k=6)[1])
            results[path] = out
    finally:
        deltaform.set_simd_path(before)
    first = SIMD_PATHS[0]
    for path in SIMD_PATHS[1:]:
        for i, (x, y) in enumerate(zip(results[first], results[path])):
            R.assert_bits_equal(y, x, f"result {i}: {path} vs {first}")


def test_scores_agree_across_paths() -> None:
    scores: dict[str, list[np.ndarray]] = {}
    before = deltaform.simd_path()
    try:
        for path in SIMD_PATHS:
            deltaform.set_simd_path(path)
            out = []
            for algebra, dim in FLOAT_CASES:
                space = deltaform.Space(dim, algebra)
                A, B = make_data(space, 6, 24), make_data(space, 40, 25)
                out += [space.similarity(A, B[:6]), space.topk(A, B, k=40)[1], space.topk(A[0], B, k=40)[1]]
            scores[path] = out
    finally:
        deltaform.set_simd_path(before)
    for path in SIMD_PATHS[1:]:
        for x, y in zip(scores[SIMD_PATHS[0]], scores[path]):
            np.testing.assert_allclose(y, x, rtol=0, atol=1e-5)

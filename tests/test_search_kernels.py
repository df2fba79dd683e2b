"""Exact top-k on every SIMD path against a numpy reference.

The shapes are chosen to hit the edges of the register tiles of the score
kernels: widths that are not a multiple of the vector length, row counts that
are not a multiple of the row tile, batches that leave a remainder of queries.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df

PATHS = df.supported_simd_paths()
BATCHES = [1, 2, 3, 5, 7, 13]


@pytest.fixture(params=PATHS)
def simd_path(request):
    before = df.simd_path()
    df.set_simd_path(request.param)
    yield request.param
    df.set_simd_path(before)


def reference_topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best first, ties by lower index, one row of `scores` per query."""
    order = np.lexsort((np.broadcast_to(np.arange(scores.shape[1]), scores.shape), -scores), axis=1)[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


@pytest.mark.parametrize("dim", [7, 37, 64, 300])
@pytest.mark.parametrize("nq", BATCHES)
def test_map_raw_inner_product_is_exact(simd_path, dim, nq):
    # ±1 components: every dot product is a small integer, exact in any order of
    # summation, so indices (ties by lower index) must match exactly.
    s = df.Space(dim=dim, algebra="map", seed=3)
    X = s.random(203, seed=1)
    Q = s.random(nq, seed=2)
    assert set(np.unique(X)) <= {-1.0, 1.0}
    idx, score = s.topk(Q, X, k=9, normalize=False)
    ref_idx, ref_score = reference_topk(Q.astype(np.float64) @ X.T.astype(np.float64), 9)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(score, ref_score.astype(np.float32))


@pytest.mark.parametrize("dim", [13, 24, 512])
@pytest.mark.parametrize("nq", BATCHES)
@pytest.mark.parametrize("normalize", [False, True])
def test_fhrr_scores_match_numpy(simd_path, dim, nq, normalize):
    s = df.Space(dim=dim, algebra="fhrr", seed=5)
    rng = np.random.default_rng(dim * 100 + nq)
    X = (s.random(131, seed=4) * rng.uniform(0.5, 2.0, size=(131, 1))).astype(np.float32)
    Q = s.random(nq, seed=6)
    idx, score = s.topk(Q, X, k=6, normalize=normalize)
    full = Q.astype(np.float64) @ X.T.astype(np.float64)
    if normalize:
        full /= np.linalg.norm(Q.astype(np.float64), axis=1)[:, None] * np.linalg.norm(X.astype(np.float64), axis=1)[None, :]
    _, ref_score = reference_topk(full, 6)
    tol = 1e-5 * (1 if normalize else 2 * dim)
    np.testing.assert_allclose(score, ref_score, rtol=0, atol=tol)
    # the returned rows really have the returned scores
    np.testing.assert_allclose(np.take_along_axis(full, idx, axis=1), score, rtol=0, atol=tol)


@pytest.mark.parametrize("dim", [64, 640, 1024])
@pytest.mark.parametrize("nq", BATCHES)
def test_bsc_hamming_is_exact(simd_path, dim, nq):
    s = df.Space(dim=dim, algebra="bsc", seed=7)
    X = s.random(157, seed=8)
    Q = s.random(nq, seed=9)
    idx, score = s.topk(Q, X, k=8)
    bits_q = np.unpackbits(Q, axis=1).astype(np.int64)
    bits_x = np.unpackbits(X, axis=1).astype(np.int64)
    distance = bits_q @ (1 - bits_x).T + (1 - bits_q) @ bits_x.T
    ref_idx, ref_score = reference_topk(1.0 - 2.0 * distance / dim, 8)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(score, ref_score.astype(np.float32))


def test_single_query_and_batch_agree(simd_path):
    # The single-query scan and the batch kernel are different code: same answers.
    s = df.Space(dim=100, algebra="fhrr", seed=1)
    X = s.random(300, seed=2)
    Q = s.random(4, seed=3)
    batch_idx, batch_score = s.topk(Q, X, k=5)
    for i in range(4):
        one_idx, one_score = s.topk(Q[i], X, k=5)
        np.testing.assert_array_equal(one_idx, batch_idx[i])
        np.testing.assert_allclose(one_score, batch_score[i], rtol=0, atol=1e-6)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_many_blocks_any_thread_count(threads):
    # Rows span several ~1 MiB blocks, which threads take in any order: the
    # answer must not depend on that (nor on the thread count), masks included.
    s = df.Space(dim=1024, algebra="map", seed=2)
    X = s.random(1100, seed=1)  # 4 KiB rows: 256 rows per block, 5 blocks
    Q = s.random(3, seed=2)
    mask = np.random.default_rng(0).random(1100) < 0.7
    idx, score = s.topk(Q, X, k=12, mask=mask, normalize=False, threads=threads)
    full = Q.astype(np.float64) @ X.T.astype(np.float64)
    full[:, ~mask] = -np.inf
    ref_idx, ref_score = reference_topk(full, 12)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_array_equal(score, ref_score.astype(np.float32))
    one_idx, one_score = s.topk(Q[1], X, k=12, mask=mask, normalize=False, threads=threads)
    np.testing.assert_array_equal(one_idx, ref_idx[1])

    b = df.Space(dim=8192, algebra="bsc", seed=3)
    B = b.random(2500, seed=4)  # 1 KiB rows: 1024 rows per block, 3 blocks
    bq = b.random(2, seed=5)
    bidx, _ = b.topk(bq, B, k=7, threads=threads)
    bits_q = np.unpackbits(bq, axis=1).astype(np.int64)
    bits_x = np.unpackbits(B, axis=1).astype(np.int64)
    distance = bits_q @ (1 - bits_x).T + (1 - bits_q) @ bits_x.T
    np.testing.assert_array_equal(bidx, reference_topk(-distance.astype(np.float64), 7)[0])

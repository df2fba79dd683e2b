"""pytest-benchmark cases for exact top-10 search (small matrices: they fit in cache,
so these time the kernels, not the memory; the report uses 1.6 GB and 1 GB).

    pytest benchmarks/test_bench_search.py --benchmark-group-by=func
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df
from bench_data import bsc_codes, bsc_queries, fhrr_matrix, fhrr_queries

ROWS, BSC_ROWS, K = 20_000, 50_000, 10


@pytest.fixture(scope="module")
def fhrr():
    X = fhrr_matrix(ROWS, 1024)
    truth = np.arange(0, ROWS, ROWS // 64)[:64]
    return df.Space(dim=1024, algebra="fhrr"), X, fhrr_queries(X, truth), truth


@pytest.fixture(scope="module")
def bsc():
    B = bsc_codes(BSC_ROWS, 8192)
    truth = np.arange(0, BSC_ROWS, BSC_ROWS // 64)[:64]
    return df.Space(dim=8192, algebra="bsc"), B, bsc_queries(B, truth), truth


@pytest.mark.parametrize("nq", [1, 64])
def test_fhrr_topk_deltaform(benchmark, fhrr, nq):
    s, X, Q, truth = fhrr
    idx, _ = benchmark(s.topk, Q[:nq], X, K, normalize=False)
    np.testing.assert_array_equal(idx[:, 0], truth[:nq])


@pytest.mark.parametrize("nq", [1, 64])
def test_fhrr_topk_numpy(benchmark, fhrr, nq):
    _, X, Q, truth = fhrr

    def search():
        d = Q[:nq] @ X.T
        return np.argpartition(d, -K, axis=1)[:, -K:]

    benchmark(search)


@pytest.mark.parametrize("nq", [1, 64])
def test_fhrr_topk_faiss(benchmark, fhrr, nq):
    faiss = pytest.importorskip("faiss")
    _, X, Q, truth = fhrr
    faiss.omp_set_num_threads(2)
    index = faiss.IndexFlatIP(X.shape[1])
    index.add(X)
    _, idx = benchmark(index.search, Q[:nq], K)
    np.testing.assert_array_equal(idx[:, 0], truth[:nq])


@pytest.mark.parametrize("nq", [1, 64])
def test_bsc_topk_deltaform(benchmark, bsc, nq):
    s, B, Q, truth = bsc
    idx, _ = benchmark(s.topk, Q[:nq], B, K)
    np.testing.assert_array_equal(idx[:, 0], truth[:nq])


@pytest.mark.parametrize("nq", [1, 64])
def test_bsc_topk_faiss(benchmark, bsc, nq):
    faiss = pytest.importorskip("faiss")
    _, B, Q, truth = bsc
    faiss.omp_set_num_threads(2)
    index = faiss.IndexBinaryFlat(B.shape[1] * 8)
    index.add(B)
    _, idx = benchmark(index.search, Q[:nq], K)
    np.testing.assert_array_equal(idx[:, 0], truth[:nq])

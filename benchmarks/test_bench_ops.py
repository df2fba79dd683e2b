"""pytest-benchmark cases for batch bind and bundle at dim 1024 (small batches).

    pytest benchmarks/test_bench_ops.py --benchmark-group-by=param:algebra

The full comparison, in one process with ratios, is benchmarks/report_core.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df

DIM, PAIRS, GROUPS, M = 1024, 2048, 256, 9
ALGEBRAS = ["fhrr", "map", "bsc"]


@pytest.fixture(scope="module", params=ALGEBRAS)
def data(request):
    s = df.Space(dim=DIM, algebra=request.param, seed=0)
    a, b = s.random(PAIRS, seed=1), s.random(PAIRS, seed=2)
    g = s.random(GROUPS * M, seed=3).reshape(GROUPS, M, s.width)
    return request.param, s, a, b, g


def numpy_bind(algebra, a, b):
    if algebra == "fhrr":
        ar, ai, br, bi = a[:, :DIM], a[:, DIM:], b[:, :DIM], b[:, DIM:]
        return np.concatenate([ar * br - ai * bi, ar * bi + ai * br], axis=1)
    return a * b if algebra == "map" else a ^ b


def numpy_multibundle(algebra, g):
    if algebra == "bsc":
        counts = np.unpackbits(g, axis=-1, bitorder="little").sum(axis=1, dtype=np.uint16)
        return np.packbits(2 * counts > g.shape[1], axis=-1, bitorder="little")
    return g.sum(axis=1)


def test_bind_deltaform(benchmark, data):
    algebra, s, a, b, _ = data
    out = benchmark(s.bind, a, b)
    np.testing.assert_allclose(out, numpy_bind(algebra, a, b), rtol=1e-6, atol=1e-6)


def test_bind_numpy(benchmark, data):
    algebra, _, a, b, _ = data
    benchmark(numpy_bind, algebra, a, b)


def test_multibundle_deltaform(benchmark, data):
    algebra, s, _, _, g = data
    out = benchmark(s.bundle, g)
    np.testing.assert_allclose(out, numpy_multibundle(algebra, g), rtol=1e-6, atol=1e-5)


def test_multibundle_numpy(benchmark, data):
    algebra, _, _, _, g = data
    benchmark(numpy_multibundle, algebra, g)


def test_bind_torchhd(benchmark, data):
    torch = pytest.importorskip("torch")
    torchhd = pytest.importorskip("torchhd")
    algebra, _, a, b, _ = data
    torch.set_num_threads(2)
    if algebra == "fhrr":
        cls, conv = torchhd.FHRRTensor, lambda x: (x[:, :DIM] + 1j * x[:, DIM:]).astype(np.complex64)
    elif algebra == "map":
        cls, conv = torchhd.MAPTensor, lambda x: x
    else:
        cls, conv = torchhd.BSCTensor, lambda x: np.unpackbits(x, axis=-1, bitorder="little").astype(bool)
    ta, tb = (torch.from_numpy(conv(x)).as_subclass(cls) for x in (a, b))
    benchmark(ta.bind, tb)

"""bsc bundle and the finite-input check on every SIMD path.

Vector kernels must give the same bits on every path; the bsc bundle is
also checked against a numpy model of the weighted majority.
"""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df

PATHS = df.supported_simd_paths()


def on_path(name: str, fn):
    before = df.simd_path()
    df.set_simd_path(name)
    try:
        return fn()
    finally:
        df.set_simd_path(before)


def numpy_weighted_majority(groups: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bits where the float32 sum is non-zero, mask of the non-tied bits), summed in input order."""
    bits = np.unpackbits(groups, axis=-1, bitorder="little").astype(bool)  # (g, m, dim)
    acc = np.zeros((groups.shape[0], bits.shape[-1]), dtype=np.float32)
    for i in range(groups.shape[1]):
        w = weights[:, i : i + 1] if weights.ndim == 2 else np.float32(weights[i])
        acc = acc + np.where(bits[:, i], -w, w).astype(np.float32)
    return np.packbits(acc < 0, axis=-1, bitorder="little"), np.packbits(acc != 0, axis=-1, bitorder="little")


@pytest.mark.parametrize("dim", [64, 192, 1024])
@pytest.mark.parametrize("m", [1, 2, 4, 7])
def test_bsc_bundle_weighted_majority(dim, m):
    s = df.Space(dim=dim, algebra="bsc", seed=11)
    g = s.random(5 * m, seed=dim + m).reshape(5, m, dim // 8)
    rng = np.random.default_rng(m)
    weights = rng.choice(np.float32([0.5, 1.0, 1.5, 2.0]), size=(5, m)).astype(np.float32)
    outs = {p: on_path(p, lambda: s.bundle(g, weights)) for p in PATHS}
    for p in PATHS:
        np.testing.assert_array_equal(outs[p], outs["scalar"], err_msg=f"path {p}")
    expect, decided = numpy_weighted_majority(g, weights)
    np.testing.assert_array_equal(outs["scalar"] & decided, expect & decided)
    if m in (2, 4):  # even counts of equal weights leave ties: those bits come from the tie vector
        unit = {p: on_path(p, lambda: s.bundle(g)) for p in PATHS}
        for p in PATHS:
            np.testing.assert_array_equal(unit[p], unit["scalar"], err_msg=f"path {p}")


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_named(algebra, path, bad):
    s = df.Space(dim=40, algebra=algebra, seed=1)
    a = s.random(3, seed=1)
    b = s.random(3, seed=2)
    on_path(path, lambda: s.bind(a, b))  # finite: fine
    b[2, 17] = bad
    with pytest.raises(ValueError, match=r"b contains .* at flat index " + str(2 * s.width + 17)):
        on_path(path, lambda: s.bind(a, b))


@pytest.mark.parametrize("threads", [1, 2])
def test_non_finite_found_in_a_large_batch(threads):
    # Over a million floats: the check is split over threads and must still see the last chunk.
    s = df.Space(dim=1024, algebra="fhrr", seed=1)
    a = s.random(600, seed=1)
    b = s.random(600, seed=2)
    b[599, 2047] = np.nan
    with pytest.raises(ValueError, match=r"b contains NaN at flat index " + str(599 * 2048 + 2047)):
        s.bind(a, b, threads=threads)
    b[599, 2047] = 0.5
    g = np.stack([a, b], axis=1)
    g[0, 0, 3] = np.inf
    with pytest.raises(ValueError, match=r"vectors contains infinity at flat index 3"):
        s.bundle(g, threads=threads)


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
def test_every_checked_op_rejects_non_finite_input(algebra):
    s = df.Space(dim=64, algebra=algebra, seed=1)
    a = s.random(4, seed=1)
    bad = a.copy()
    bad[1, 5] = np.inf
    for call in (lambda: s.bind(a, bad), lambda: s.unbind(a, bad)):
        with pytest.raises(ValueError, match=r"b contains infinity at flat index " + str(s.width + 5)):
            call()
    with pytest.raises(ValueError, match=r"a contains infinity"):
        s.inverse(bad)
    with pytest.raises(ValueError, match=r"a contains infinity"):
        s.bind(bad, a[0])  # a batch against one vector
    with pytest.raises(ValueError, match=r"b contains infinity"):
        s.bind(a[1], bad[1])  # one vector with one vector
    # a zero weight on the bad vector: 0 * inf is NaN, still caught
    with pytest.raises(ValueError, match=r"vectors contains infinity"):
        s.bundle(bad, weights=np.float32([1, 0, 1, 1]))
    nan = a.copy()
    nan[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"vectors contains NaN at flat index " + str(3 * s.width)):
        s.bundle(nan[None])


def test_finite_inputs_that_overflow_are_accepted():
    s = df.Space(dim=16, algebra="map", seed=1)
    a = np.full((2, 16), 3e38, dtype=np.float32)
    out = s.bind(a, a)
    assert np.isinf(out).all()
    assert np.isinf(s.bundle(a)).all()


@pytest.mark.parametrize("m", [1, 2, 3, 4, 8, 9, 16, 37])
@pytest.mark.parametrize("groups", [1, 5])
def test_bsc_unit_weights_match_the_weighted_path(m, groups):
    # Without weights bsc bundle counts bits; with explicit weights of 1 it sums
    # floats. Both must give the same bits, ties (even m) included.
    s = df.Space(dim=192, algebra="bsc", seed=21)
    g = s.random(groups * m, seed=m).reshape(groups, m, s.width)
    counted = s.bundle(g)
    summed = s.bundle(g, np.ones(m, dtype=np.float32))
    np.testing.assert_array_equal(counted, summed)
    ones = np.unpackbits(g, axis=-1, bitorder="little").sum(axis=1)
    decided = 2 * ones != m
    np.testing.assert_array_equal(np.unpackbits(counted, axis=-1, bitorder="little")[decided], (2 * ones > m)[decided])
    if groups == 1:
        np.testing.assert_array_equal(s.bundle(g[0]), counted[0])  # (m, width) input, threads over columns

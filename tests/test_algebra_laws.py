"""The algebraic laws every algebra promises, on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltaform
import reference_numpy as R
from conftest import core_settings

ALGEBRAS = ["fhrr", "map", "bsc"]


def close_or_equal(algebra: str, got: np.ndarray, want: np.ndarray, atol: float = 1e-5) -> None:
    """Exact for map/bsc (their vectors are +-1 or bits); float tolerance for fhrr."""
    if algebra == "fhrr":
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
    else:
        R.assert_bits_equal(got, want)


@pytest.mark.parametrize("algebra", ALGEBRAS)
@core_settings
@given(seed=st.integers(0, 2**32), dim_words=st.integers(1, 8))
def test_unbind_undoes_bind(algebra: str, seed: int, dim_words: int) -> None:
    space = deltaform.Space(64 * dim_words, algebra, seed=seed)
    a, b = space.random(2, seed=seed)
    close_or_equal(algebra, space.unbind(space.bind(a, b), b), a)
    # batch form, and unbind = bind with the inverse
    A = space.random(5, seed=seed + 1)
    close_or_equal(algebra, space.unbind(space.bind(A, b), b), A)
    close_or_equal(algebra, space.unbind(A, b), space.bind(A, space.inverse(b)))


@pytest.mark.parametrize("algebra", ALGEBRAS)
@core_settings
@given(seed=st.integers(0, 2**32))
def test_bind_commutative_and_associative(algebra: str, seed: int) -> None:
    space = deltaform.Space(256, algebra, seed=seed)
    a, b, c = space.random(3, seed=seed)
    # x*y and y*x use the same float products and sums (both commute in IEEE):
    # exact on every algebra
    R.assert_bits_equal(space.bind(a, b), space.bind(b, a), "a*b vs b*a")
    close_or_equal(algebra, space.bind(space.bind(a, b), c), space.bind(a, space.bind(b, c)))


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_inverse_gives_identity(algebra: str) -> None:
    space = deltaform.Space(512, algebra)
    a = space.random(1, seed=9)[0]
    ident = space.bind(a, space.inverse(a))
    if algebra == "fhrr":
        np.testing.assert_allclose(ident[:512], 1.0, atol=1e-6)
        np.testing.assert_allclose(ident[512:], 0.0, atol=1e-6)
    elif algebra == "map":
        R.assert_bits_equal(ident, np.ones(512, np.float32))
    else:
        R.assert_bits_equal(ident, np.zeros(64, np.uint8))
    R.assert_bits_equal(space.inverse(space.inverse(a)), a, "inverse twice")


@pytest.mark.parametrize("algebra", ALGEBRAS)
@core_settings
@given(k=st.integers(-(2**40), 2**40), j=st.integers(-5000, 5000))
def test_permute_round_trip_is_exact(algebra: str, k: int, j: int) -> None:
    dim = 192 if algebra == "bsc" else 100
    space = deltaform.Space(dim, algebra)
    x = space.random(3, seed=1)
    R.assert_bits_equal(space.permute(space.permute(x, k), -k), x, f"permute by {k} then {-k}")
    # shifts add, modulo dim
    R.assert_bits_equal(space.permute(space.permute(x, k), j), space.permute(x, k + j), "composition")
    R.assert_bits_equal(space.permute(x, k), space.permute(x, k % dim), "modulo dim")


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_permute_makes_vectors_dissimilar(algebra: str) -> None:
    space = deltaform.Space(2048, algebra)
    x = space.random(1, seed=4)[0]
    assert abs(space.similarity(x, space.permute(x, 1))) < 0.1
    assert space.similarity(x, space.permute(x, 2048)) == pytest.approx(1.0, abs=1e-6)


def random_pair_similarities(space: deltaform.Space, pairs: int) -> np.ndarray:
    x = space.random(2 * pairs, seed=17)
    return space.similarity(x[:pairs], x[pairs:])


@pytest.mark.parametrize("algebra", ALGEBRAS)
@pytest.mark.parametrize("dim", [256, 1024, 4096])
def test_random_similarity_concentrates(algebra: str, dim: int) -> None:
    pairs = 400
    sims = random_pair_similarities(deltaform.Space(dim, algebra, seed=dim), pairs)
    # map and bsc: a mean of dim independent +-1 -> std 1/sqrt(dim).
    # fhrr: a mean of dim values cos(theta), theta uniform -> variance 1/2 each,
    # so std 1/sqrt(2 dim).
    expected = 1 / math.sqrt(2 * dim) if algebra == "fhrr" else 1 / math.sqrt(dim)
    std = float(np.std(sims))
    # the sample std of 400 values is within about 3.5 * 3.5 % of the truth
    assert 0.85 * expected < std < 1.15 * expected, f"std {std:.5f}, expected {expected:.5f}"
    assert abs(float(np.mean(sims))) < 4 * expected / math.sqrt(pairs)
    assert np.max(np.abs(sims)) < 6 * expected


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
@pytest.mark.parametrize("n", [4, 16, 64])
def test_bundle_similarity_to_members(algebra: str, n: int) -> None:
    dim = 4096
    space = deltaform.Space(dim, algebra, seed=n)
    members = space.random(n, seed=2)
    b = space.bundle(members)
    sims = space.similarity(members, b)
    # <x_i, sum x_j> ~ dim, |sum x_j| ~ sqrt(n dim): similarity ~ 1/sqrt(n), spread
    # about sqrt((n-1)/n) / sqrt(dim) (fhrr: half the variance)
    expected = 1 / math.sqrt(n)
    assert abs(float(np.mean(sims)) - expected) < 0.05 * expected + 3 / math.sqrt(dim * n)
    assert np.all(np.abs(sims - expected) < 6 / math.sqrt(dim)), sims
    others = space.random(50, seed=3)
    assert np.all(np.abs(space.similarity(others, b)) < 6 / math.sqrt(dim))
    # not re-normalised: the bundle keeps the scale of a plain sum
    norm_sq = float(np.dot(b.astype(np.float64), b.astype(np.float64)))
    assert norm_sq == pytest.approx(n * dim, rel=6 / math.sqrt(dim))


def majority_agreement(n: int) -> float:
    """P(bit of the majority of n random bits equals one member's bit), n odd."""
    others = n - 1
    need = others // 2  # the member wins if at least half of the others agree
    return sum(math.comb(others, j) for j in range(need, others + 1)) / 2**others


@pytest.mark.parametrize("n", [3, 5, 9, 33])
def test_bsc_bundle_is_majority(n: int) -> None:
    dim = 4096
    space = deltaform.Space(dim, "bsc", seed=n)
    members = space.random(n, seed=2)
    b = space.bundle(members)
    bits = R.unpack(members)
    majority = (bits.sum(axis=0) * 2 > n).astype(np.uint8)  # odd n: never a tie
    R.assert_bits_equal(b, R.pack(majority), "majority of bits")
    sims = space.similarity(members, b)
    expected = 2 * majority_agreement(n) - 1
    assert abs(float(np.mean(sims)) - expected) < 0.03, (sims.mean(), expected)


def test_bsc_even_bundle_ties_use_the_tie_vector() -> None:
    space = deltaform.Space(1024, "bsc")
    a, b = space.random(2, seed=1)
    out = space.bundle(np.stack([a, b]))
    bits_a, bits_b, bits_out = R.unpack(a), R.unpack(b), R.unpack(out)
    agree = bits_a == bits_b
    assert np.array_equal(bits_out[agree], bits_a[agree])
    tie = R.unpack(R.reserved_atom("bsc", 1024, 0, "tie"))
    assert np.array_equal(bits_out[~agree], tie[~agree])
    assert 300 < (~agree).sum() < 700


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_unbinding_a_role_recovers_its_filler(algebra: str) -> None:
    # a record of 8 role:filler pairs; unbinding each role and cleaning up
    # against the fillers finds the right one
    space = deltaform.Space(2048, algebra)
    roles = space.atoms([f"роль{i}" for i in range(8)])
    fillers = space.atoms([f"filler {i}" for i in range(8)] + [f"distractor {i}" for i in range(40)])
    record = space.bundle(space.bind(roles, fillers[:8]))
    noisy = space.unbind(record, roles)
    idx, _ = space.topk(noisy, fillers, k=1)
    assert idx[:, 0].tolist() == list(range(8))

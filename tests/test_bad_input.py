"""Wrong input raises a Python exception whose message says what was expected
and what was given; nothing crashes and nothing is silently converted."""

from __future__ import annotations

import re

import numpy as np
import pytest

import deltaform

ALGEBRAS = ["fhrr", "map", "bsc"]


def space_of(algebra: str) -> deltaform.Space:
    return deltaform.Space(128, algebra)


def raises(exc: type[Exception], *fragments: str):
    """pytest.raises matching every fragment (literally) in the message."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


# ------------------------------------------------------------------ dtype, layout, shape

@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_wrong_dtype(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(3)
    want = "uint8" if algebra == "bsc" else "float32"
    wrong = x.astype(np.float64) if algebra != "bsc" else x.astype(np.float32)
    given = "float64" if algebra != "bsc" else "float32"
    with raises(TypeError, "a:", f"expected dtype {want}", f"got {given}"):
        s.bind(wrong, x)
    with raises(TypeError, "b:", f"expected dtype {want}", f"got {given}"):
        s.unbind(x, wrong)
    with raises(TypeError, "vectors:", want, given):
        s.bundle(wrong)
    with raises(TypeError, "queries:", want, given):
        s.topk(wrong, x, k=1)
    with raises(TypeError, "matrix:", want, given):
        s.topk(x, wrong, k=1)
    with raises(TypeError, "a:", want, given):
        s.similarity(wrong, x)
    with raises(TypeError, "vectors:", want, given):
        s.permute(wrong, 1)
    with raises(TypeError, "a:", want, given):
        s.inverse(wrong)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_not_an_array(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(2)
    with raises(TypeError, "a:", "expected a numpy array", "list"):
        s.bind(x.tolist(), x)
    with raises(TypeError, "b:", "expected a numpy array", "numpy.float32" if algebra != "bsc" else "int"):
        s.bind(x, np.float32(1.0) if algebra != "bsc" else 1)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_non_contiguous(algebra: str) -> None:
    s = space_of(algebra)
    w = s.width
    x = s.random(4)
    square = np.ascontiguousarray(np.zeros((w, w), s.dtype))
    views = {
        "rows sliced": x[::2],
        "columns sliced": np.concatenate([x, x], axis=1)[:, ::2],
        "transposed": square.T,
        "reversed": x[0][::-1],
    }
    for label, v in views.items():
        assert not v.flags.c_contiguous, label
        shape = "(" + ", ".join(str(d) for d in v.shape) + ("," if v.ndim == 1 else "") + ")"
        with raises(ValueError, "a:", "C-contiguous", "np.ascontiguousarray", f"got shape {shape}", "strides"):
            s.bind(v, x[0])
    with raises(ValueError, "matrix:", "C-contiguous"):
        s.topk(x[0], square.T, k=1)
    with raises(ValueError, "vectors:", "C-contiguous"):
        s.bundle(x[::2])
    with raises(ValueError, "vectors:", "C-contiguous"):
        s.permute(x[::2])


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_wrong_width(algebra: str) -> None:
    s = space_of(algebra)
    w = s.width
    short = np.zeros((2, w - 1), s.dtype)
    x = s.random(2)
    with raises(ValueError, "a:", f"expected vectors of {w}", f"dim 128", f"got shape (2, {w - 1})"):
        s.bind(short, x)
    with raises(ValueError, "matrix:", f"expected vectors of {w}", f"got shape (2, {w - 1})"):
        s.topk(x, short, k=1)
    with raises(ValueError, "vectors:", f"expected vectors of {w}", f"got shape (2, {w - 1})"):
        s.bundle(short)
    # a vector of another space
    other = deltaform.Space(256, algebra).random(1)
    with raises(ValueError, f"expected vectors of {w}", f"got shape (1, {other.shape[1]})"):
        s.similarity(other, x)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_wrong_ndim(algebra: str) -> None:
    s = space_of(algebra)
    w = s.width
    x = s.random(2)
    with raises(ValueError, "a:", f"expected shape ({w},) or (n, {w})", f"got (1, 2, {w})"):
        s.bind(x[None], x)
    with raises(ValueError, "a:", f"expected shape ({w},) or (n, {w})", "got ()"):
        s.bind(np.zeros((), s.dtype), x)
    with raises(ValueError, "vectors:", f"(groups, n, {w})", f"got (1, 1, 2, {w})"):
        s.bundle(x[None, None])
    with raises(ValueError, "topk: matrix must be 2-D", f"(n, {w})"):
        s.topk(x, x[0], k=1)
    with raises(ValueError, "bind:", "2 and 3 vectors"):
        s.bind(x, s.random(3))


# ------------------------------------------------------------------ NaN and infinity

@pytest.mark.parametrize("algebra", ["fhrr", "map"])
@pytest.mark.parametrize("bad,word", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
def test_non_finite_inputs(algebra: str, bad: float, word: str) -> None:
    s = space_of(algebra)
    x = s.random(4)
    y = x.copy()
    y[2, 7] = bad
    flat = 2 * s.width + 7
    for call, what in [
        (lambda: s.bind(y, x), "a"),
        (lambda: s.unbind(x, y), "b"),
        (lambda: s.inverse(y), "a"),
        (lambda: s.bundle(y), "vectors"),
        (lambda: s.bundle(y.reshape(2, 2, -1)), "vectors"),
        (lambda: s.similarity(x, y), "b"),
        (lambda: s.topk(y, x, k=1), "queries"),
    ]:
        with raises(ValueError, f"{what} contains {word}", f"flat index {flat}"):
            call()
    # the matrix of a search: reported by row, also with raw inner products
    for normalize in (True, False):
        with raises(ValueError, "topk: matrix row 2", "NaN or infinity"):
            s.topk(x[:1], y, k=2, normalize=normalize)
        with raises(ValueError, "topk: matrix row 2"):
            s.topk(x, y, k=4, normalize=normalize, threads=2)
    # a masked-out row is never read for scoring
    mask = np.array([True, True, False, True])
    idx, _ = s.topk(x[0], y, k=3, mask=mask)
    assert sorted(idx.tolist()) == [0, 1, 3]
    # permute only moves values: np.roll semantics, non-finite values included
    moved = s.permute(y, 1)
    assert np.array_equal(np.isnan(moved), np.isnan(np.roll(y.reshape(4, -1, s.dim), 1, axis=-1).reshape(4, -1)))


@pytest.mark.parametrize("algebra", ALGEBRAS)
@pytest.mark.parametrize("bad,word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_bundle_weights(algebra: str, bad: float, word: str) -> None:
    s = space_of(algebra)
    x = s.random(3)
    with raises(ValueError, f"bundle weights contains {word}", "flat index 1"):
        s.bundle(x, [1.0, bad, 2.0])
    with raises(ValueError, f"bundle weights contains {word}", "flat index 4"):
        s.bundle(x.reshape(1, 3, -1).repeat(2, axis=0), np.array([[1, 1, 1], [1, bad, 1]], np.float32))
    # float64 weights too large for float32 become infinity: rejected, not summed
    with raises(ValueError, "bundle weights contains infinity"), np.errstate(over="ignore"):
        s.bundle(x, np.array([1.0, 1e300, 1.0]))


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_wrong_bundle_weights(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(3)
    with raises(ValueError, "expected 3 weights", "got shape (2,)"):
        s.bundle(x, [1.0, 2.0])
    with raises(ValueError, "expected 3 weights", "got shape (1, 3)"):
        s.bundle(x, np.ones((1, 3), np.float32))
    with raises(ValueError, "expected 3 weights or shape (2, 3)", "got shape (3, 3)"):
        s.bundle(np.stack([x, x]), np.ones((3, 3), np.float32))


# ------------------------------------------------------------------ empty batches, k, mask

@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_empty_batches(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(4)
    with raises(ValueError, "bundle: empty batch", f"got shape (0, {s.width})"):
        s.bundle(x[:0])
    with raises(ValueError, "bundle: empty batch", f"got shape (2, 0, {s.width})"):
        s.bundle(np.stack([x, x])[:, :0])
    with raises(ValueError, "topk: empty batch of queries"):
        s.topk(x[:0], x, k=1)
    with raises(ValueError, "topk: k=1 exceeds the 0 rows"):
        s.topk(x[0], x[:0], k=1)
    # element-wise operations on no rows are fine and give no rows
    assert s.bind(x[:0], x[:0]).shape == (0, s.width)
    assert s.similarity(x[:0], x[:0]).shape == (0,)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_bad_k(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(5)
    with raises(ValueError, "topk: k=6 exceeds the 5 rows"):
        s.topk(x, x, k=6)
    with raises(ValueError, "topk: k=1099511627776 exceeds the 5 rows"):
        s.topk(x, x, k=2**40)
    with raises(ValueError, "topk: k must fit in 64 bits", str(2**70)):
        s.topk(x, x, k=2**70)
    for k in (0, -1, -(2**40)):
        with raises(ValueError, "topk: k must be positive", f"got {k}"):
            s.topk(x, x, k=k)
    with raises(TypeError, "topk: k must be an int", "got float"):
        s.topk(x, x, k=2.5)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_bad_mask(algebra: str) -> None:
    s = space_of(algebra)
    x = s.random(5)
    for dtype in (np.int32, np.float32, np.int64):
        with raises(TypeError, "mask must be bool or uint8", f"got {np.dtype(dtype).name}"):
            s.topk(x, x, k=1, mask=np.ones(5, dtype))
    with raises(TypeError, "mask must be a numpy bool array"):
        s.topk(x, x, k=1, mask=[True] * 5)
    for m in (np.ones(4, bool), np.ones(6, bool), np.ones((5, 1), bool)):
        shape = "(" + ", ".join(str(d) for d in m.shape) + ("," if m.ndim == 1 else "") + ")"
        with raises(ValueError, "mask must be a contiguous 1-D array of 5 entries", f"got shape {shape}"):
            s.topk(x, x, k=1, mask=m)
    with raises(ValueError, "mask must be a contiguous 1-D array of 5 entries"):
        s.topk(x, x, k=1, mask=np.ones(10, bool)[::2])


# ------------------------------------------------------------------ spaces and names

def test_bad_space_parameters() -> None:
    with raises(ValueError, "unknown algebra 'hrr'", "fhrr, map, bsc"):
        deltaform.Space(128, "hrr")
    with raises(ValueError, "dim must be positive", "got 0"):
        deltaform.Space(0, "fhrr")
    with raises(ValueError, "dim must be positive", "got -64"):
        deltaform.Space(-64, "map")
    for dim in (100, 65, 1):
        with raises(ValueError, "bsc", "dim must be a multiple of 64", f"got {dim}"):
            deltaform.Space(dim, "bsc")
    with raises(ValueError, "dim must be at most 16777216", f"got {2**25}"):
        deltaform.Space(2**25, "fhrr")
    with raises(TypeError, "dim must be an int", "got float"):
        deltaform.Space(128.0, "fhrr")
    with raises(TypeError, "dim must be an int", "got bool"):
        deltaform.Space(True, "fhrr")
    with raises(ValueError, "seed must be a non-negative int", "got -1"):
        deltaform.Space(128, "fhrr", seed=-1)


@pytest.mark.parametrize("algebra", ALGEBRAS)
def test_bad_atom_names(algebra: str) -> None:
    s = space_of(algebra)
    for bad, tname in ((5, "int"), (None, "NoneType"), (b"water", "bytes"), (3.5, "float")):
        with raises(TypeError, "an atom name is a str", f"got {tname}"):
            s.atom(bad)
        with raises(TypeError, "atom names are str", f"item 1 is {tname}"):
            s.atoms(["вода", bad])
    with raises(TypeError, "expected an iterable of atom names", "got one str"):
        s.atoms("вода")
    with raises(ValueError, "atom name 1", "not valid Unicode"):
        s.atoms(["вода", "a\ud800b"])
    with raises(ValueError, "atom name 0", "not valid Unicode"):
        s.atom("\udfff")


def test_bad_threads_and_counts() -> None:
    s = space_of("fhrr")
    x = s.random(2)
    with raises(ValueError, "threads must be >= 0", "got -1"):
        s.bind(x, x, threads=-1)
    with raises(ValueError, "threads must be at most", f"got {2**40}"):
        s.bind(x, x, threads=2**40)
    with raises(TypeError, "threads must be an int", "got float"):
        s.bundle(x, threads=1.5)
    with raises(ValueError, "random: n must be >= 0", "got -1"):
        s.random(-1)
    with raises(TypeError, "permute: k must be an int", "got float"):
        s.permute(x, 1.5)
    # any Python int is a valid shift (reduced modulo dim)
    np.testing.assert_array_equal(s.permute(x, 2**70), s.permute(x, 2**70 % 128))


def test_bad_simd_path() -> None:
    with raises(ValueError, "unknown SIMD path 'neon'", "expected 'scalar', 'avx2' or 'avx512'"):
        deltaform.set_simd_path("neon")

"""An independent numpy reference of the vector core.

Written from the specification (cpp/include/deltaform/codebook.hpp, ops.hpp,
search.hpp and design/ENCODING.md), never by calling deltaform, so that the
tests hold the C++ core against a second implementation:

* the codebook: FNV-1a 64 of the normalised name, SplitMix64 mixing, the
  counter-based word stream, and the three ways of turning words into atoms;
* every kernel: bind/unbind/inverse, bundle (weighted sum or weighted
  majority), permute, similarity, and exact top-k search.

Vector kernels are computed in float32 with the same operations in the same
order as the spec states (numpy never fuses a*b+c), so the tests can demand
bit equality; scores are computed in float64 and compared with a tolerance.
"""

from __future__ import annotations

import unicodedata

import numpy as np

MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
ALGEBRA_CODE = {"fhrr": 1, "map": 2, "bsc": 3}
U64 = np.uint64


# ---------------------------------------------------------------- hashing

def normalize_name(name: str) -> str:
    """The identity of an atom: casefold(NFC(name))."""
    return unicodedata.normalize("NFC", name).casefold()


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h ^= byte
        h = (h * 0x100000001B3) & MASK64
    return h


def mix64_int(z: int) -> int:
    """SplitMix64 finaliser on a Python int (mod 2^64)."""
    z &= MASK64
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return z


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser over a uint64 array (wrapping arithmetic)."""
    z = np.asarray(z, dtype=U64).copy()
    z ^= z >> U64(30)
    z *= U64(0xBF58476D1CE4E5B9)
    z ^= z >> U64(27)
    z *= U64(0x94D049BB133111EB)
    z ^= z >> U64(31)
    return z


def salt(algebra: str, dim: int, seed: int) -> int:
    return mix64_int(seed ^ ((ALGEBRA_CODE[algebra] << 32) + dim))


def atom_key(algebra: str, dim: int, seed: int, name_hash: int) -> int:
    return mix64_int(name_hash ^ salt(algebra, dim, seed))


def word_stream(key: int, n: int) -> np.ndarray:
    """w_i = mix(key + (i + 1) * GAMMA) for i in [0, n)."""
    counters = np.array([(key + (i + 1) * GAMMA) & MASK64 for i in range(n)], dtype=U64)
    return mix64(counters)


# ---------------------------------------------------------------- codebook

def width(algebra: str, dim: int) -> int:
    """numpy last-axis length of a vector."""
    return {"fhrr": 2 * dim, "map": dim, "bsc": dim // 8}[algebra]


def dtype(algebra: str) -> np.dtype:
    return np.dtype(np.uint8) if algebra == "bsc" else np.dtype(np.float32)


def vector_from_key(algebra: str, dim: int, key: int) -> np.ndarray:
    if algebra == "fhrr":
        w = word_stream(key, dim)
        u = (w >> U64(11)).astype(np.float64) * 2.0**-53
        phase = 2.0 * np.pi * u
        return np.concatenate([np.cos(phase), np.sin(phase)]).astype(np.float32)
    if algebra == "map":
        w = word_stream(key, (dim + 63) // 64)
        j = np.arange(dim)
        bits = (w[j // 64] >> (j % 64).astype(U64)) & U64(1)
        return np.where(bits == 1, np.float32(-1.0), np.float32(1.0)).astype(np.float32)
    if algebra == "bsc":
        assert dim % 64 == 0
        return word_stream(key, dim // 64).astype("<u8").view(np.uint8).copy()
    raise ValueError(algebra)


def atom(algebra: str, dim: int, seed: int, name: str) -> np.ndarray:
    """The codebook vector of a user atom (name normalised first)."""
    h = fnv1a64(normalize_name(name).encode("utf-8"))
    return vector_from_key(algebra, dim, atom_key(algebra, dim, seed, h))


def reserved_atom(algebra: str, dim: int, seed: int, name: str) -> np.ndarray:
    """A reserved atom: the name under a NUL prefix, not normalised."""
    h = fnv1a64(b"\x00" + name.encode("utf-8"))
    return vector_from_key(algebra, dim, atom_key(algebra, dim, seed, h))


def random_vectors(algebra: str, dim: int, space_seed: int, seed: int, n: int) -> np.ndarray:
    """Space.random(n, seed): vector i has key atom_key(mix(stream + i))."""
    stream = mix64_int(fnv1a64(b"\x00random") ^ mix64_int(seed))
    rows = [vector_from_key(algebra, dim, atom_key(algebra, dim, space_seed, mix64_int(stream + i))) for i in range(n)]
    return np.stack(rows) if rows else np.zeros((0, width(algebra, dim)), dtype(algebra))


# ---------------------------------------------------------------- bits

def unpack(x: np.ndarray) -> np.ndarray:
    """bsc bytes -> components (0/1), component j = bit j%8 of byte j/8."""
    return np.unpackbits(x, axis=-1, bitorder="little")


def pack(bits: np.ndarray) -> np.ndarray:
    return np.packbits(bits.astype(np.uint8), axis=-1, bitorder="little")


# ---------------------------------------------------------------- vector kernels

def bind(algebra: str, dim: int, a: np.ndarray, b: np.ndarray, unbind: bool = False) -> np.ndarray:
    if algebra == "bsc":
        return np.bitwise_xor(a, b)
    if algebra == "map":
        return (a * b).astype(np.float32)
    ar, ai = a[..., :dim], a[..., dim:]
    br, bi = b[..., :dim], b[..., dim:]
    if unbind:  # a * conj(b)
        re = ar * br + ai * bi
        im = ai * br - ar * bi
    else:
        re = ar * br - ai * bi
        im = ar * bi + ai * br
    return np.concatenate([re, im], axis=-1).astype(np.float32)


def inverse(algebra: str, dim: int, a: np.ndarray) -> np.ndarray:
    if algebra != "fhrr":
        return a.copy()
    return np.concatenate([a[..., :dim], -a[..., dim:]], axis=-1)


def bundle(
    algebra: str, dim: int, X: np.ndarray, weights: np.ndarray | None = None, tie: np.ndarray | None = None
) -> np.ndarray:
    """(m, w) -> (w,) or (g, m, w) -> (g, w); weights None, (m,) or (g, m).

    fhrr/map: acc = 0; acc = acc + w_i * x_i in input order, float32.
    bsc: per component acc = acc + (bit ? -w_i : +w_i) in float32; the bit is
    1 where acc < 0, 0 where acc > 0 and the tie vector's bit where acc == 0.
    """
    single = X.ndim == 2
    X3 = X[None] if single else X
    g, m = X3.shape[0], X3.shape[1]
    if weights is None:
        W = np.ones((g, m), np.float32)
    else:
        weights = np.asarray(weights, np.float32)
        W = np.broadcast_to(weights, (g, m)) if weights.ndim == 1 else weights
    out = []
    for gi in range(g):
        if algebra == "bsc":
            bits = unpack(X3[gi])
            acc = np.zeros(dim, np.float32)
            for i in range(m):
                w = np.float32(W[gi, i])
                acc = acc + np.where(bits[i] == 1, -w, w).astype(np.float32)
            tie_bits = unpack(tie)
            res = np.where(acc < 0, 1, np.where(acc > 0, 0, tie_bits))
            out.append(pack(res))
        else:
            acc = np.zeros(X3.shape[2], np.float32)
            for i in range(m):
                acc = acc + np.float32(W[gi, i]) * X3[gi, i]
            out.append(acc.astype(np.float32))
    res = np.stack(out)
    return res[0] if single else res


def permute(algebra: str, dim: int, X: np.ndarray, k: int) -> np.ndarray:
    """np.roll of the components by k (per plane for fhrr)."""
    if algebra == "bsc":
        return pack(np.roll(unpack(X), k, axis=-1))
    if algebra == "map":
        return np.roll(X, k, axis=-1)
    return np.concatenate([np.roll(X[..., :dim], k, axis=-1), np.roll(X[..., dim:], k, axis=-1)], axis=-1)


# ---------------------------------------------------------------- scores

def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return unpack(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int64)


def similarity(algebra: str, dim: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """fhrr: Re<a, conj b>/(|a||b|) (= cosine of the planar storage); map: cosine;
    bsc: 1 - 2 * Hamming / dim. Zero vectors score 0. In float64."""
    if algebra == "bsc":
        return 1.0 - 2.0 * hamming(a, b) / dim
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    d = (a64 * b64).sum(-1)
    den = np.sqrt((a64 * a64).sum(-1) * (b64 * b64).sum(-1))
    return np.where(den > 0, d / np.where(den > 0, den, 1.0), 0.0)


def score_matrix(algebra: str, dim: int, Q: np.ndarray, X: np.ndarray, normalize: bool = True) -> np.ndarray:
    """(nq, rows) float64 scores that topk ranks by."""
    if algebra == "bsc":
        return 1.0 - 2.0 * hamming(Q[:, None, :], X[None, :, :]) / dim
    Q64, X64 = Q.astype(np.float64), X.astype(np.float64)
    dots = Q64 @ X64.T
    if not normalize:
        return dots
    qn = np.sqrt((Q64 * Q64).sum(-1))
    xn = np.sqrt((X64 * X64).sum(-1))
    qi = np.where(qn > 0, 1.0 / np.where(qn > 0, qn, 1.0), 0.0)
    xi = np.where(xn > 0, 1.0 / np.where(xn > 0, xn, 1.0), 0.0)
    return dots * qi[:, None] * xi[None, :]


def topk(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row of `scores`: score desc, ties by index asc; missing
    results (mask allows fewer than k rows) are -1 / -inf."""
    nq, rows = scores.shape
    idx = np.full((nq, k), -1, np.int64)
    val = np.full((nq, k), -np.inf, np.float64)
    allowed = np.arange(rows) if mask is None else np.flatnonzero(mask)
    for q in range(nq):
        order = allowed[np.lexsort((allowed, -scores[q, allowed]))][:k]
        idx[q, : len(order)] = order
        val[q, : len(order)] = scores[q, order]
    return idx, val


# ---------------------------------------------------------------- checks

def assert_bits_equal(got: np.ndarray, want: np.ndarray, what: str = "vector") -> None:
    """Exact equality of the stored bits (so -0.0 != +0.0), with a short report."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != reference {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != reference {want.dtype}"
    view = np.uint32 if got.dtype == np.float32 else got.dtype
    g, w = got.view(view), want.view(view)
    if not np.array_equal(g, w):
        bad = np.argwhere(g != w)
        first = tuple(bad[0])
        raise AssertionError(
            f"{what}: {len(bad)} of {g.size} elements differ; first at {first}: {got[first]!r} != reference {want[first]!r}"
        )


def assert_topk_matches(
    idx: np.ndarray, score: np.ndarray, ref_scores: np.ndarray, k: int, mask: np.ndarray | None = None,
    tol: float = 1e-5,
) -> None:
    """The core's top-k against reference scores (nq, rows) in float64.

    Scores must agree within `tol`; indices must equal the reference order
    wherever that order is not decided by differences below `tol` (there the
    core may order rows either way, as its scores are float32 sums).
    """
    idx, score = np.atleast_2d(idx), np.atleast_2d(score)
    ref_idx, ref_val = topk(ref_scores, k, mask)
    assert idx.shape == ref_idx.shape and score.shape == ref_idx.shape, (idx.shape, ref_idx.shape)
    assert idx.dtype == np.int64 and score.dtype == np.float32
    for q in range(idx.shape[0]):
        have = ref_idx[q] >= 0
        # padding where fewer than k rows are allowed
        assert np.all(idx[q][~have] == -1), f"query {q}: expected -1 padding, got {idx[q]}"
        assert np.all(np.isneginf(score[q][~have])), f"query {q}: expected -inf padding, got {score[q]}"
        got_i, got_s = idx[q][have], score[q][have]
        assert np.all(got_i >= 0), f"query {q}: missing results {idx[q]} where the reference has {ref_idx[q]}"
        assert len(set(got_i.tolist())) == len(got_i), f"query {q}: repeated rows {got_i}"
        if mask is not None:
            assert np.all(mask[got_i]), f"query {q}: masked-out rows returned: {got_i}"
        np.testing.assert_allclose(got_s, ref_scores[q, got_i], rtol=0, atol=tol, err_msg=f"query {q}: score of row")
        np.testing.assert_allclose(got_s, ref_val[q][have], rtol=0, atol=tol, err_msg=f"query {q}: j-th best score")
        assert np.all(np.diff(got_s) <= 0), f"query {q}: scores not descending: {got_s}"
        # rows whose rank is decided by more than tol must sit where the reference puts them
        allowed = np.arange(ref_scores.shape[1]) if mask is None else np.flatnonzero(mask)
        ranked = np.sort(ref_scores[q, allowed])[::-1]  # every allowed row, best first
        gap = np.abs(np.diff(ranked)) > 2 * tol
        isolated = np.ones(len(ranked), bool)
        isolated[1:] &= gap
        isolated[:-1] &= gap
        n = int(have.sum())
        decided = isolated[:n]
        wrong = decided & (got_i != ref_idx[q][:n])
        assert not wrong.any(), (
            f"query {q}: ranks {np.flatnonzero(wrong)} hold rows {got_i[wrong]}, reference rows {ref_idx[q][:n][wrong]}"
        )

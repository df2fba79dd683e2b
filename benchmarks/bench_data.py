"""Benchmark data, made once and shared by every contender.

fhrr vectors are unit phasors in deltaform's planar layout (re-plane, then
im-plane); bsc codes are uniform random bits, bit-packed little-endian.
Queries are noisy copies of known rows, so every method must find that row first.
"""

from __future__ import annotations

import numpy as np

CHUNK = 20_000


def fhrr_matrix(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.empty((rows, 2 * dim), dtype=np.float32)
    for s in range(0, rows, CHUNK):
        e = min(rows, s + CHUNK)
        theta = rng.uniform(0.0, 2.0 * np.pi, size=(e - s, dim)).astype(np.float32)
        np.cos(theta, out=X[s:e, :dim])
        np.sin(theta, out=X[s:e, dim:])
    return X


def fhrr_queries(X: np.ndarray, rows: np.ndarray, noise: float = 0.6, seed: int = 1) -> np.ndarray:
    """Phasors of the given rows with their angles perturbed by N(0, noise)."""
    dim = X.shape[1] // 2
    rng = np.random.default_rng(seed)
    theta = np.arctan2(X[rows, dim:], X[rows, :dim]) + rng.normal(0.0, noise, size=(len(rows), dim))
    return np.ascontiguousarray(np.concatenate([np.cos(theta), np.sin(theta)], axis=1), dtype=np.float32)


def bsc_codes(rows: int, bits: int, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    B = np.empty((rows, bits // 8), dtype=np.uint8)
    for s in range(0, rows, 10 * CHUNK):
        e = min(rows, s + 10 * CHUNK)
        B[s:e] = np.frombuffer(rng.bytes((e - s) * (bits // 8)), dtype=np.uint8).reshape(e - s, bits // 8)
    return B


def bsc_queries(B: np.ndarray, rows: np.ndarray, flip: float = 0.2, seed: int = 3) -> np.ndarray:
    """Copies of the given rows with a fraction `flip` of their bits flipped."""
    rng = np.random.default_rng(seed)
    mask = np.packbits(rng.random((len(rows), B.shape[1] * 8)) < flip, axis=1, bitorder="little")
    return np.ascontiguousarray(B[rows] ^ mask)


def grouped(X: np.ndarray, groups: int, m: int) -> np.ndarray:
    """The first groups*m rows as (groups, m, width)."""
    return np.ascontiguousarray(X[: groups * m].reshape(groups, m, X.shape[1]))

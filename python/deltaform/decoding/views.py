"""The real view of a space: where decoding does its arithmetic.

Least squares and explaining away need vectors that add and scale. Each
algebra has a real view in which its similarity is a plain cosine:

* fhrr: the storage itself, ``2·dim`` floats (re-plane, then im-plane); binding
  is the component-wise complex product of the two planes.
* map: the storage itself, ``dim`` floats; binding is the product.
* bsc: the bipolar view, ``dim`` floats, +1 for bit 0 and -1 for bit 1; binding
  (XOR) is the product, and ``1 − 2·Hamming/dim`` is the cosine.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RealView"]


class RealView:
    """Conversions and binding in the real view of one space."""

    __slots__ = ("space", "algebra", "dim", "width")

    def __init__(self, space) -> None:
        self.space = space
        self.algebra = space.algebra
        self.dim = space.dim
        self.width = 2 * space.dim if space.algebra == "fhrr" else space.dim

    def real(self, storage: np.ndarray) -> np.ndarray:
        """Storage-format vectors (last axis ``space.width``) as float32 real-view vectors."""
        v = np.asarray(storage)
        if self.algebra == "bsc":
            bits = np.unpackbits(v.astype(np.uint8, copy=False), axis=-1, bitorder="little")[..., : self.dim]
            return (1.0 - 2.0 * bits).astype(np.float32)
        return np.ascontiguousarray(v, dtype=np.float32)

    def identity(self) -> np.ndarray:
        """The vector that binding leaves unchanged."""
        e = np.zeros(self.width, dtype=np.float32) if self.algebra == "fhrr" else np.ones(self.width, np.float32)
        if self.algebra == "fhrr":
            e[: self.dim] = 1.0
        return e

    def bind(self, x: np.ndarray, k: np.ndarray, threads: int | None = None) -> np.ndarray:
        """``x ⊛ k`` row by row (either may be a single vector that broadcasts)."""
        if self.algebra == "bsc":
            return np.multiply(x, k, dtype=np.float32)
        # fhrr and map: the real view is the storage, so the core's kernels apply.
        return self.space.bind(_f32(x), _f32(k), threads=threads)

    def unbind(self, x: np.ndarray, k: np.ndarray, threads: int | None = None) -> np.ndarray:
        """``x ⊛ inverse(k)``: the conjugate in fhrr, ``k`` itself in map and bsc."""
        if self.algebra == "bsc":
            return np.multiply(x, k, dtype=np.float32)
        return self.space.unbind(_f32(x), _f32(k), threads=threads)

    def permute(self, x: np.ndarray, k: int) -> np.ndarray:
        """Cyclic shift of the components by ``k`` (each plane of an fhrr vector moves alike)."""
        if self.algebra != "fhrr":
            return np.roll(x, k, axis=-1)
        d = self.dim
        return np.concatenate([np.roll(x[..., :d], k, axis=-1), np.roll(x[..., d:], k, axis=-1)], axis=-1)


def _f32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)

"""Grounded atom vectors: an atom's identity vector mixed with a projection of its embedding.

For an atom with embedding e (normalised to unit length):

    g = Σ_k ê_k · A_k          A_k = codebook vector of the reserved atom "ground:k"
    v = (1 − α)·identity + α·g

then back onto the algebra: fhrr v_j/|v_j| (unit phasors), map sign(v),
bsc the bits of sign(v). Each component of g has unit variance, like the
identity's, so α = 0.5 weighs meaning and identity equally. The projection
A is itself drawn from the codebook, so it is a pure function of
(algebra, dim, seed) like every atom.
"""

from __future__ import annotations

import numpy as np

GROUND_PREFIX = "\0ground:"


def projection(core, emb_dim: int) -> np.ndarray:
    """The ``(emb_dim, dim)`` projection in the space's real or complex view."""
    names = [f"{GROUND_PREFIX}{k}" for k in range(emb_dim)]
    return to_signal(core, core.atoms(names, 0))


def to_signal(core, vectors: np.ndarray) -> np.ndarray:
    """Stored vectors as float64 ±1 (map, bsc) or complex128 phasors (fhrr)."""
    dim = core.dim
    if core.algebra == "fhrr":
        return vectors[:, :dim].astype(np.float64) + 1j * vectors[:, dim:].astype(np.float64)
    if core.algebra == "map":
        return vectors.astype(np.float64)
    bits = np.unpackbits(vectors, axis=1, bitorder="little")[:, :dim]
    return 1.0 - 2.0 * bits.astype(np.float64)


def from_signal(core, mixed: np.ndarray, identity: np.ndarray) -> np.ndarray:
    """Mixed signals back to stored vectors; a component that mixes to zero keeps the identity's."""
    if core.algebra == "fhrr":
        mag = np.abs(mixed)
        unit = np.where(mag > 0, mixed / np.where(mag > 0, mag, 1.0), identity)
        return np.concatenate([unit.real, unit.imag], axis=1).astype(np.float32)
    sign = np.where(mixed > 0, 1.0, np.where(mixed < 0, -1.0, identity))
    if core.algebra == "map":
        return sign.astype(np.float32)
    return np.packbits((sign < 0).astype(np.uint8), axis=1, bitorder="little")


def grounded_vectors(core, names: list[str], embeddings: np.ndarray, weight: float) -> np.ndarray:
    """Stored grounded vectors for atoms ``names`` with embedding rows ``embeddings``."""
    identity = to_signal(core, core.identity_vectors(names))  # not interned: set_atoms installs them
    e = np.asarray(embeddings, dtype=np.float64)
    norms = np.linalg.norm(e, axis=1, keepdims=True)
    e = e / np.where(norms > 0, norms, 1.0)
    g = e @ projection(core, e.shape[1])
    return from_signal(core, (1.0 - weight) * identity + weight * g, identity)

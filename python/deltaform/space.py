"""`Space`: a vector algebra of fixed width with its codebook of atoms.

Vectors are numpy arrays: ``float32`` of shape ``(2*dim,)`` for fhrr (re-plane
then im-plane), ``(dim,)`` float32 for map, ``(dim/8,)`` uint8 for bsc
(bit-packed, component j is bit j%8 of byte j/8). Batches add a leading axis.
Every batch call releases the GIL and takes ``threads=`` (0 or None: all cores);
results are bit-identical whatever the thread count or SIMD path.
"""

from __future__ import annotations

import operator
from typing import Iterable, Sequence

import numpy as np

from deltaform import _core

__all__ = ["Space", "ALGEBRAS", "CODEBOOK_VERSION", "simd_path", "set_simd_path", "supported_simd_paths"]

ALGEBRAS = ("fhrr", "map", "bsc")
CODEBOOK_VERSION: int = _core.CODEBOOK_VERSION


def simd_path() -> str:
    """The SIMD kernel path in use: ``"scalar"``, ``"avx2"`` or ``"avx512"``.

    Chosen at import as the best the CPU supports; the environment variable
    ``DELTAFORM_SIMD`` (read at import) or :func:`set_simd_path` forces another.
    """
    return _core.simd_path()


def set_simd_path(name: str) -> None:
    """Force a SIMD path for this process (raises ValueError if unsupported here)."""
    _core.set_simd_path(name)


def supported_simd_paths() -> list[str]:
    return list(_core.supported_simd_paths())


def _int(value: int, what: str) -> int:
    """An integer argument; a float or other type is an error, never truncated."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {type(value).__name__}") from None


def _threads(threads: int | None) -> int:
    if threads is None:
        return 0
    threads = _int(threads, "threads")
    if threads < 0:
        raise ValueError(f"threads must be >= 0 (0 means all cores), got {threads}")
    if threads > 2**31 - 1:
        raise ValueError(f"threads must be at most {2**31 - 1}, got {threads}")
    return threads


def _count(value: int, what: str) -> int:
    """An int argument the core takes as int64 (a float is an error, not truncated)."""
    value = _int(value, what)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"{what} must fit in 64 bits, got {value}")
    return value


def _names(names: Iterable[str]) -> list[str]:
    if isinstance(names, (str, bytes)):
        raise TypeError(f"expected an iterable of atom names, got one {type(names).__name__} (use atom() for one name)")
    names = list(names)
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise TypeError(f"atom names are str; item {i} is {type(n).__name__}")
    return names


def _with_names(call, names: list[str], *args):
    """Runs a core call on names; a name that is not valid Unicode (a lone
    surrogate cannot be UTF-8 encoded) becomes a ValueError that names it."""
    try:
        return call(names, *args)
    except TypeError:
        for i, n in enumerate(names):
            try:
                n.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ValueError(f"atom name {i} ({n!r}) is not valid Unicode: {e.reason} at index {e.start}") from None
        raise


class Space:
    """A vector space: ``Space(dim=1024, algebra="fhrr", seed=0)``.

    Atom vectors are a pure function of ``(algebra, dim, seed, name)`` (names
    are NFC-normalised and case-folded), the same on every machine for a given
    :data:`CODEBOOK_VERSION`.
    """

    __slots__ = ("_core", "_grounding")

    def __init__(self, dim: int = 1024, algebra: str = "fhrr", seed: int = 0, grounding=None) -> None:
        if algebra not in ALGEBRAS:
            raise ValueError(f"unknown algebra {algebra!r}: expected one of {', '.join(ALGEBRAS)}")
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"dim must be an int, got {type(dim).__name__}")
        if not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self._core = _core.Space(algebra, int(dim), int(seed) & 0xFFFFFFFFFFFFFFFF)
        self._grounding = grounding
        if grounding is not None:
            from deltaform.grounding import Grounding

            if not isinstance(grounding, Grounding):
                raise TypeError(f"grounding must be a deltaform.grounding.Grounding, got {type(grounding).__name__}")
            grounding.install(self._core)

    def grounded(self, source, weight: float = 0.5, **options) -> "Space":
        """A new space like this one whose word atoms are grounded in ``source``
        (see :class:`deltaform.grounding.Grounding`)."""
        from deltaform.grounding import Grounding

        return Space(self.dim, self.algebra, self.seed, grounding=Grounding(source, weight, **options))

    @property
    def grounding(self):
        """The :class:`~deltaform.grounding.Grounding` of this space, or None for the plain codebook."""
        return self._grounding

    @property
    def grounding_fingerprint(self) -> str:
        """Identifies the grounding (empty for the plain codebook); memories record it."""
        return self._core.grounding

    # ------------------------------------------------------------ description
    @property
    def dim(self) -> int:
        return self._core.dim

    @property
    def algebra(self) -> str:
        return self._core.algebra

    @property
    def seed(self) -> int:
        return self._core.seed

    @property
    def width(self) -> int:
        """Length of a vector's last axis in numpy (2*dim, dim or dim/8)."""
        return self._core.width

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint8) if self.algebra == "bsc" else np.dtype(np.float32)

    @property
    def codebook_version(self) -> int:
        return CODEBOOK_VERSION

    def __repr__(self) -> str:
        g = f", grounding={self._grounding!r}" if self._grounding is not None else ""
        return f"Space(dim={self.dim}, algebra={self.algebra!r}, seed={self.seed}{g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and (self.dim, self.algebra, self.seed, self.grounding_fingerprint) == (
            other.dim, other.algebra, other.seed, other.grounding_fingerprint)

    def __hash__(self) -> int:
        return hash((self.dim, self.algebra, self.seed, self.grounding_fingerprint))

    # ------------------------------------------------------------ codebook
    def atom(self, name: str) -> np.ndarray:
        """The vector of one atom."""
        if not isinstance(name, str):
            raise TypeError(f"an atom name is a str, got {type(name).__name__}")
        return _with_names(self._core.atoms, [name])[0]

    def atoms(self, names: Iterable[str], threads: int | None = None) -> np.ndarray:
        """The vectors of several atoms, shape ``(n, width)``."""
        return _with_names(self._core.atoms, _names(names), _threads(threads))

    def atom_ids(self, names: Iterable[str]) -> np.ndarray:
        """Codebook ids (uint32) of atoms, for :meth:`encode_records`; generates unknown atoms."""
        names = list(names)
        for i, n in enumerate(names):
            if not isinstance(n, str):
                raise TypeError(f"atom names are str; item {i} is {type(n).__name__}")
        return self._core.atom_ids(names)

    def random(self, n: int, seed: int = 0, threads: int | None = None) -> np.ndarray:
        """``n`` random vectors of this space (deterministic for a seed), shape ``(n, width)``."""
        return self._core.random(_count(n, "random: n"), _int(seed, "random: seed") & 0xFFFFFFFFFFFFFFFF, _threads(threads))

    def complex_view(self, vectors: np.ndarray) -> np.ndarray:
        """fhrr vectors as complex64 phasors (a copy: the storage is planar)."""
        if self.algebra != "fhrr":
            raise ValueError("complex_view is for fhrr spaces")
        v = np.asarray(vectors)
        if v.shape[-1] != self.width:
            raise ValueError(f"expected vectors of {self.width} floats, got shape {v.shape}")
        return (v[..., : self.dim] + 1j * v[..., self.dim :]).astype(np.complex64)

    # ------------------------------------------------------------ algebra
    def bind(self, a: np.ndarray, b: np.ndarray, threads: int | None = None) -> np.ndarray:
        """``a ⊛ b`` row by row; a single vector broadcasts against a batch."""
        return self._core.bind(a, b, _threads(threads))

    def unbind(self, a: np.ndarray, b: np.ndarray, threads: int | None = None) -> np.ndarray:
        """``a ⊛ inverse(b)``: recovers x from ``bind(x, b)``."""
        return self._core.unbind(a, b, _threads(threads))

    def inverse(self, a: np.ndarray, threads: int | None = None) -> np.ndarray:
        """fhrr: the conjugate; map and bsc: the vector itself (self-inverse)."""
        return self._core.inverse(a, _threads(threads))

    def bundle(
        self, vectors: np.ndarray, weights: Sequence[float] | np.ndarray | None = None, threads: int | None = None
    ) -> np.ndarray:
        """Weighted superposition: ``(n, width) -> (width,)`` or ``(g, n, width) -> (g, width)``.

        fhrr/map: the weighted sum, not re-normalised. bsc: weighted majority,
        ties broken by a fixed reserved vector.
        """
        if weights is not None and not (isinstance(weights, np.ndarray) and weights.dtype == np.float32):
            weights = np.ascontiguousarray(weights, dtype=np.float32)
        return self._core.bundle(vectors, weights, _threads(threads))

    def permute(self, vectors: np.ndarray, k: int = 1, threads: int | None = None) -> np.ndarray:
        """Cyclic shift of the components by ``k`` (``np.roll`` semantics); ``-k`` undoes it."""
        # reduced here (np.roll semantics), so any Python int works
        return self._core.permute(vectors, _int(k, "permute: k") % self.dim, _threads(threads))

    def similarity(self, a: np.ndarray, b: np.ndarray, threads: int | None = None) -> float | np.ndarray:
        """fhrr: Re⟨a, b̄⟩/(‖a‖‖b‖); map: cosine; bsc: 1 − 2·Hamming/dim. Row by row."""
        return self._core.similarity(a, b, _threads(threads))

    def topk(
        self,
        queries: np.ndarray,
        matrix: np.ndarray,
        k: int = 10,
        mask: np.ndarray | None = None,
        normalize: bool = True,
        threads: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact top-k rows of ``matrix`` by similarity to each query.

        Returns ``(indices, scores)`` of shape ``(k,)`` for one query or
        ``(q, k)`` for a batch, best first, ties by lower index. ``mask`` (bool,
        one per row) restricts the search to allowed rows; missing results are
        index -1 with score -inf. ``normalize=False`` ranks by raw inner product
        (fhrr/map).
        """
        return self._core.topk(queries, matrix, _count(k, "topk: k"), mask, bool(normalize), _threads(threads))

    # ------------------------------------------------------------ formulas
    def encode(self, formula, registry=None) -> np.ndarray:
        """The vector of one formula (text or syntax tree), at the scale of an atom."""
        from deltaform.encoding import encode

        return encode(self, formula, registry)

    def encode_many(self, items, registry=None, threads: int | None = None, errors: str = "raise",
                    out: np.ndarray | None = None) -> np.ndarray:
        """One vector per formula, shape ``(n, width)``, into ``out`` if given; see
        :func:`deltaform.encoding.encode_many`."""
        from deltaform.encoding import encode_many

        return encode_many(self, items, registry, threads, errors, out)

    def encode_file(self, path, registry=None, threads: int | None = None, strict: bool = False):
        """Every statement of a ``.df`` file; see :func:`deltaform.encoding.encode_file`."""
        from deltaform.encoding import encode_file

        return encode_file(self, path, registry, threads, strict)

    def encode_records(self, roles, fillers, weights=None, threads: int | None = None,
                       out: np.ndarray | None = None) -> np.ndarray:
        """Role–filler records from ``(n, p)`` tables of codebook ids, into ``out`` if given; see
        :func:`deltaform.encoding.encode_records`."""
        from deltaform.encoding import encode_records

        return encode_records(self, roles, fillers, weights, threads, out)

    # ------------------------------------------------------------ decoding
    def decode(self, vector: np.ndarray, candidates, **options):
        """The formula in one vector, with confidences; see :func:`deltaform.decoding.decode`."""
        from deltaform.decoding import decode

        return decode(self, vector, candidates, **options)

    def decode_many(self, vectors: np.ndarray, candidates, **options) -> list:
        """One :class:`~deltaform.decoding.Decoded` per vector; see :func:`deltaform.decoding.decode_many`."""
        from deltaform.decoding import decode_many

        return decode_many(self, vectors, candidates, **options)

    def query(self, vector: np.ndarray, candidates, role: str | None = None, step: int | None = None, **options):
        """What fills ``role`` (or flow stage ``step``) in a vector; see :func:`deltaform.decoding.query`."""
        from deltaform.decoding import query

        return query(self, vector, candidates, role=role, step=step, **options)

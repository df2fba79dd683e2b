"""Clean-up memory: a growable set of candidate vectors, searched exactly or by HNSW.

A :class:`Cleanup` holds what a noisy vector may be cleaned up to: atoms of a
vocabulary (names → codebook vectors), stored Δ-formulas (address → vector),
or any other labelled vectors. Each candidate remembers the syntax-tree leaf it
stands for (``Atom``, ``Ref``, ``Glyph`` or ``Var``), so a decoder can put it
straight into a formula.

Adding is incremental: rows go into buffers that double when full (amortised
O(1) per row, no rebuild), and an HNSW index, once built, takes new rows as
they come.

Search
------
* :meth:`Cleanup.search` — the top-k by similarity, exact through the core's
  ``Space.topk`` or approximate through hnswlib for large sets.
* :meth:`Cleanup.scan` — what the decoder uses: the top-m by *absolute*
  similarity (a term may enter a bundle with sign -1) for a batch of real-view
  queries, in one matrix product (BLAS) when exact.

The switch from exact to HNSW happens at ``hnsw_threshold`` candidates
(``backend="auto"``); ``benchmarks/cleanup_switch.py`` measures where HNSW
starts to pay off on this kind of query (see :data:`DEFAULT_HNSW_THRESHOLD`).
"""

from __future__ import annotations

import threading
from typing import Iterable, Mapping, Sequence, Union

import numpy as np

from deltaform import _core, ast
from deltaform.decoding.views import RealView

__all__ = ["Cleanup", "Leaf", "DEFAULT_HNSW_THRESHOLD", "needs_quotes"]

Leaf = Union[ast.Atom, ast.Ref, ast.Glyph, ast.Var]

#: Candidate count from which ``backend="auto"`` searches by HNSW (benchmarks/cleanup_switch.py).
DEFAULT_HNSW_THRESHOLD = 200_000

_VAR_PREFIX = "\x00var:"


def needs_quotes(name: str) -> bool:
    """True when ``name`` is not a bare word or phrase of the formula language and must be quoted."""
    if not name or name != name.strip() or "  " in name:
        return True
    for word in name.split(" "):
        if not word[0].isalpha() or word[0] in "Δ":
            return True
        if any(not (ch.isalnum() or ch in "-'") for ch in word):
            return True
    return name.casefold() == "schema"


class _Rows:
    """A 2-D buffer that grows by doubling; ``view`` is the filled part."""

    __slots__ = ("buf", "n")

    def __init__(self, width: int, dtype) -> None:
        self.buf = np.empty((0, width), dtype=dtype)
        self.n = 0

    def append(self, rows: np.ndarray) -> None:
        need = self.n + rows.shape[0]
        if need > self.buf.shape[0]:
            grown = np.empty((max(need, 2 * self.buf.shape[0], 16), self.buf.shape[1]), dtype=self.buf.dtype)
            grown[: self.n] = self.buf[: self.n]
            self.buf = grown
        self.buf[self.n : need] = rows
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.buf[: self.n]


class _Values:
    """A 1-D growable float buffer."""

    __slots__ = ("buf", "n")

    def __init__(self) -> None:
        self.buf = np.empty(0, dtype=np.float32)
        self.n = 0

    def append(self, values: np.ndarray) -> None:
        need = self.n + values.shape[0]
        if need > self.buf.shape[0]:
            grown = np.empty(max(need, 2 * self.buf.shape[0], 16), dtype=np.float32)
            grown[: self.n] = self.buf[: self.n]
            self.buf = grown
        self.buf[self.n : need] = values
        self.n = need

    @property
    def view(self) -> np.ndarray:
        return self.buf[: self.n]


class Cleanup:
    """A set of labelled candidate vectors of one space.

    ``Cleanup(space, ["вода", "огонь"])`` starts with two atoms. ``backend``:
    ``"exact"`` (always the full product), ``"hnsw"`` (always the index) or
    ``"auto"`` (the index from ``hnsw_threshold`` candidates on).
    """

    def __init__(
        self,
        space,
        atoms: Iterable[str] | None = None,
        *,
        backend: str = "auto",
        hnsw_threshold: int = DEFAULT_HNSW_THRESHOLD,
        hnsw_m: int = 32,
        hnsw_ef_construction: int = 200,
        hnsw_ef: int = 256,
    ) -> None:
        if backend not in ("auto", "exact", "hnsw"):
            raise ValueError(f"backend must be 'auto', 'exact' or 'hnsw', got {backend!r}")
        self.space = space
        self.view = RealView(space)
        self.backend = backend
        self.hnsw_threshold = int(hnsw_threshold)
        self._hnsw_params = (int(hnsw_m), int(hnsw_ef_construction), int(hnsw_ef))
        self._storage = _Rows(space.width, space.dtype)
        # For fhrr and map the real view is the storage; bsc keeps a bipolar copy for arithmetic.
        self._real = _Rows(self.view.width, np.float32) if space.algebra == "bsc" else self._storage
        self._norms = _Values()
        self._leaves: list[Leaf] = []
        self._index: dict[tuple[str, str], int] = {}
        self._hnsw = None
        self._hnsw_count = 0
        self._lock = threading.RLock()
        if atoms is not None:
            self.add_atoms(atoms)

    # ------------------------------------------------------------ contents
    def __len__(self) -> int:
        return self._storage.n

    def __repr__(self) -> str:
        return f"Cleanup({self.space!r}, {len(self)} candidates, backend={self.backend!r})"

    def __contains__(self, item: object) -> bool:
        return self._key(item) in self._index if isinstance(item, (str, ast.Atom, ast.Ref, ast.Glyph, ast.Var)) else False

    def index(self, item: str | Leaf) -> int:
        """The row of a candidate: an atom name, a Δ-address or glyph, or a leaf node."""
        key = self._key(item)
        if key not in self._index:
            raise KeyError(f"{item!r} is not a candidate of this clean-up memory")
        return self._index[key]

    def leaf(self, i: int) -> Leaf:
        """The syntax-tree leaf that row ``i`` stands for."""
        return self._leaves[i]

    def leaves(self, rows: Iterable[int]) -> list[Leaf]:
        return [self._leaves[int(i)] for i in rows]

    def is_formula(self, i: int) -> bool:
        """True when row ``i`` is a stored formula (a Ref or Glyph), which a decoder may decode further."""
        return isinstance(self._leaves[i], (ast.Ref, ast.Glyph))

    @property
    def vectors(self) -> np.ndarray:
        """The candidates in storage format, ``(n, width)`` (read-only view)."""
        v = self._storage.view
        v.flags.writeable = False
        return v

    @property
    def real_vectors(self) -> np.ndarray:
        """The candidates in the real view, ``(n, D)``."""
        return self._real.view

    @property
    def norms(self) -> np.ndarray:
        """Euclidean norm of each candidate's real view."""
        return self._norms.view

    @staticmethod
    def _key(item: object) -> tuple[str, str]:
        if isinstance(item, ast.Atom):
            return ("atom", item.key)
        if isinstance(item, ast.Var):
            return ("atom", _VAR_PREFIX + item.name)
        if isinstance(item, ast.Ref):
            if item.args:
                raise ValueError(f"a candidate formula is stored by address; {ast.to_text(item)} applies one")
            return ("formula", item.address)
        if isinstance(item, ast.Glyph):
            return ("formula", item.symbol)
        if isinstance(item, str):
            if item.startswith("Δ") or item.startswith("@"):
                return ("formula", "Δ" + item[1:])
            if len(item) == 1 and not item.isalnum():
                return ("formula", item)
            return ("atom", ast.normalize_name(item))
        raise TypeError(f"expected an atom name, an address or a leaf node, got {type(item).__name__}")

    # ------------------------------------------------------------ adding
    def add_atoms(self, names: Iterable[str], threads: int | None = None) -> np.ndarray:
        """Adds codebook atoms by name (already present ones are skipped); returns their rows."""
        names = list(names)
        for i, n in enumerate(names):
            if not isinstance(n, str):
                raise TypeError(f"atom names are str; item {i} is {type(n).__name__}")
            if not n.strip():
                raise ValueError(f"atom name {i} is empty")
        leaves = [ast.Atom(n, needs_quotes(n)) for n in names]
        return self.add(leaves, None, threads=threads)

    def add_formulas(
        self, formulas: Mapping[str, np.ndarray] | Sequence[str], vectors: np.ndarray | None = None
    ) -> np.ndarray:
        """Adds stored formulas: ``{address: vector}`` or addresses with a ``(n, width)`` array.

        An address is ``Δ…`` (``@…`` is read as ``Δ…``) or a glyph. Adding an
        address again replaces its vector.
        """
        if isinstance(formulas, Mapping):
            addresses = list(formulas.keys())
            vectors = np.stack([np.asarray(formulas[a]) for a in addresses]) if addresses else None
        else:
            addresses = list(formulas)
            if vectors is None:
                raise ValueError("add_formulas: give the vectors with the addresses")
        leaves: list[Leaf] = []
        for a in addresses:
            if not isinstance(a, str) or not a:
                raise TypeError(f"a formula address is a non-empty str, got {a!r}")
            if a[0] in "Δ@":
                leaves.append(ast.Ref("Δ" + a[1:]))
            elif len(a) == 1:
                leaves.append(ast.Glyph(a))
            else:
                raise ValueError(f"a formula address starts with Δ (or @), or is one glyph; got {a!r}")
        return self.add(leaves, vectors)

    def add(self, leaves: Sequence[Leaf], vectors: np.ndarray | None = None, threads: int | None = None) -> np.ndarray:
        """Adds leaves with their vectors (atoms and variables may leave ``vectors`` None: the codebook gives them).

        Returns the rows. An atom already present is kept as it is; a formula
        already present gets the new vector.
        """
        leaves = list(leaves)
        if not leaves:
            return np.empty(0, dtype=np.int64)
        for i, leaf in enumerate(leaves):
            if not isinstance(leaf, (ast.Atom, ast.Ref, ast.Glyph, ast.Var)):
                raise TypeError(f"candidate {i}: expected an Atom, Ref, Glyph or Var node, got {type(leaf).__name__}")
        if vectors is None:
            if any(isinstance(x, (ast.Ref, ast.Glyph)) for x in leaves):
                raise ValueError("stored formulas need their vectors")
            names = [x.name if isinstance(x, ast.Atom) else _VAR_PREFIX + x.name for x in leaves]
            vectors = self.space.atoms(names, threads=threads)
        vectors = self._check_vectors(vectors, len(leaves))
        with self._lock:
            rows = np.empty(len(leaves), dtype=np.int64)
            fresh: list[int] = []
            for i, leaf in enumerate(leaves):
                key = self._key(leaf)
                row = self._index.get(key)
                if row is None:
                    row = self._storage.n + len(fresh)
                    self._index[key] = row
                    fresh.append(i)
                    self._leaves.append(leaf)
                elif key[0] == "formula":
                    self._replace(row, vectors[i])
                rows[i] = row
            if fresh:
                new = vectors[fresh]
                self._storage.append(new)
                real = self.view.real(new)
                if self._real is not self._storage:
                    self._real.append(real)
                self._norms.append(_row_norms(real))
                self._grow_index()
        return rows

    def _check_vectors(self, vectors: np.ndarray, n: int) -> np.ndarray:
        v = np.asarray(vectors)
        if v.ndim == 1:
            v = v[None, :]
        if v.ndim != 2 or v.shape[0] != n or v.shape[1] != self.space.width:
            raise ValueError(
                f"expected {n} vector(s) of width {self.space.width} for {self.space!r}, got shape {np.shape(vectors)}"
            )
        v = np.ascontiguousarray(v, dtype=self.space.dtype)
        if v.dtype.kind == "f" and not np.all(np.isfinite(v)):
            raise ValueError("candidate vectors must be finite (found NaN or infinity)")
        return v

    def _replace(self, row: int, vector: np.ndarray) -> None:
        self._storage.buf[row] = vector
        real = self.view.real(vector[None, :])
        if self._real is not self._storage:
            self._real.buf[row] = real[0]
        self._norms.buf[row] = float(np.linalg.norm(real.astype(np.float64)))
        if self._hnsw is not None and row < self._hnsw_count:
            self._hnsw.add_items(real, np.array([row]))

    # ------------------------------------------------------------ HNSW
    def uses_hnsw(self) -> bool:
        """Whether searches go through the HNSW index now."""
        return self.backend == "hnsw" or (self.backend == "auto" and len(self) >= self.hnsw_threshold)

    def _grow_index(self) -> None:
        if not self.uses_hnsw():
            return
        import hnswlib

        n = len(self)
        m, ef_construction, ef = self._hnsw_params
        if self._hnsw is None:
            self._hnsw = hnswlib.Index(space="cosine", dim=self.view.width)
            self._hnsw.init_index(max_elements=max(n, 1024), ef_construction=ef_construction, M=m)
            self._hnsw.set_ef(ef)
        if n > self._hnsw.get_max_elements():
            self._hnsw.resize_index(max(n, 2 * self._hnsw.get_max_elements()))
        if n > self._hnsw_count:
            self._hnsw.add_items(self._real.view[self._hnsw_count : n], np.arange(self._hnsw_count, n))
            self._hnsw_count = n

    # ------------------------------------------------------------ search
    def search(self, queries: np.ndarray, k: int = 1, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` most similar candidates per query, best first: ``(rows, similarities)``.

        ``queries`` are storage-format vectors, ``(width,)`` or ``(q, width)``.
        Exact search is the core's ``Space.topk``; rows past the set's size are
        -1 with similarity -inf.
        """
        q = np.asarray(queries)
        single = q.ndim == 1
        if q.shape[-1:] != (self.space.width,) or q.ndim not in (1, 2):
            raise ValueError(f"queries must have shape (width,) or (q, width) with width {self.space.width}, got {q.shape}")
        if len(self) == 0:
            shape = (k,) if single else (q.shape[0], k)
            return np.full(shape, -1, dtype=np.int64), np.full(shape, -np.inf, dtype=np.float32)
        if self.uses_hnsw():
            rows, sims = self._hnsw_top(self.view.real(q.reshape(-1, q.shape[-1])), k, threads)
            return (rows[0], sims[0]) if single else (rows, sims)
        q = np.ascontiguousarray(q, dtype=self.space.dtype)
        rows, sims = self.space.topk(q, self._storage.view, k=k, threads=threads)
        return rows.astype(np.int64), sims

    def lookup(self, query: np.ndarray, k: int = 1) -> list[tuple[Leaf, float]]:
        """The ``k`` best candidates of one query as ``(leaf, similarity)`` pairs."""
        rows, sims = self.search(np.asarray(query), k)
        return [(self._leaves[int(r)], float(s)) for r, s in zip(rows, sims) if r >= 0]

    def _hnsw_top(self, real: np.ndarray, k: int, threads: int | None) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            self._grow_index()
            kk = min(k, len(self))
            self._hnsw.set_ef(max(self._hnsw_params[2], kk))
            labels, dist = self._hnsw.knn_query(real, k=kk, num_threads=threads or -1)
        rows = np.full((real.shape[0], k), -1, dtype=np.int64)
        sims = np.full((real.shape[0], k), -np.inf, dtype=np.float32)
        rows[:, :kk] = labels
        sims[:, :kk] = 1.0 - dist
        return rows, sims

    def scan(
        self,
        real_queries: np.ndarray,
        m: int,
        exclude: Sequence[Sequence[int]] | None = None,
        threads: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``m`` candidates per real-view query by absolute cosine similarity.

        Returns ``(rows, sims)`` of shape ``(q, m)``, sims signed, ordered by
        ``|sim|`` descending; ``exclude[i]`` lists rows query i must not
        return. Missing results (fewer than m candidates) are row -1, sim 0.
        """
        q = np.ascontiguousarray(real_queries, dtype=np.float32)
        nq, n = q.shape[0], len(self)
        rows = np.full((nq, m), -1, dtype=np.int64)
        sims = np.zeros((nq, m), dtype=np.float32)
        if n == 0 or nq == 0 or m == 0:
            return rows, sims
        qn = np.linalg.norm(q, axis=1)
        qn[qn == 0] = 1.0
        if self.uses_hnsw():
            extra = max((len(e) for e in exclude), default=0) if exclude is not None else 0
            kk = min(n, m + extra)
            r_pos, s_pos = self._hnsw_top(q, kk, threads)
            r_neg, s_neg = self._hnsw_top(-q, kk, threads)
            cand = np.concatenate([r_pos, r_neg], axis=1)
            csim = np.concatenate([s_pos, -s_neg], axis=1)
            csim[cand < 0] = 0.0
            if exclude is not None:
                for i, ex in enumerate(exclude):
                    if len(ex):
                        csim[i, np.isin(cand[i], ex)] = 0.0
                        cand[i, np.isin(cand[i], ex)] = -1
            order = np.argsort(-np.abs(csim), axis=1, kind="stable")[:, :m]
            take = min(m, order.shape[1])
            rows[:, :take] = np.take_along_axis(cand, order, axis=1)[:, :take]
            sims[:, :take] = np.take_along_axis(csim, order, axis=1)[:, :take]
            sims[rows < 0] = 0.0
            rows[sims == 0.0] = -1
            return rows, sims
        # The product is BLAS; picking the top m of each row by |cosine| (scaling, exclusions,
        # ordering) is one pass in the core, with the GIL released. Queries go in chunks that keep
        # the score matrix near 64 MB.
        qscale = (1.0 / qn).astype(np.float32)
        xscale = (1.0 / np.maximum(self._norms.view, 1e-30)).astype(np.float32)
        ex_off = ex_rows = None
        if exclude is not None and any(len(e) for e in exclude):
            lengths = np.array([len(e) for e in exclude], dtype=np.int64)
            ex_off = np.zeros(nq + 1, dtype=np.int64)
            np.cumsum(lengths, out=ex_off[1:])
            ex_rows = np.concatenate([np.asarray(e, dtype=np.int64).reshape(-1) for e in exclude])
        take = min(m, n)
        chunk = max(1, (16 << 20) // n)
        matrix = self._real.view
        for lo in range(0, nq, chunk):
            hi = min(nq, lo + chunk)
            scores = q[lo:hi] @ matrix.T
            off = None if ex_off is None else ex_off[lo : hi + 1] - ex_off[lo]
            ex = None if ex_off is None else ex_rows[ex_off[lo] : ex_off[hi]]
            r, s = _core.decode_select_abs(scores, qscale[lo:hi], xscale, take, off, ex, threads=_threads(threads))
            rows[lo:hi, :take] = r
            sims[lo:hi, :take] = s
        return rows, sims


def _threads(threads: int | None) -> int:
    """The core's thread count: None and 0 both mean all cores."""
    return 0 if threads is None else int(threads)


def _row_norms(rows: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Euclidean norm of each row, summed in float64, a chunk of rows at a time (a float64 copy of a
    large batch would double its memory)."""
    out = np.empty(rows.shape[0], dtype=np.float32)
    for lo in range(0, rows.shape[0], chunk):
        part = rows[lo : lo + chunk].astype(np.float64)
        out[lo : lo + chunk] = np.sqrt(np.einsum("nd,nd->n", part, part))
    return out

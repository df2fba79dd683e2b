"""Nearest-neighbour search over a memory: exact SIMD below a size threshold, hnswlib above it.

Filters become one boolean mask over the rows (replaced versions are masked out
too). The exact path hands the mask to ``space.topk`` (or, when few rows pass,
searches a gathered copy of just those rows). The hnswlib path over-fetches in
proportion to the rows masked out, drops what the mask refuses and merges in the
exact top-k of the not yet indexed tail; hnswlib keeps full float32 vectors, so
its similarities are already exact and need no second scoring. A query that
still lacks results falls back to the exact path. No Python runs per candidate.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from deltaform.ast import normalize_name
from deltaform.memory.index import VectorIndex, to_index_space
from deltaform.memory.store import Store

__all__ = ["Searcher", "Filters", "DEFAULT_EXACT_THRESHOLD"]

# Below this many rows exact search is as fast as hnswlib: benchmarks/report_memory.py
# measured the switch at about 2 000 rows for fhrr dim 256 (exact 0.27 ms vs hnswlib
# 0.18 ms p50 at 2 000 rows, 1.2 ms vs 0.4 ms at 10 000) on a shared 2-core machine.
# Wider vectors move it down, bit-packed bsc up; set Memory.exact_threshold to taste.
DEFAULT_EXACT_THRESHOLD = 2_000
GATHER_FRACTION = 0.05        # when fewer rows than this pass the mask, search a gathered copy
MAX_OVERFETCH = 4096


@dataclass(frozen=True)
class Filters:
    """Restrict a search to formulas using a schema, from a source, or containing atoms."""
    schema: tuple[str, ...] = ()        # any of these schemas
    source: str | None = None           # exact path, or a glob pattern (*, ?, [)
    atoms: tuple[str, ...] = ()         # all of these atoms (written in the formula or reached through a reference)
    roles: tuple[str, ...] = ()         # all of these roles

    @classmethod
    def of(cls, schema: str | Sequence[str] | None = None, source: str | None = None,
           atoms: str | Sequence[str] | None = None, roles: str | Sequence[str] | None = None) -> "Filters":
        if schema is None and source is None and atoms is None and roles is None:
            return _NO_FILTERS

        def names(x):
            if x is None:
                return ()
            if isinstance(x, str):
                x = [x]
            return tuple(sorted({normalize_name(n) for n in x}))
        return cls(schema=names(schema), source=source, atoms=names(atoms), roles=names(roles))

    def __bool__(self) -> bool:  # noqa: D105
        return bool(self.schema or self.source is not None or self.atoms or self.roles)


_NO_FILTERS = Filters()


class Searcher:
    """Search the committed rows of a store, with its index as an accelerator."""

    def __init__(self, store: Store, index: VectorIndex, exact_threshold: int = DEFAULT_EXACT_THRESHOLD,
                 ef: int = 64, threads: int = 0) -> None:
        self.store = store
        self.index = index
        self.exact_threshold = exact_threshold
        self.ef = ef
        self.threads = threads
        self.tail_limit = max(exact_threshold // 2, 1024)
        self._masks: dict[tuple, np.ndarray | None] = {}
        self._masks_lock = threading.Lock()
        self._index_lock = threading.Lock()   # one thread loads / builds the index at a time

    # ------------------------------------------------------------ masks
    def mask(self, filters: Filters, count: int, replaced: int) -> np.ndarray | None:
        """Rows allowed: current versions that pass the filters (None: all rows)."""
        key = (filters, count, replaced)
        with self._masks_lock:
            if key in self._masks:
                return self._masks[key]
        cat = self.store.catalog
        mask: np.ndarray | None = None
        if replaced:
            mask = np.ones(count, dtype=bool)
            dead = np.fromiter(cat.dead_rows(), dtype=np.int64)
            mask[dead[dead < count]] = False

        def rows_mask(rows) -> np.ndarray:
            keep = np.zeros(count, dtype=bool)
            r = np.asarray(rows, dtype=np.int64)
            keep[r[r < count]] = True
            return keep

        def restrict(keep: np.ndarray) -> None:
            nonlocal mask
            mask = keep if mask is None else (mask & keep)

        if filters.schema:   # any of
            any_of = np.zeros(count, dtype=bool)
            for s in filters.schema:
                any_of |= rows_mask(cat.term_rows(f"s:{s}"))
            restrict(any_of)
        for a in filters.atoms:  # all of
            restrict(rows_mask(cat.term_rows(f"a:{a}")))
        for r in filters.roles:
            restrict(rows_mask(cat.term_rows(f"r:{r}")))
        if filters.source is not None:
            restrict(rows_mask(cat.rows_from_source(filters.source)))
        with self._masks_lock:
            if len(self._masks) > 16:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    # ------------------------------------------------------------ search
    def search(self, queries: np.ndarray, k: int, filters: Filters = Filters(), ef: int | None = None,
               exact: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and similarities, each ``(q, k)``, best first; -1 / -inf where fewer rows qualify."""
        space = self.store.space
        q = queries.shape[0]
        count, replaced = self.store.state()
        X = self.store.matrix(count)
        mask = self.mask(filters, count, replaced) if (filters or replaced) else None
        allowed = count if mask is None else int(mask.sum())
        kk = min(k, allowed)
        rows = np.full((q, k), -1, dtype=np.int64) if kk < k else None
        sims = np.full((q, k), -np.inf, dtype=np.float32) if kk < k else None
        if kk == 0:
            return rows, sims
        use_index = (not exact) and (exact is False or allowed > self.exact_threshold)
        if use_index:
            r, s = self._approximate(queries, X, kk, mask, allowed, ef or self.ef)
        else:
            r, s = self._exact(queries, X, kk, mask, allowed)
        if kk == k:
            return r, s
        rows[:, :kk], sims[:, :kk] = r, s
        return rows, sims

    def search_plain(self, queries: np.ndarray, k: int, ef: int | None, exact: bool | None
                     ) -> tuple[np.ndarray, np.ndarray] | None:
        """The lean path of an unfiltered query: hnswlib alone, when nothing is replaced, the
        index covers every committed row and search would use it; None when another path must answer.

        It skips the masks, the matrix map and the tail merge, so a single query
        costs little more than hnswlib's own call.
        """
        if exact:
            return None
        count, replaced = self.store.state()
        if replaced or (exact is None and count <= self.exact_threshold):
            return None
        return self.index.knn_covering(queries, k, ef or self.ef, count)

    def _exact(self, Q: np.ndarray, X: np.ndarray, k: int, mask: np.ndarray | None, allowed: int,
               offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
        space, t = self.store.space, self.threads
        if mask is None:
            r, s = space.topk(Q, X, k, threads=t)
        elif allowed < GATHER_FRACTION * len(X):
            # The kernel reads every row even when masked out; a copy of the few allowed rows is cheaper.
            keep = np.flatnonzero(mask)
            r, s = space.topk(Q, np.ascontiguousarray(X[keep]), k, threads=t)
            r = np.where(r >= 0, keep[np.maximum(r, 0)], -1)
        else:
            r, s = space.topk(Q, X, k, mask=mask, threads=t)
        return r + offset * (r >= 0), s

    def _ensure_index(self, X: np.ndarray, count: int) -> None:
        index = self.index
        if index.loaded and count - index.count <= self.tail_limit:
            return
        with self._index_lock:
            if not index.loaded and index.load():
                pass
            if count - index.count > self.tail_limit or not index.loaded:
                index.catch_up(X, count)

    def _approximate(self, Q: np.ndarray, X: np.ndarray, k: int, mask: np.ndarray | None, allowed: int,
                     ef: int) -> tuple[np.ndarray, np.ndarray]:
        space = self.store.space
        count = len(X)
        self._ensure_index(X, count)
        IQ = to_index_space(space.algebra, space.dim, Q)
        fetch = k if mask is None else min(MAX_OVERFETCH, math.ceil(k * count / max(allowed, 1) * 1.3) + 8)
        try:
            labels, sims, covered = self.index.knn(IQ, fetch, ef)
        except RuntimeError:
            # hnswlib found fewer than `fetch` neighbours (tiny graph, small ef): answer exactly.
            return self._exact(Q, X, k, mask, allowed)
        # hnswlib keeps the vectors themselves, so its similarities are exact (float32, cosine /
        # bsc dot): candidates need no second scoring, only the mask and a merge with the tail.
        if mask is None and covered == count and labels.shape[1] == k:
            return labels, sims
        if mask is not None and labels.size:
            sims = np.where(mask[labels], sims, np.float32(-np.inf))
        if covered < count:
            tail_mask = None if mask is None else np.ascontiguousarray(mask[covered:])
            tail_allowed = count - covered if tail_mask is None else int(tail_mask.sum())
            if tail_allowed:
                tr, ts = self._exact(Q, X[covered:], min(k, tail_allowed), tail_mask, tail_allowed, offset=covered)
                labels = np.concatenate([labels, tr], axis=1)
                sims = np.concatenate([sims, ts], axis=1)
        r, s = _best(labels, sims, k)
        short = r[:, -1] < 0
        if short.any():
            # The index and tail gave fewer than k allowed rows: answer those queries exactly.
            er, es = self._exact(np.ascontiguousarray(Q[short]), X, k, mask, allowed)
            r[short], s[short] = er, es
        return r, s


def _best(rows: np.ndarray, sims: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (row, similarity) per query, ties to the lower row as in topk; -1 / -inf where missing."""
    nq, c = rows.shape
    order = np.lexsort((rows, -sims), axis=-1)[:, :k]
    r = np.take_along_axis(rows, order, axis=1)
    s = np.take_along_axis(sims, order, axis=1).astype(np.float32, copy=False)
    if c < k:
        r = np.concatenate([r, np.full((nq, k - c), -1, np.int64)], axis=1)
        s = np.concatenate([s, np.full((nq, k - c), -np.inf, np.float32)], axis=1)
    r = np.where(np.isfinite(s), r, -1)
    return r, s

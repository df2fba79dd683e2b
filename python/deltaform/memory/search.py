"""Nearest-neighbour search over a memory: exact SIMD below a size threshold, hnswlib above it.

Filters become one boolean mask over the rows (replaced versions are masked out
too). The exact path hands the mask to ``space.topk`` (or, when few rows pass,
searches a gathered copy of just those rows). The hnswlib path over-fetches in
proportion to the rows masked out, drops what the mask refuses, adds the exact
top-k of the not yet indexed tail, and re-ranks the candidates exactly; a query
that still lacks results falls back to the exact path. No Python runs per candidate.
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

# Below this many rows exact search is as fast as hnswlib (measured by
# benchmarks/report_memory.py for fhrr dim 256 on this project's reference machine).
DEFAULT_EXACT_THRESHOLD = 20_000
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
        def names(x):
            if x is None:
                return ()
            if isinstance(x, str):
                x = [x]
            return tuple(sorted({normalize_name(n) for n in x}))
        return cls(schema=names(schema), source=source, atoms=names(atoms), roles=names(roles))

    def __bool__(self) -> bool:
        return bool(self.schema or self.source is not None or self.atoms or self.roles)


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

        def restrict(rows: list[int]) -> None:
            nonlocal mask
            keep = np.zeros(count, dtype=bool)
            r = np.asarray(rows, dtype=np.int64)
            keep[r[r < count]] = True
            mask = keep if mask is None else (mask & keep)

        if filters.schema:
            restrict(cat.rows_with_terms([f"s:{s}" for s in filters.schema], match_all=False))
        if filters.atoms:
            restrict(cat.rows_with_terms([f"a:{a}" for a in filters.atoms], match_all=True))
        if filters.roles:
            restrict(cat.rows_with_terms([f"r:{r}" for r in filters.roles], match_all=True))
        if filters.source is not None:
            restrict(cat.rows_from_source(filters.source))
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
        mask = self.mask(filters, count, replaced)
        allowed = count if mask is None else int(mask.sum())
        rows = np.full((q, k), -1, dtype=np.int64)
        sims = np.full((q, k), -np.inf, dtype=np.float32)
        kk = min(k, allowed)
        if kk == 0:
            return rows, sims
        use_index = (not exact) and (exact is False or allowed > self.exact_threshold)
        if use_index:
            r, s = self._approximate(queries, X, kk, mask, allowed, ef or self.ef)
        else:
            r, s = self._exact(queries, X, kk, mask, allowed)
        rows[:, :kk], sims[:, :kk] = r, s
        return rows, sims

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
        nq = len(Q)
        IQ = to_index_space(space.algebra, space.dim, Q)
        fetch = k if mask is None else min(MAX_OVERFETCH, math.ceil(k * count / max(allowed, 1) * 1.3) + 8)
        try:
            labels, _, covered = self.index.knn(IQ, fetch, ef)
        except RuntimeError:
            # hnswlib found fewer than `fetch` neighbours (tiny graph, small ef): answer exactly.
            return self._exact(Q, X, k, mask, allowed)
        # Candidates: what the index found (and the mask allows) plus the exact top-k of the tail.
        if mask is not None and labels.size:
            labels = np.where(mask[labels], labels, -1)
        parts = [labels]
        if covered < count:
            tail_mask = None if mask is None else np.ascontiguousarray(mask[covered:])
            tail_allowed = count - covered if tail_mask is None else int(tail_mask.sum())
            if tail_allowed:
                tr, _ = self._exact(Q, X[covered:], min(k, tail_allowed), tail_mask, tail_allowed, offset=covered)
                parts.append(tr)
        cand = np.concatenate(parts, axis=1) if len(parts) > 1 else labels
        r, s = self._rerank(Q, X, cand, k)
        short = (r[:, -1] < 0) if r.shape[1] else np.zeros(nq, bool)
        if short.any():
            # The index and tail gave fewer than k allowed rows: answer those queries exactly.
            er, es = self._exact(np.ascontiguousarray(Q[short]), X, k, mask, allowed)
            r[short], s[short] = er, es
        return r, s

    def _rerank(self, Q: np.ndarray, X: np.ndarray, cand: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact similarities of the candidate rows; the best k per query (-1 where missing)."""
        space = self.store.space
        nq, c = cand.shape
        valid = cand >= 0
        safe = np.where(valid, cand, 0)
        G = X[safe.ravel()].reshape(nq, c, -1)
        if space.algebra == "bsc":
            sims = np.asarray(space.similarity(np.repeat(Q, c, axis=0), G.reshape(nq * c, -1)),
                              dtype=np.float32).reshape(nq, c)
        else:
            dots = np.einsum("qcw,qw->qc", G, Q, dtype=np.float32)
            norms = np.sqrt(np.einsum("qcw,qcw->qc", G, G, dtype=np.float32)) * np.linalg.norm(Q, axis=1)[:, None]
            sims = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
        sims = np.where(valid, sims, -np.inf).astype(np.float32)
        # Index and tail never overlap, so no row comes twice; ties go to the lower row, as in topk.
        order = np.lexsort((cand, -sims), axis=-1)
        cand_sorted = np.take_along_axis(cand, order, axis=1)
        sims_sorted = np.take_along_axis(sims, order, axis=1)
        out_r = np.full((nq, k), -1, dtype=np.int64)
        out_s = np.full((nq, k), -np.inf, dtype=np.float32)
        take = min(k, c)
        out_r[:, :take] = cand_sorted[:, :take]
        out_s[:, :take] = sims_sorted[:, :take]
        out_r[~np.isfinite(out_s)] = -1
        return out_r, out_s

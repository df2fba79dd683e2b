"""Condensing a memory into symbols (§9.8.3): clusters of formulas become one glyph each.

    result = condense(mem, k=12)               # spherical k-means, fixed seed
    result = condense(mem, threshold=0.5)      # agglomerative: merge while centroids are that similar
    for s in result.symbols:
        print(s.glyph, s.cohesion, s.members[:5], s.scene)

Each cluster is stored (``store=True``) as a symbol definition in the language,
``🜂 = Δ3 + Δ7 + Δ9 = вода, весна, свет``: the glyph names the bundle of its
members (its vector is the cluster's bundle) and the scene lists the cluster's
most central atoms. Everything here is numpy and deterministic: the same memory
and arguments give the same symbols.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from deltaform.memory import Memory
    from deltaform.memory.entries import Entry

__all__ = ["ALCHEMICAL", "Symbol", "Condensed", "condense", "cluster_vectors", "kmeans", "agglomerate",
           "unit_rows"]

#: The Alchemical Symbols block as assigned since Unicode 6.0 (U+1F700–U+1F773); fixed so that
#: the pool does not change with the Python build's Unicode tables.
ALCHEMICAL: tuple[str, ...] = tuple(chr(c) for c in range(0x1F700, 0x1F774))

# Above this many formulas, agglomeration starts from k-means micro-clusters (it is quadratic).
_AGGLOMERATE_UNITS = 500


@dataclass(frozen=True)
class Symbol:
    """One condensed cluster: its glyph, its members (most central first) and how tight it is."""
    glyph: str
    members: tuple[str, ...]        # Δ-addresses, most similar to the cluster's centre first
    cohesion: float                 # mean similarity of the members to the cluster's centre (1: identical)
    atoms: tuple[str, ...]          # the most central atoms, used as the scene
    scene: str

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def formula(self) -> str:
        """The symbol definition: ``🜂 = Δ3 + Δ7 = scene``."""
        return f"{self.glyph} = {' + '.join(self.members)} = {self.scene}"

    def to_json(self) -> dict:
        return {"glyph": self.glyph, "members": list(self.members), "size": self.size,
                "cohesion": self.cohesion, "atoms": list(self.atoms), "scene": self.scene}


@dataclass
class Condensed:
    """What :func:`condense` made: the symbols, biggest first, and how."""
    symbols: list[Symbol]
    method: str                     # "kmeans" or "agglomerative"
    formulas: int                   # formulas clustered
    left_out: list[str] = field(default_factory=list)   # members of clusters below min_size
    stored: bool = False

    def __iter__(self):
        return iter(self.symbols)

    def __len__(self) -> int:
        return len(self.symbols)

    def to_json(self) -> dict:
        return {"method": self.method, "formulas": self.formulas, "stored": self.stored,
                "left_out": self.left_out, "symbols": [s.to_json() for s in self.symbols]}


# ---------------------------------------------------------------- vectors
def unit_rows(vectors: np.ndarray, algebra: str) -> np.ndarray:
    """Stored vectors as float32 rows of length 1 whose dot product is the space's similarity.

    fhrr rows are planar (real parts, then imaginary parts), so the real dot product
    of two rows is Re⟨a, b̄⟩; bsc rows are bit-packed and become ±1.
    """
    v = np.asarray(vectors)
    if algebra == "bsc":
        v = np.unpackbits(v, axis=1).astype(np.float32) * 2.0 - 1.0
    else:
        v = np.array(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    v /= norms
    return v


def _normalise(c: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(c, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return c / n


# ---------------------------------------------------------------- clustering
def _group_sums(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row sums per label, ``(k, width)``: one gather into label order, then contiguous slices."""
    order = np.argsort(labels, kind="stable")
    ends = np.cumsum(np.bincount(labels, minlength=k))
    Xo = X[order]
    sums = np.zeros((k, X.shape[1]), dtype=np.float32)
    start = 0
    for c, end in enumerate(ends.tolist()):
        if end > start:
            sums[c] = Xo[start:end].sum(axis=0)
        start = end
    return sums


def _kmeans_pp(X: np.ndarray, k: int, rng: np.random.Generator, trials: int) -> np.ndarray:
    """Greedy k-means++ on the sphere (distance 1 - cos): each next centre is the best of ``trials`` draws."""
    n = len(X)
    centres = np.empty((k, X.shape[1]), dtype=np.float32)
    centres[0] = X[rng.integers(n)]
    dist = np.maximum(1.0 - X @ centres[0], 0.0)
    for i in range(1, k):
        total = float(dist.sum())
        if total <= 0:
            candidates = rng.integers(n, size=trials)
        else:
            candidates = rng.choice(n, size=trials, p=dist / total)
        # All draws against all rows in one product (the search is bound by reading X).
        d = np.minimum(dist[:, None], np.maximum(1.0 - X @ X[candidates].T, 0.0))
        best = int(np.argmin(d.sum(axis=0)))
        centres[i] = X[candidates[best]]
        dist = d[:, best]
    return centres


def _lloyd(X: np.ndarray, centres: np.ndarray, max_iter: int) -> tuple[np.ndarray, float]:
    """Spherical Lloyd iterations from ``centres``: (labels, sum of each row's similarity to its centre)."""
    n, k = len(X), len(centres)
    labels = np.full(n, -1, dtype=np.int64)
    score = -np.inf
    for _ in range(max_iter):
        sims = X @ centres.T
        new = np.argmax(sims, axis=1)
        score = float(sims[np.arange(n), new].sum())
        if np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        for empty in np.flatnonzero(counts == 0).tolist():
            # An empty cluster takes the row worst served by its centre (deterministic).
            own = sims[np.arange(n), labels]
            own[np.bincount(labels, minlength=k)[labels] <= 1] = np.inf   # never empty another cluster
            worst = int(np.argmin(own))
            labels[worst] = empty
        centres = _normalise(_group_sums(X, labels, k)).astype(np.float32)
    return labels, score


def kmeans(X: np.ndarray, k: int, *, seed: int = 0, max_iter: int = 50, n_init: int | None = None) -> np.ndarray:
    """Spherical k-means on unit rows: a cluster label per row.

    ``n_init`` starts (default 4, 2 above 20 000 rows), from greedy k-means++
    (from distinct random rows when k > 200); the start whose rows end most
    similar to their centres wins. The same arguments give the same labels.
    """
    n = len(X)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of formulas ({n}), got {k}")
    if n_init is None:
        n_init = 4 if n <= 20_000 else 2
    rng = np.random.default_rng(seed)
    best_labels, best_score = None, -np.inf
    for _ in range(max(1, n_init)):
        if k <= 200:
            centres = _kmeans_pp(X, k, rng, 2 + int(np.log(k)))
        else:       # many small clusters (the micro-clusters of agglomeration): k-means++ costs k passes
            centres = np.array(X[np.sort(rng.choice(n, size=k, replace=False))], dtype=np.float32)
        labels, score = _lloyd(X, centres, max_iter)
        if score > best_score + 1e-6:
            best_labels, best_score = labels, score
    return best_labels


def agglomerate(sums: np.ndarray, threshold: float) -> np.ndarray:
    """Centroid-linkage agglomeration of groups given by their summed unit vectors.

    Repeatedly merges the two groups whose centres are most similar (cosine), while
    that similarity is at least ``threshold``. Returns a cluster label per group.
    """
    m = len(sums)
    S = np.array(sums, dtype=np.float64)
    C = _normalise(S.copy())
    sim = C @ C.T
    np.fill_diagonal(sim, -np.inf)
    alive = np.ones(m, dtype=bool)
    owner = np.arange(m)
    while alive.sum() > 1:
        flat = int(np.argmax(sim))
        i, j = divmod(flat, m)
        if sim[i, j] < threshold:
            break
        i, j = min(i, j), max(i, j)
        S[i] += S[j]
        C[i] = _normalise(S[i])
        alive[j] = False
        owner[owner == j] = i
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        row = C @ C[i]
        row[~alive] = -np.inf
        row[i] = -np.inf
        sim[i, :] = row
        sim[:, i] = row
    # Labels 0..c-1 in order of first appearance.
    _, labels = np.unique(owner, return_inverse=True)
    return labels


def cluster_vectors(X: np.ndarray, *, k: int | None = None, threshold: float | None = None,
                    seed: int = 0) -> np.ndarray:
    """A cluster label per unit row: k-means with ``k``, or agglomerative with ``threshold``."""
    if (k is None) == (threshold is None):
        raise ValueError("give exactly one of k (k-means) or threshold (agglomerative)")
    if k is not None:
        return kmeans(X, int(k), seed=seed)
    if not -1.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold is a cosine similarity in [-1, 1], got {threshold}")
    n = len(X)
    if n <= _AGGLOMERATE_UNITS:
        return agglomerate(X, float(threshold))
    # Too many rows for the quadratic merge: merge k-means micro-clusters instead.
    micro = kmeans(X, _AGGLOMERATE_UNITS, seed=seed, max_iter=6, n_init=1)
    return agglomerate(_group_sums(X, micro, _AGGLOMERATE_UNITS), float(threshold))[micro]


# ---------------------------------------------------------------- symbols
def _used_glyphs(entries: Sequence["Entry"]) -> set[str]:
    used: set[str] = set()
    for e in entries:
        if not e.address.startswith("Δ"):
            used.add(e.address)
        used.update(r for r in e.facts.refs if not r.startswith("Δ"))
    return used


def _scene(entries: Sequence["Entry"], weights: np.ndarray, n_atoms: int) -> tuple[tuple[str, ...], str]:
    """The atoms that weigh most in the cluster (each member counts by its closeness to the centre)."""
    score: dict[str, float] = {}
    for e, w in zip(entries, weights.tolist()):
        for a in dict.fromkeys(e.facts.atoms + e.facts.inherited):
            score[a] = score.get(a, 0.0) + max(w, 0.0) + 1e-6
    best = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:n_atoms]
    atoms = tuple(a for a, _ in best)
    # A scene runs to the end of the line; '#' would start a comment.
    words = [a.replace("#", " ").replace("\n", " ").strip() for a in atoms]
    words = [w for w in words if w]
    scene = ", ".join(words) if words else f"{len(entries)} formulas"
    return atoms, scene


def condense(memory: "Memory", k: int | None = None, threshold: float | None = None, *,
             pool: Sequence[str] = ALCHEMICAL, store: bool = True, seed: int = 0, min_size: int = 2,
             scene_atoms: int = 3) -> Condensed:
    """Cluster the memory's formulas by their vectors and condense each cluster into a glyph.

    ``k``: spherical k-means into ``k`` clusters (k-means++ from ``seed``).
    ``threshold``: agglomerative, merging clusters while their centres' similarity is at least that.
    Without either, k is about √(n/2), at most the free glyphs of the pool.
    Only current ``Δ`` formulas are clustered (not symbols, not parametric definitions).
    Clusters smaller than ``min_size`` get no symbol (their addresses are in ``left_out``).
    Glyphs come from ``pool`` in order, skipping glyphs the memory uses already.
    ``store=True`` adds the symbol definitions to the memory as one batch.
    """
    if k is not None and threshold is not None:
        raise ValueError("give k (k-means) or threshold (agglomerative), not both")
    if min_size < 1:
        raise ValueError(f"min_size must be >= 1, got {min_size}")
    entries = list(memory.entries())
    formulas = [e for e in entries if e.kind == "formula"]
    if not formulas:
        raise ValueError(f"the memory {memory.path} has no formulas to condense")
    used = _used_glyphs(entries)
    free = [g for g in dict.fromkeys(pool) if g not in used]
    from deltaform.memory.ingest import is_glyph
    bad = [g for g in free if not is_glyph(g)]
    if bad:
        raise ValueError(f"the pool holds {bad[0]!r}, which is not a glyph of the language "
                         f"(one code point: alchemical, hieroglyph or another symbol)")
    X = unit_rows(np.asarray(memory.vectors())[[e.row for e in formulas]], memory.space.algebra)
    if k is None and threshold is None:
        k = max(1, min(len(formulas), len(free), int(round((len(formulas) / 2) ** 0.5))))
    labels = cluster_vectors(X, k=k, threshold=threshold, seed=seed)
    groups = [np.flatnonzero(labels == c) for c in range(int(labels.max()) + 1)]
    groups = [g for g in groups if len(g)]
    kept = [g for g in groups if len(g) >= min_size]
    left_out = sorted((formulas[i].address for g in groups if len(g) < min_size for i in g.tolist()),
                      key=lambda a: _address_key(a))
    # Biggest clusters first; ties by their first member's row, so the order is fixed.
    kept.sort(key=lambda g: (-len(g), int(g.min())))
    if len(kept) > len(free):
        raise ValueError(f"{len(kept)} clusters need {len(kept)} glyphs, but the pool has only {len(free)} "
                         f"free ones; give a smaller k, a lower threshold, a larger min_size or a larger pool")
    symbols = []
    for glyph, g in zip(free, kept):
        centre = _normalise(X[g].sum(axis=0, dtype=np.float64))
        sims = X[g] @ centre
        order = np.lexsort((g, -sims))          # most central first, ties by row
        members = [formulas[i] for i in g[order].tolist()]
        atoms, scene = _scene(members, sims[order], scene_atoms)
        symbols.append(Symbol(glyph=glyph, members=tuple(e.address for e in members),
                              cohesion=float(sims.mean()), atoms=atoms, scene=scene))
    result = Condensed(symbols=symbols, method="kmeans" if k is not None else "agglomerative",
                       formulas=len(formulas), left_out=left_out)
    if store and symbols:
        memory.add_many([s.formula for s in symbols], label="condense")
        result.stored = True
    return result


def _address_key(address: str) -> tuple:
    tail = address[1:]
    return (0, int(tail), "") if tail.isdigit() else (1, 0, tail)

"""Associative flashes (§9.7.2): nearest Δ-addresses by vector, then spreading activation.

    for item in flash(mem, "вода + весна", k=5):
        print(item)          # Δ18  0.212  вода + весна → Δ12 → Δ18 (via весна)

The query's nearest formulas (``memory.search``) are lit with their similarity;
for ``steps`` rounds the newly lit activation spreads, scaled by ``decay``,
over the coupling graph built once from the catalogue:

* shared atoms — each formula is a tf-idf vector over its atoms (idf =
  log(N / df), L2-normalised), so two formulas are coupled by the cosine of
  those vectors: rare shared atoms couple strongly, atoms everyone has barely;
* references (``Δ18 = Δ12 + солнце`` couples Δ18 and Δ12), both ways;
* fusion history (a formula made by ``fuse`` and each of its sources), both ways.

Every item keeps the path by which it was first reached: its strongest
contributor in the round that reached it. Results are ordered by activation,
then by row, so a fixed input gives a fixed answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deltaform.thinking.incidence import LINK_FUSION, LINK_REF, Incidence, incidence_of

__all__ = ["flash", "FlashItem", "MAX_SPREAD"]

# An atom held by more formulas than this spreads only to the formulas it weighs most in
# (see ``flash``): such an atom's idf is small, and its full posting list would cost
# most of a flash on a large memory (at 1M formulas the commonest atoms hold ~10⁵ each).
MAX_SPREAD = 1000


@dataclass(frozen=True)
class FlashItem:
    """One lit formula: its activation, how many hops from the query, and the path that led to it."""
    address: str
    activation: float
    similarity: float | None      # to the query, for the formulas lit by search (seeds)
    hops: int                     # 1 for a seed, 2 for its neighbours, …
    path: tuple[str, ...]         # query label, then addresses, ending with this one
    via: tuple[str, ...]          # how each hop was made: "similar", "atom X", "reference", "fusion"
    formula: str = ""

    @property
    def route(self) -> str:
        """``вода → Δ12 → Δ18 (via весна)``: the path, with the link of the last hop when it is not a search."""
        text = " → ".join(self.path)
        last = self.via[-1] if self.via else ""
        return text if last == "similar" else f"{text} (via {last})"

    def __str__(self) -> str:
        return f"{self.address}  {self.activation:.3f}  {self.route}"


def _weights(inc: Incidence) -> np.ndarray:
    """tf-idf weight of each incidence entry, each formula's row L2-normalised."""
    n = max(inc.n, 1)
    idf = np.log(n / np.maximum(inc.df, 1)).astype(np.float64)
    w = idf[inc.atoms]
    norm = np.sqrt(np.bincount(inc.owner, weights=w * w, minlength=inc.n))
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(norm[inc.owner] > 0, w / norm[inc.owner], 0.0)
    return w


def _ranges(ptr: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(ptr[i], ptr[i+1])`` for each ``i`` of ``ids`` (CSR rows, without a loop)."""
    starts = ptr[ids]
    lengths = ptr[ids + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _spread_arrays(inc: Incidence, max_spread: int | None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(entry weights, each formula's own echo, atom-major CSR pointer and entry order), once per incidence.

    With ``max_spread``, an atom held by more formulas keeps only the
    ``max_spread`` entries where it weighs most (ties: the lower row), so the
    atom-major lists are capped; a formula's echo counts only its kept entries.
    """
    cache = inc.__dict__.setdefault("_spread", {})
    if max_spread not in cache:
        w = _weights(inc)
        if max_spread is None or not len(inc.df) or int(inc.df.max()) <= max_spread:
            by_atom = np.argsort(inc.atoms, kind="stable")
            atom_ptr = np.zeros(len(inc.atom_names) + 1, dtype=np.int64)
            np.cumsum(inc.df, out=atom_ptr[1:])
            echo = np.bincount(inc.owner, weights=w * w, minlength=inc.n)   # 1 (or 0)
        else:
            order = np.lexsort((inc.owner, -w, inc.atoms))          # by atom, heaviest first, then row
            start = np.zeros(len(inc.atom_names) + 1, dtype=np.int64)
            np.cumsum(inc.df, out=start[1:])
            rank = np.arange(len(order), dtype=np.int64) - start[inc.atoms[order]]
            by_atom = order[rank < max_spread]
            atom_ptr = np.zeros(len(inc.atom_names) + 1, dtype=np.int64)
            np.cumsum(np.minimum(inc.df, max_spread), out=atom_ptr[1:])
            echo = np.bincount(inc.owner[by_atom], weights=w[by_atom] ** 2, minlength=inc.n)
        cache[max_spread] = (w, echo, atom_ptr, by_atom)
    return cache[max_spread]


def _first_per_group(groups: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Index of the best entry of each group: highest score, then earliest position (groups ascending).

    Two scatters (a group maximum, then the first position holding it) instead
    of sorting the hundreds of thousands of entries a round lights.
    """
    if not len(groups):
        return np.empty(0, dtype=np.int64)
    size = int(groups.max()) + 1
    best = np.full(size, -np.inf)
    np.maximum.at(best, groups, score)
    cand = np.flatnonzero(score == best[groups])
    first = np.full(size, len(groups), dtype=np.int64)
    np.minimum.at(first, groups[cand], cand)
    return first[first < len(groups)]


def flash(memory: Any, query: Any, k: int = 10, steps: int = 2, decay: float = 0.5, *, limit: int | None = None,
          ref_weight: float = 1.0, fusion_weight: float = 1.0, beam: int | None = 1000,
          max_spread: int | None = MAX_SPREAD, exact: bool | None = None) -> list[FlashItem]:
    """The formulas ``query`` brings to mind: ``k`` nearest by vector, then ``steps`` rounds of spreading.

    ``query``: formula text, a Δ-address or a vector (as for ``memory.search``).
    ``decay`` scales each round's activation; ``ref_weight`` and
    ``fusion_weight`` the reference and fusion links against shared atoms
    (whose weight is the tf-idf cosine, at most 1). Returns the ``limit``
    (default ``k``) most active formulas, most active first. ``beam``: how
    many of the formulas lit in a round spread in the next (the most active;
    None: all) — it bounds the work of every round after the first.
    ``max_spread``: an atom held by more formulas than this passes activation
    only to the ``max_spread`` formulas where its tf-idf weight is highest
    (ties: the lower row; None: no cap) — it bounds the work a very common
    atom costs, which idf weighs down anyway.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"decay must be in [0, 1], got {decay}")
    limit = k if limit is None else int(limit)
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    if beam is not None and beam < 1:
        raise ValueError(f"beam must be >= 1 or None, got {beam}")
    if max_spread is not None and max_spread < 1:
        raise ValueError(f"max_spread must be >= 1 or None, got {max_spread}")
    if isinstance(query, np.ndarray) and query.ndim == 2 and query.shape[0] != 1:
        raise ValueError("flash takes one query; got a batch of vectors")
    inc = incidence_of(memory)
    n = inc.n
    if n == 0:
        return []
    rows, sims = memory.search(query, k, exact=exact)
    rows, sims = rows[0], sims[0]
    keep = rows >= 0
    seeds = inc.nodes_of_rows(rows[keep])
    seed_sims = sims[keep].astype(np.float64)
    ok = seeds >= 0
    seeds, seed_sims = seeds[ok], seed_sims[ok]

    total = np.zeros(n)
    similarity = np.full(n, np.nan)
    hops = np.zeros(n, dtype=np.int64)            # 0: not reached
    parent = np.full(n, -1, dtype=np.int64)        # -1: the query
    via_kind = np.zeros(n, dtype=np.int64)         # 0 similar, 1 ref, 2 fusion, 3 atom
    via_atom = np.full(n, -1, dtype=np.int64)
    frontier = np.zeros(n)
    frontier[seeds] = np.maximum(seed_sims, 0.0)
    total += frontier
    similarity[seeds] = seed_sims
    hops[seeds] = 1

    w, echo, atom_ptr, by_atom = _spread_arrays(inc, max_spread)
    edge_w = np.where(inc.edge_kind == LINK_REF, ref_weight, fusion_weight).astype(np.float64)
    edge_idx = np.arange(len(inc.edge_src), dtype=np.int64)

    for step in range(steps):
        lit_nodes = np.flatnonzero(frontier > 0)
        if not len(lit_nodes):
            break
        # formulas → atoms: only the entries of lit formulas
        e_src = _ranges(inc.indptr, lit_nodes)
        push = frontier[inc.owner[e_src]] * w[e_src]
        atom_act = np.bincount(inc.atoms[e_src], weights=push, minlength=len(inc.atom_names))
        # atoms → formulas: only the entries of lit atoms; minus each formula's echo of itself
        t_entries = by_atom[_ranges(atom_ptr, np.unique(inc.atoms[e_src]))]
        t_score = atom_act[inc.atoms[t_entries]] * w[t_entries]
        recv = np.bincount(inc.owner[t_entries], weights=t_score, minlength=n) - frontier * echo
        recv = np.maximum(recv, 0.0)
        # links
        e_lit = edge_idx[frontier[inc.edge_src] > 0]
        edge_push = frontier[inc.edge_src[e_lit]] * edge_w[e_lit]
        recv += np.bincount(inc.edge_dst[e_lit], weights=edge_push, minlength=n)
        recv[recv < 1e-12] = 0.0
        new = (recv > 0) & (hops == 0)
        if new.any():
            _record_paths(inc, new, e_src, push, t_entries, t_score, e_lit, edge_push, parent, via_kind, via_atom)
            hops[new] = step + 2
        frontier = decay * recv
        total += frontier
        if beam is not None and step + 1 < steps:
            lit = np.flatnonzero(frontier > 0)
            if len(lit) > beam:      # only the most active formulas spread further (ties: lower row)
                keep = lit[np.lexsort((inc.rows[lit], -frontier[lit]))[:beam]]
                pruned = np.zeros(n)
                pruned[keep] = frontier[keep]
                frontier = pruned

    reached = np.flatnonzero(hops > 0)
    order = reached[np.lexsort((inc.rows[reached], -total[reached]))][:limit]
    entries = memory._store.entries(inc.rows[order].tolist())
    label = query.strip() if isinstance(query, str) else "query"
    out = []
    for i in order.tolist():
        chain = []
        j = i
        while j >= 0:
            chain.append(j)
            j = int(parent[j])
        chain.reverse()
        path = (label,) + tuple(inc.addresses[j] for j in chain)
        via = tuple(_via_text(inc, int(via_kind[j]), int(via_atom[j])) for j in chain)
        sim = float(similarity[i])
        out.append(FlashItem(address=inc.addresses[i], activation=float(total[i]),
                             similarity=None if np.isnan(sim) else sim, hops=int(hops[i]), path=path, via=via,
                             formula=entries[int(inc.rows[i])].formula))
    return out


def _via_text(inc: Incidence, kind: int, atom: int) -> str:
    if kind == 0:
        return "similar"
    if kind == LINK_REF:
        return "reference"
    if kind == LINK_FUSION:
        return "fusion"
    return f"atom {inc.atom_names[atom]}"


def _record_paths(inc: Incidence, new: np.ndarray, e_src: np.ndarray, push: np.ndarray, t_entries: np.ndarray,
                  t_score: np.ndarray, e_lit: np.ndarray, edge_push: np.ndarray,
                  parent: np.ndarray, via_kind: np.ndarray, via_atom: np.ndarray) -> None:
    """For each newly reached formula, its strongest contributor this round (atom route or link)."""
    n = inc.n
    best_score = np.zeros(n)
    # strongest lit formula behind each atom
    src_best = np.full(len(inc.atom_names), -1, dtype=np.int64)
    if len(e_src):
        pick = _first_per_group(inc.atoms[e_src], push)
        src_best[inc.atoms[e_src[pick]]] = inc.owner[e_src[pick]]
    # atom route: entries of new formulas whose atom is lit
    keep = new[inc.owner[t_entries]] & (t_score > 0)
    t_entries, t_score = t_entries[keep], t_score[keep]
    if len(t_entries):
        at = _first_per_group(inc.owner[t_entries], t_score)
        pick = t_entries[at]
        tgt = inc.owner[pick]
        best_score[tgt] = t_score[at]
        parent[tgt] = src_best[inc.atoms[pick]]
        via_kind[tgt] = 3
        via_atom[tgt] = inc.atoms[pick]
    # link route wins where it pushes more
    if len(e_lit):
        to_new = new[inc.edge_dst[e_lit]]
        links, score = e_lit[to_new], edge_push[to_new]
        if len(links):
            pick = _first_per_group(inc.edge_dst[links], score)
            links, score = links[pick], score[pick]
            tgt = inc.edge_dst[links]
            better = score > best_score[tgt]
            tgt, links = tgt[better], links[better]
            parent[tgt] = inc.edge_src[links]
            via_kind[tgt] = inc.edge_kind[links]
            via_atom[tgt] = -1

"""Explaining away over a batch: which terms a vector is made of, and their weights.

The dictionary of possible terms is ``key ⊛ candidate`` for every probed key
and every clean-up candidate, plus the schema tags. A round works on the whole
batch at once:

1. **Search.** Unbind what is left of each vector (its residual; the vector
   itself in the first round) by every key probed for it, and take the top
   ``m`` candidates of each by absolute similarity (one matrix product, or
   HNSW). Merge them into the vector's *shortlist*: the terms chosen so far,
   then the best newcomers.
2. **Fit.** On the shortlist, greedy pursuit in the shortlist's Gram space:
   take the term most similar to the residual, re-fit the weights of every
   chosen term by least squares, and repeat while the best term stands at or
   above the noise threshold ``τ`` (see :mod:`deltaform.decoding.noise`). Then
   prune: a chosen term whose own evidence (its similarity to the residual with
   every other term subtracted) fell below ``τ`` is dropped and the rest re-fit.
3. **Check.** A vector whose residual is (numerically) zero is fully explained:
   nothing can be missing, and its row stops. Otherwise the next round searches
   the residual; a row stops when a round adds nothing.

Keys are probed lazily: the identity and the role vocabulary from the start;
the first ``probe_steps`` flow positions (default 4) once a round leaves energy
unexplained, positions up to ``2(s+1)`` once stage ``s`` is found (so a long
flow takes log(length) rounds; a flow too long for its first stages to stand
out alone needs a larger ``probe_steps``); a schema's own roles once its tag is found. So a flat
bundle costs one search per round, and structure costs only where it is present.

All numeric work runs over whole batches, never per candidate or per row in
Python: the heavy loops (top-m selection, scoring pooled candidates under every
key, the shortlists' Gram matrices and residuals, terms bound on the fly) are
the core's ``_core.decode_*`` kernels, which release the GIL; the rest is numpy
over the batch, looping over rounds and pursuit steps. The shortlist's
arithmetic is float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deltaform import _core
from deltaform.decoding.keys import Keys
from deltaform.decoding.noise import degrees_of_freedom, threshold

__all__ = ["Settings", "RowFit", "explain"]

#: A vector whose unexplained share of energy is at most this is fully explained.
EXPLAINED = 1e-4
#: Signal (in units of the noise σ) a term must keep for a row to search all its keys with one query.
MERGE_SNR = 5.0
#: A grouped round leaving more than this share of what was left is too slow: the row searches key by key next.
SLOW = 0.75
_BLOCK_BYTES = 64 << 20  # Gram matrices of one block of rows (smaller blocks cost more pursuit steps)


@dataclass(frozen=True)
class Settings:
    fp_rate: float = 1e-3
    explore: float = 0.5         # false-positive rate of the running threshold (terms stay only above fp_rate's)
    shortlist: int = 48          # shortlist slots beyond twice the chosen terms
    per_key: int = 32            # candidates taken from each key's search per round
    max_terms: int = 0           # 0: a quarter of the real degrees of freedom
    max_rounds: int = 12
    probe_steps: int = 4         # flow positions probed once a round leaves energy unexplained
    threads: int | None = None


@dataclass
class RowFit:
    """What explaining away found in one vector."""

    codes: np.ndarray          # chosen terms: key * N + candidate, or keys * N + tag
    weights: np.ndarray        # least-squares weights, in units of the vector's own scale
    evidence: np.ndarray       # explained-away similarity of each chosen term
    unexplained: float         # |residual|² / |vector|²
    searched: int              # dictionary entries searched (for the threshold and confidences)
    tau: float
    near: list[tuple[int, float]]  # best rejected terms: (code, similarity)
    rounds: int
    norm2: float               # |vector|² in the real view


def explain(
    keys: Keys,
    cleanup,
    vectors: np.ndarray,
    settings: Settings,
    exclude: list[np.ndarray] | None = None,
    only_keys: np.ndarray | None = None,
) -> list[RowFit]:
    """Explains each real-view vector of ``vectors`` (B, D) as a weighted sum of dictionary terms.

    ``only_keys`` restricts the probed keys (and switches off lazy probing);
    ``exclude[b]`` lists candidate rows vector b must not use.
    """
    view = keys.view
    V = np.ascontiguousarray(vectors, dtype=np.float32)
    B, D = V.shape
    N = len(cleanup)
    nK, T = len(keys), len(keys.tag_names)
    tag_base = nK * N
    max_terms = settings.max_terms or max(1, D // 4)
    vv = np.einsum("bd,bd->b", V.astype(np.float64), V.astype(np.float64))

    active = np.zeros((B, nK), dtype=bool)
    if only_keys is not None:
        active[:, only_keys] = True
    else:
        active[:, 0] = True
        active[:, keys.vocabulary_roles] = True
    lazy = only_keys is None

    codes = np.full((B, 0), -1, dtype=np.int64)
    sel = np.zeros((B, 0), dtype=bool)
    w = np.zeros((B, 0), dtype=np.float64)
    evidence = np.zeros((B, 0), dtype=np.float64)
    R = V.copy()
    unexplained = np.where(vv > 0, 1.0, 0.0)
    done = vv <= 0
    rounds = np.zeros(B, dtype=np.int64)
    near: list[list[tuple[int, float]]] = [[] for _ in range(B)]
    excl = exclude if exclude is not None else [np.empty(0, dtype=np.int64)] * B
    split = np.zeros(B, dtype=bool)  # search each key on its own (True) or by groups (False)
    banned: list[list[int]] = [[] for _ in range(B)]
    if N == 0 and T == 0:
        done[:] = True

    for round_no in range(settings.max_rounds):
        last = round_no == settings.max_rounds - 1
        rows = np.nonzero(~done)[0]
        if rows.size == 0:
            break
        rounds[rows] += 1
        searched = active[rows].sum(axis=1) * N + T
        sizes, which = np.unique(searched, return_inverse=True)
        tau = np.array([threshold(view.algebra, view.dim, int(n), settings.fp_rate) for n in sizes])[which]
        tau_run = np.array([threshold(view.algebra, view.dim, int(n), settings.explore) for n in sizes])[which]

        # 1. Search, grouped (one query per group of keys) or split (one per key).
        n_chosen = int(sel[rows].sum(axis=1).max(initial=0)) if sel.shape[1] else 0
        m = min(settings.per_key + n_chosen, N)  # newcomers keep pace with what was found
        chosen_now = np.where(sel[rows], codes[rows], -1) if sel.shape[1] else None
        merge = _one_query_will_do(view, active[rows], _n_chosen(sel, rows), unexplained[rows])
        found_codes, found_sims = _search(keys, cleanup, R, rows, active, split[rows], m, excl, settings.threads,
                                          chosen_now, merge)
        if T:
            Rr = R[rows]
            rn = np.linalg.norm(Rr, axis=1)
            rn[rn == 0] = 1.0
            tag_sims = (Rr @ keys.tag_vectors.T) / (rn[:, None] * np.sqrt(view.dim))
            found_codes = np.concatenate([found_codes, np.broadcast_to(tag_base + np.arange(T), (rows.size, T))], 1)
            found_sims = np.concatenate([found_sims, tag_sims.astype(np.float32)], axis=1)

        # 2. Shortlist: the chosen terms first, then the best newcomers.
        n_sel = sel[rows].sum(axis=1) if sel.shape[1] else np.zeros(rows.size, dtype=np.int64)
        M = int(max(2 * n_sel.max(initial=0) + settings.shortlist, settings.shortlist))
        M = min(M, n_sel.max(initial=0) + found_codes.shape[1])
        # Only the best M + (chosen) found terms can reach the shortlist (the chosen ones among them are
        # set aside below; the lists hold no repeats): the rest are dropped before the bookkeeping.
        keep = M + int(n_sel.max(initial=0))
        if found_codes.shape[1] > keep:
            mag0 = np.where(found_codes >= 0, np.abs(found_sims), -1.0)
            top = np.argpartition(-mag0, keep - 1, axis=1)[:, :keep]
            found_codes = np.take_along_axis(found_codes, top, axis=1)
            found_sims = np.take_along_axis(found_sims, top, axis=1)
        old_codes, old_sel, old_w = _compact(codes[rows], sel[rows], w[rows])
        chosen = np.where(old_sel, old_codes, -2)
        mag = np.abs(found_sims).astype(np.float64)
        mag[found_codes < 0] = -1.0
        if chosen.shape[1]:
            mag[(found_codes[:, :, None] == chosen[:, None, :]).any(axis=2)] = -1.0
        mag[_duplicates(found_codes)] = -1.0
        nb = max((len(banned[b]) for b in rows), default=0)
        ban = np.full((rows.size, max(nb, 1)), -2, dtype=np.int64)
        for j, b in enumerate(rows.tolist()):
            ban[j, : len(banned[b])] = banned[b]
        take = min(M, found_codes.shape[1])
        best = np.argpartition(-mag, take - 1, axis=1)[:, :take] if take < mag.shape[1] else np.argsort(-mag, axis=1)
        best = np.take_along_axis(best, np.argsort(-np.take_along_axis(mag, best, axis=1), axis=1, kind="stable"), axis=1)
        new_codes = np.take_along_axis(found_codes, best, axis=1)
        new_codes[np.take_along_axis(mag, best, axis=1) < 0] = -1
        sl_codes = np.full((rows.size, M), -1, dtype=np.int64)
        sl_sel = np.zeros((rows.size, M), dtype=bool)
        sl_w = np.zeros((rows.size, M), dtype=np.float64)
        k_old = old_codes.shape[1]
        sl_codes[:, :k_old] = np.where(old_sel, old_codes, -1)
        sl_sel[:, :k_old] = old_sel
        sl_w[:, :k_old] = np.where(old_sel, old_w, 0.0)
        # newcomers fill each row's free slots, left to right
        for_new = ~sl_sel
        fill_rank = np.cumsum(for_new, axis=1) - 1
        src = np.clip(fill_rank, 0, new_codes.shape[1] - 1)
        placed = np.take_along_axis(new_codes, src, axis=1)
        placed[fill_rank >= new_codes.shape[1]] = -1
        sl_codes = np.where(for_new, placed, sl_codes)

        # 3. Fit, block by block of rows (a block's Gram matrices are at most _BLOCK_BYTES). The term
        #    vectors are bound on the fly in the core, for the Gram matrices and again for the residual.
        block = max(1, _BLOCK_BYTES // max(1, M * M * 8))
        new_R = np.empty((rows.size, D), dtype=np.float32)
        sl_t = np.zeros((rows.size, M), dtype=np.float64)
        grew = np.zeros(rows.size, dtype=bool)
        algebra, F, K, tags = _dictionary(keys, cleanup)
        for lo in range(0, rows.size, block):
            hi = min(rows.size, lo + block)
            part = slice(lo, hi)
            part_codes = np.ascontiguousarray(sl_codes[part])
            Vp = V[rows[part]]
            G, c = _core.decode_gram(algebra, part_codes, F, K, tags, Vp, threads=_threads(settings.threads))
            before = sl_sel[part].sum(axis=1)
            # a term pruned before may come back, but only at the full threshold (else a row can
            # cycle: add, prune, add…)
            strict = (part_codes[:, :, None] == ban[part][:, None, :]).any(axis=2)
            w_part, sel_part, t_part, near_part, dropped = _pursue(
                G, c, vv[rows[part]], part_codes, sl_sel[part], sl_w[part], tau[part],
                tau_run[part], max_terms, last, strict,
            )
            sl_w[part], sl_sel[part], sl_t[part] = w_part, sel_part, t_part
            ban_rows, ban_cols = np.nonzero(dropped)
            for j, code in zip(ban_rows.tolist(), part_codes[ban_rows, ban_cols].tolist()):
                banned[rows[lo + j]].append(code)
            grew[part] = sel_part.sum(axis=1) > before
            new_R[part] = _core.decode_residual(algebra, part_codes, np.where(sel_part, w_part, 0.0), F, K, tags,
                                                Vp, threads=_threads(settings.threads))
            for j, (code, s) in enumerate(near_part):
                near[rows[lo + j]] = [(int(code), float(s))] if code >= 0 else []

        # 4. Check, and decide which keys to probe next.
        before_round = unexplained[rows].copy()
        R[rows] = new_R
        rr = np.einsum("bd,bd->b", new_R.astype(np.float64), new_R.astype(np.float64))
        unexplained[rows] = np.where(vv[rows] > 0, rr / np.maximum(vv[rows], 1e-300), 0.0)
        codes, sel, w, evidence = _store(codes, sel, w, evidence, rows, sl_codes, sl_sel, sl_w, sl_t)
        explained = unexplained[rows] <= EXPLAINED
        opened = np.zeros(rows.size, dtype=bool)
        if lazy:
            opened = _open_keys(keys, active, rows, sl_codes, sl_sel, N, tag_base, explained, settings.probe_steps)
        # A grouped search sees a term at 1/√(group size) of its strength. A row it stalls, or barely
        # helps (less than a quarter of what was left explained), searches each key on its own next
        # (a split round costs one scan per key, a grouped one a single scan, and each term found
        # makes the next grouped search clearer); a row
        # whose groups hold one key each has done that already. A stalled split round ends the row.
        stalled = ~grew & ~opened & ~explained
        grouped_row = ~split[rows] & _has_groups(keys, active[rows])
        slow = unexplained[rows] > SLOW * before_round
        verify = grouped_row & ~explained & (stalled | slow)
        split[rows] = verify | (split[rows] & stalled)
        done[rows] = explained | (stalled & ~verify) | (sl_sel.sum(axis=1) >= max_terms)

    out: list[RowFit] = []
    for b in range(B):
        s = sel[b]
        n = int(active[b].sum()) * N + T
        out.append(
            RowFit(
                codes=codes[b][s].copy(),
                weights=w[b][s].copy(),
                evidence=evidence[b][s].copy(),
                unexplained=float(unexplained[b]),
                searched=n,
                tau=threshold(view.algebra, view.dim, n, settings.fp_rate),
                near=near[b],
                rounds=int(rounds[b]),
                norm2=float(vv[b]),
            )
        )
    return out


def _n_chosen(sel: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """How many terms each of the rows has chosen so far."""
    return sel[rows].sum(axis=1) if sel.shape[1] else np.zeros(rows.size, dtype=np.int64)


def _one_query_will_do(view, active: np.ndarray, n_chosen: np.ndarray, unexplained: np.ndarray) -> np.ndarray:
    """Rows whose residual is clear enough to search all their keys with one query.

    A query for a group of n keys sums the residual unbound by each: a term under one of them stands
    at 1/√(n·L) of the query, L the terms left, against unrelated candidates at σ = 1/√D. Terms
    found so far share what they explained, so L ≈ found · unexplained / explained. Where that
    signal is at least MERGE_SNR σ, one query over every key finds what separate group queries
    would, for one scan instead of two or three (typically the last round of a record: a term or
    two left, under the roles and the flow positions opened since).
    """
    u = np.minimum(unexplained, 1.0)
    left = np.maximum(n_chosen * u / np.maximum(1.0 - u, 1e-12), 1.0)
    dof = degrees_of_freedom(view.algebra, view.dim)
    return (n_chosen > 0) & (active.sum(axis=1) * left * MERGE_SNR**2 <= dof)


def _search(keys: Keys, cleanup, R, rows, active, split, m, excl, threads, chosen=None, merge=None):
    """Candidate terms for each row: ``(codes, sims)``, one row of the batch per row of ``rows``."""
    N, nK = len(cleanup), len(keys)
    width = nK * (m if split.all() else 3 * m)
    codes = np.full((rows.size, width), -1, dtype=np.int64)
    sims = np.zeros((rows.size, width), dtype=np.float32)
    if m == 0:
        return codes, sims
    for use_split, search in ((True, _search_split), (False, _search_grouped)):
        part = np.nonzero(split == use_split)[0]
        if part.size:
            extra = {} if use_split else {"merge_all": None if merge is None else merge[part]}
            c, s = search(keys, cleanup, R, rows[part], active, m, excl, threads,
                          None if chosen is None else chosen[part], **extra)
            codes[part, : c.shape[1]] = c
            sims[part, : s.shape[1]] = s
    return codes, sims


def _search_split(keys: Keys, cleanup, R, rows, active, m, excl, threads, chosen=None):
    """Every (row, key) pair searched on its own: the query is the residual unbound by the key."""
    view, N, nK = keys.view, len(cleanup), len(keys)
    codes = np.full((rows.size, nK * m), -1, dtype=np.int64)
    sims = np.zeros((rows.size, nK * m), dtype=np.float32)
    bi, ki = np.nonzero(active[rows])
    if bi.size:
        queries = view.unbind(R[rows[bi]], keys.vectors[ki], threads=threads)
        cand, s = cleanup.scan(queries, m, exclude=[excl[rows[b]] for b in bi], threads=threads)
        slots = ki[:, None] * m + np.arange(m)[None, :]
        codes[bi[:, None], slots] = np.where(cand >= 0, ki[:, None] * N + cand, -1)
        sims[bi[:, None], slots] = s
    return codes, sims


def _search_grouped(keys: Keys, cleanup, R, rows, active, m, excl, threads, chosen=None, merge_all=None):
    """One query per group of keys (plain, roles, flow positions): the residual bound to the sum of the
    group's inverse keys, which is the sum of the residual unbound by each. Each candidate found is
    then scored exactly under every active key of its row."""
    view, N, nK = keys.view, len(cleanup), len(keys)
    A = active[rows]
    # The identity joins the role group of a row that has no plain term yet: one clean-up scan
    # instead of two (the scan is most of a round's cost), at 1/√(roles+1) instead of 1/√roles of a
    # role term's strength. A plain term found later gets its own query again.
    group_of = np.broadcast_to(keys.groups, A.shape).copy()
    merge = A[:, 0] & (A & (keys.groups == 1)[None, :]).any(axis=1) & ~_has_plain(chosen, nK, N, rows.size)
    group_of[merge, 0] = 1
    if merge_all is not None:
        group_of[merge_all] = 1  # one query over every key (see _one_query_will_do)
    q_rows, q_vecs = [], []
    for g in range(3):
        mask = A & (group_of == g)
        has = np.nonzero(mask.any(axis=1))[0]
        if not has.size:
            continue
        if g == 0:
            q_vecs.append(R[rows[has]])
        else:
            summed = mask[has].astype(np.float32) @ keys.inverse_vectors
            q_vecs.append(view.bind(R[rows[has]], summed, threads=threads))
        q_rows.append(has)
    qr = np.concatenate(q_rows)
    per_row = np.bincount(qr, minlength=rows.size)
    # A row asking fewer queries takes deeper lists, 3m over its queries (not worth it for plain rows).
    depth_row = np.where(A.sum(axis=1) > 1, np.minimum(N, (3 * m) // np.maximum(per_row, 1)), m)
    depth = depth_row[qr]
    cand, _ = cleanup.scan(np.concatenate(q_vecs), int(depth.max()), exclude=[excl[rows[b]] for b in qr],
                           threads=threads)
    cand[np.arange(cand.shape[1])[None, :] >= depth[:, None]] = -1
    # Each row's lists side by side (at most three queries per row; most rows ask one, see above),
    # then the found entries moved to the front.
    order = np.argsort(qr, kind="stable")
    slot = np.arange(qr.size) - (np.cumsum(per_row) - per_row)[qr[order]]
    pool = np.full((rows.size, int(per_row.max()), cand.shape[1]), -1, dtype=np.int64)
    pool[qr[order], slot] = cand[order]
    pool = pool.reshape(rows.size, -1)
    if int(per_row.max()) > 1:
        pool[_duplicates(pool)] = -1  # a candidate two of a row's queries found is scored once
        found = pool >= 0
        C = int(found.sum(axis=1).max(initial=1))
        pool = np.take_along_axis(pool, np.argsort(~found, axis=1, kind="stable")[:, :C], axis=1)
    # Exact similarity of every (active key, pooled candidate) of each row: the residual unbound by each
    # active key, against the pooled candidates, in the core (one thread per slice of rows, no Python
    # per candidate).
    sims = _core.decode_score_pool(view.algebra, np.ascontiguousarray(R[rows]), np.ascontiguousarray(pool),
                                   cleanup.real_vectors, _inverse_norms(cleanup), keys.vectors, A,
                                   threads=_threads(threads))
    valid = A[:, :, None] & (pool >= 0)[:, None, :]
    codes = np.where(valid, np.arange(nK, dtype=np.int64)[None, :, None] * N + pool[:, None, :], -1)
    return codes.reshape(rows.size, -1), sims.reshape(rows.size, -1)


def _has_plain(chosen, nK: int, N: int, n_rows: int) -> np.ndarray:
    """Rows whose chosen terms include a plain one (key 0: codes below N)."""
    if chosen is None or chosen.shape[1] == 0 or N == 0:
        return np.zeros(n_rows, dtype=bool)
    return ((chosen >= 0) & (chosen < N)).any(axis=1)


def _has_groups(keys: Keys, active: np.ndarray) -> np.ndarray:
    """Rows with a group of more than one active key (where a grouped search differs from a split one)."""
    out = (active & (keys.groups == 2)[None, :]).sum(axis=1) > 1
    roles = (active & (keys.groups == 1)[None, :]).sum(axis=1)
    # the identity may share the role group's query (see _search_grouped)
    return out | (roles + (roles > 0) * active[:, 0] > 1)


def _compact(codes: np.ndarray, sel: np.ndarray, w: np.ndarray):
    """Moves the chosen entries of each row to the left."""
    if codes.shape[1] == 0:
        return codes, sel, w
    order = np.argsort(~sel, axis=1, kind="stable")
    k = int(sel.sum(axis=1).max(initial=0))
    order = order[:, :k]
    return (np.take_along_axis(codes, order, 1), np.take_along_axis(sel, order, 1), np.take_along_axis(w, order, 1))


def _duplicates(codes: np.ndarray) -> np.ndarray:
    """Marks every repeat of a code within its row after the first."""
    order = np.argsort(codes, axis=1, kind="stable")
    sorted_codes = np.take_along_axis(codes, order, axis=1)
    rep = np.zeros_like(codes, dtype=bool)
    same = (sorted_codes[:, 1:] == sorted_codes[:, :-1]) & (sorted_codes[:, 1:] >= 0)
    np.put_along_axis(rep, order[:, 1:], same, axis=1)
    return rep


def _dictionary(keys: Keys, cleanup) -> tuple:
    """What term codes index, as the core's decode kernels take it: (algebra, candidates, keys, tags)."""
    return keys.view.algebra, cleanup.real_vectors, keys.vectors, keys.tag_vectors


def _solve(G: np.ndarray, c: np.ndarray, sel: np.ndarray, w: np.ndarray, rows: np.ndarray) -> None:
    """Least squares on the chosen columns of the given rows, written into ``w`` (zero elsewhere)."""
    if rows.size == 0:
        return
    s = sel[rows]
    k = int(s.sum(axis=1).max(initial=0))
    w[rows] = 0.0
    if k == 0:
        return
    pos = np.argsort(~s, axis=1, kind="stable")[:, :k]          # chosen columns first
    real = np.take_along_axis(s, pos, axis=1)                   # padding is False
    Gs = G[rows[:, None, None], pos[:, :, None], pos[:, None, :]]
    mask = real[:, :, None] & real[:, None, :]
    Gs = np.where(mask, Gs, 0.0)
    diag = np.einsum("bii->bi", Gs)
    idx = np.arange(k)
    # A tiny ridge keeps nearly dependent columns (a stored formula and its own parts) solvable.
    Gs[:, idx, idx] = np.where(real, diag * (1.0 + 1e-9), 1.0)
    rhs = np.where(real, np.take_along_axis(c[rows], pos, axis=1), 0.0)
    try:
        x = np.linalg.solve(Gs, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        x = np.einsum("bij,bj->bi", np.linalg.pinv(Gs), rhs)
    x = np.where(real, x, 0.0)
    out = np.zeros((rows.size, w.shape[1]))
    np.put_along_axis(out, pos, x, axis=1)  # padding lands on unchosen columns, with x = 0
    w[rows] = np.where(s, out, 0.0)


def _pursue(G, c, vv, codes, sel, w, tau, tau_run, max_terms, last=False, strict=None):
    """Greedy pursuit with least-squares re-fit on one block's shortlists (float64).

    A term enters while it stands at or above ``tau_run`` (a permissive
    threshold: in a large bundle the best remaining term's similarity dips
    before it rises again as the residual shrinks), and stays only if its final
    evidence reaches ``tau``. The re-fit is kept incrementally (Gram–Schmidt in
    the shortlist's Gram space), so a step costs O(M²), not a new solve.
    """
    valid = codes >= 0
    dg = np.maximum(np.einsum("bii->bi", G), 1e-30)
    live = vv > 0
    fit = _Orthogonal(G, c, vv, dg)
    # Re-enter the terms chosen in earlier rounds, then pursue.
    old = np.argsort(~sel, axis=1, kind="stable")
    for i in range(int(sel.sum(axis=1).max(initial=0))):
        rows = np.nonzero(sel.sum(axis=1) > i)[0]
        fit.add(rows, old[rows, i])
    chosen = fit.chosen
    before = chosen.sum(axis=1)
    rows_all = np.arange(codes.shape[0])
    if strict is None:
        strict = np.zeros_like(valid)
    for _ in range(codes.shape[1]):
        sim = fit.similarities()
        sim[~valid | chosen] = 0.0
        sim[strict & (np.abs(sim) < tau[:, None])] = 0.0  # pruned before: back only at the full threshold
        j = np.argmax(np.abs(sim), axis=1)
        top = np.abs(sim[rows_all, j])
        accept = live & (top >= tau_run) & (fit.rn2 > EXPLAINED * vv) & (chosen.sum(axis=1) < max_terms)
        if not accept.any():
            break
        acc = np.nonzero(accept)[0]
        fit.add(acc, j[acc])

    sel = chosen.copy()
    dropped = np.zeros_like(sel)
    w = np.zeros_like(c)
    _solve(G, c, sel, w, rows_all[sel.any(axis=1)])

    def residual_energy():
        return np.maximum(vv - np.einsum("bi,bi->b", c, w), 0.0)

    # Rows that took no new term, or are fully explained, are final for this round: drop the terms whose
    # own evidence is below the threshold or that carry no energy, then re-fit. (Before that, a large
    # residual still hides true terms' evidence.)
    rn2 = residual_energy()
    final = (sel.sum(axis=1) == before) | (rn2 <= EXPLAINED * vv) | last
    for _ in range(4):
        t = _evidence(w, dg, rn2)
        negligible = w * w * dg <= EXPLAINED * vv[:, None]
        drop = sel & ((np.abs(t) < tau[:, None]) | negligible) & final[:, None]
        if not drop.any():
            break
        sel &= ~drop
        dropped |= drop
        _solve(G, c, sel, w, np.nonzero(drop.any(axis=1))[0])
        rn2 = residual_energy()
    t = np.where(sel, _evidence(w, dg, rn2), 0.0)

    # The best term left out (for reporting near misses).
    corr = c - np.einsum("bij,bj->bi", G, w)
    sim = corr / np.sqrt(np.maximum(rn2[:, None] * dg, 1e-300))
    sim[~valid | sel] = 0.0
    j = np.argmax(np.abs(sim), axis=1)
    near = [(codes[b, j[b]] if valid[b, j[b]] and not sel[b, j[b]] and rn2[b] > EXPLAINED * vv[b] else -1,
             sim[b, j[b]]) for b in rows_all]
    return w, sel, t, near, dropped


class _Orthogonal:
    """Orthogonal projection onto the chosen columns, grown one column at a time, per row.

    The orthonormal basis is kept as coefficients over the shortlist
    (``q_i = Σ_m Q[i, m]·d_m``), so everything stays in the Gram space:
    ``corr`` = ⟨residual, d_m⟩ and ``rn2`` = ‖residual‖².
    """

    def __init__(self, G, c, vv, dg) -> None:
        r, M = c.shape
        self.G, self.c, self.dg = G, c, dg
        self.Q = np.zeros((r, M, M))
        self.n = np.zeros(r, dtype=np.int64)
        self.corr = c.copy()
        self.rn2 = vv.astype(np.float64).copy()
        self.chosen = np.zeros((r, M), dtype=bool)

    def similarities(self) -> np.ndarray:
        return self.corr / np.sqrt(np.maximum(np.maximum(self.rn2, 0.0)[:, None] * self.dg, 1e-300))

    def add(self, rows: np.ndarray, cols: np.ndarray) -> None:
        if rows.size == 0:
            return
        G, Q = self.G, self.Q
        full = rows.size == self.c.shape[0]                      # all rows: views, not copies
        k = int(self.n[rows].max(initial=0))                     # basis rows in use
        Gr = G if full else G[rows]
        Qr = Q[:, :k] if full else Q[rows, :k]
        g = Gr[np.arange(rows.size), :, cols]                    # ⟨d_m, d_j⟩
        a = np.einsum("rkm,rm->rk", Qr, g)                       # ⟨q_i, d_j⟩
        u2 = self.dg[rows, cols] - np.einsum("rk,rk->r", a, a)
        ok = u2 > 1e-9 * self.dg[rows, cols]                     # a column inside the span adds nothing
        self.chosen[rows, cols] = True
        if not ok.all():
            rows, cols, a, u2 = rows[ok], cols[ok], a[ok], u2[ok]
            Gr, Qr = Gr[ok], Qr[ok]
            if rows.size == 0:
                return
        q = -np.einsum("rk,rkm->rm", a, Qr)
        q[np.arange(rows.size), cols] += 1.0
        q /= np.sqrt(u2)[:, None]
        Q[rows, self.n[rows]] = q
        self.n[rows] += 1
        beta = np.einsum("rm,rm->r", q, self.c[rows])
        self.corr[rows] -= beta[:, None] * np.einsum("rmn,rn->rm", Gr, q)
        self.rn2[rows] -= beta * beta


def _evidence(w: np.ndarray, dg: np.ndarray, rn2: np.ndarray) -> np.ndarray:
    """Explained-away similarity of each term: ⟨r + w·d, d⟩ / (‖r + w·d‖‖d‖), with r ⟂ d after the fit."""
    signal = w * np.sqrt(dg)
    return signal / np.sqrt(np.maximum(rn2[:, None] + signal * signal, 1e-300))


def _store(codes, sel, w, evidence, rows, sl_codes, sl_sel, sl_w, sl_t):
    """Writes the rows' new shortlists back into the batch arrays (widening them if needed)."""
    B = codes.shape[0]
    k = max(codes.shape[1], int(sl_sel.sum(axis=1).max(initial=0)))
    if k > codes.shape[1]:
        pad = k - codes.shape[1]
        codes = np.concatenate([codes, np.full((B, pad), -1, dtype=np.int64)], axis=1)
        sel = np.concatenate([sel, np.zeros((B, pad), dtype=bool)], axis=1)
        w = np.concatenate([w, np.zeros((B, pad))], axis=1)
        evidence = np.concatenate([evidence, np.zeros((B, pad))], axis=1)
    c2, s2, w2 = _compact(sl_codes, sl_sel, sl_w)
    _, _, t2 = _compact(sl_codes, sl_sel, sl_t)
    kk = c2.shape[1]
    codes[rows] = -1
    sel[rows] = False
    w[rows] = 0.0
    evidence[rows] = 0.0
    codes[rows, :kk] = c2
    sel[rows, :kk] = s2
    w[rows, :kk] = w2
    evidence[rows, :kk] = t2
    return codes, sel, w, evidence


def _open_keys(keys: Keys, active, rows, sl_codes, sl_sel, N, tag_base, explained, probe: int) -> np.ndarray:
    """Activates keys suggested by what was found; True for rows that got a new key."""
    opened = np.zeros(rows.size, dtype=bool)
    steps = keys.step_keys
    for j, b in enumerate(rows):
        before = active[b].copy()
        chosen = sl_codes[j][sl_sel[j]]
        tags = chosen[chosen >= tag_base] - tag_base
        for t in tags:
            active[b, keys.tag_roles[int(t)]] = True
        if steps.size and not explained[j]:
            if not active[b, steps[0]]:
                active[b, steps[: min(max(2, probe), steps.size)]] = True
            found = chosen[chosen < tag_base] // N if N else np.empty(0, dtype=np.int64)
            stage = np.array([keys.step_of(int(k)) for k in found], dtype=np.int64)
            if stage.size and (stage >= 0).any():
                # a flow reaching stage s is probed to 2(s+1): long flows take log(length) rounds
                active[b, steps[: min(2 * (int(stage.max()) + 1), steps.size)]] = True
        opened[j] = bool((active[b] & ~before).any())
    return opened


def _threads(threads: int | None) -> int:
    """The core's thread count: None and 0 both mean all cores."""
    return 0 if threads is None else int(threads)


def _inverse_norms(cleanup) -> np.ndarray:
    """``1 / ‖candidate‖`` of each candidate (zero vectors get a huge factor on a zero dot: score 0)."""
    return (1.0 / np.maximum(cleanup.norms, 1e-30)).astype(np.float32)

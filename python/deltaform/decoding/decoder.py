"""Decoding: vectors back into formulas (ENCODING.md, "Decoding").

:func:`decode` and :func:`decode_many` recover a formula from a vector:
the schema tag, the flow stages, the layers of known roles and the plain terms,
all as one bundle of unknown size recovered by explaining away
(:mod:`deltaform.decoding.pursuit`), then assembled into a tree
(:mod:`deltaform.decoding.assemble`). Stored formulas found among the terms are
decoded in turn, down to ``max_depth`` levels. :func:`query` answers one
question instead: what fills this role, or what is at this stage of a flow.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Mapping, Sequence

import numpy as np

from deltaform import ast
from deltaform.decoding.assemble import assemble
from deltaform.decoding.cleanup import Cleanup
from deltaform.decoding.keys import STEP, Keys, schema_table
from deltaform.decoding.pursuit import Settings, explain
from deltaform.decoding.result import Decoded

__all__ = ["decode", "decode_many", "query", "query_many"]


def decode(
    space,
    vector: np.ndarray,
    candidates: Cleanup | Iterable[str],
    roles: Iterable[str] = (),
    schemas: Mapping[str, Sequence[str]] | Iterable[ast.Schema] | None = None,
    max_depth: int = 3,
    max_steps: int = 16,
    fp_rate: float = 1e-3,
    exclude: Iterable[str] = (),
    threads: int | None = None,
    **tuning,
) -> Decoded:
    """Decodes one vector (storage format, ``(width,)``) into a :class:`Decoded`.

    * ``candidates`` — what terms may be: a :class:`Cleanup` (atoms and stored
      formulas), or atom names.
    * ``roles`` — the role vocabulary: roles whose layers are looked for.
    * ``schemas`` — declared schemas (``{name: roles}`` or ``ast.Schema``
      statements): their tags are looked for, and their roles once a tag is found.
    * ``max_depth`` — how many levels of stored formulas found among the terms
      are decoded in turn (0: none).
    * ``max_steps`` — the longest flow looked for.
    * ``fp_rate`` — the chance of accepting one spurious term where the vector
      holds nothing more (sets the noise threshold; see :mod:`deltaform.decoding.noise`).
    * ``exclude`` — candidates (names or addresses) that may not be used, e.g.
      the address the vector itself is stored under.

    Tuning (keyword): ``probe_steps`` — flow positions probed at once when
    the first round leaves energy unexplained (default 4; raise it for long
    flows near capacity); ``shortlist``, ``per_key``, ``max_terms``,
    ``max_rounds`` — sizes of the search (see :mod:`deltaform.decoding.pursuit`).

    A zero vector, or one in which no term stands above the noise, gives a
    result whose ``formula`` is None. A vector of the wrong width or with NaN
    raises ValueError.
    """
    v = _check_vectors(space, vector, "vector", single=True)
    return decode_many(space, v[None, :], candidates, roles, schemas, max_depth, max_steps, fp_rate,
                       [list(exclude)], threads, **tuning)[0]


def decode_many(
    space,
    vectors: np.ndarray,
    candidates: Cleanup | Iterable[str],
    roles: Iterable[str] = (),
    schemas: Mapping[str, Sequence[str]] | Iterable[ast.Schema] | None = None,
    max_depth: int = 3,
    max_steps: int = 16,
    fp_rate: float = 1e-3,
    exclude: Sequence[Iterable[str]] | None = None,
    threads: int | None = None,
    **tuning,
) -> list[Decoded]:
    """Decodes a batch ``(n, width)``; the work runs over the whole batch at once.

    Same arguments as :func:`decode`; ``exclude`` is None or one list per
    vector. ``threads`` (None or 0: all cores) is the number of worker
    threads, each taking a slice of the batch; BLAS runs one thread per worker.
    """
    V = _check_vectors(space, vectors, "vectors", single=False)
    cleanup = _as_cleanup(space, candidates)
    if max_depth < 0 or max_steps < 0:
        raise ValueError(f"max_depth and max_steps must be >= 0, got {max_depth} and {max_steps}")
    keys = Keys.build(cleanup.view, list(roles), schema_table(schemas), int(max_steps))
    settings = _settings(fp_rate, threads, tuning)
    if exclude is not None and len(exclude) != V.shape[0]:
        raise ValueError(f"exclude: expected one list per vector ({V.shape[0]}), got {len(exclude)}")
    excluded = [_rows_of(cleanup, ex) for ex in exclude] if exclude is not None else None
    if V.shape[0] == 0:
        return []
    with _one_blas_thread():
        return _decode_rows(keys, cleanup, V, settings, excluded, int(max_depth), {})


def query(
    space,
    vector: np.ndarray,
    candidates: Cleanup | Iterable[str],
    role: str | None = None,
    step: int | None = None,
    fp_rate: float = 1e-3,
    threads: int | None = None,
    **tuning,
) -> Decoded:
    """What fills ``role`` in ``vector``, or what is at flow stage ``step``: unbind, then clean up.

    The answer is a :class:`Decoded` whose formula is the filler (an atom, a
    stored formula, or a bundle of them, recovered by explaining away), or None.
    """
    v = _check_vectors(space, vector, "vector", single=True)
    return query_many(space, v[None, :], candidates, role, step, fp_rate, threads, **tuning)[0]


def query_many(
    space,
    vectors: np.ndarray,
    candidates: Cleanup | Iterable[str],
    role: str | None = None,
    step: int | None = None,
    fp_rate: float = 1e-3,
    threads: int | None = None,
    **tuning,
) -> list[Decoded]:
    """:func:`query` for a batch ``(n, width)``."""
    if (role is None) == (step is None):
        raise ValueError("query: give exactly one of role= or step=")
    V = _check_vectors(space, vectors, "vectors", single=False)
    cleanup = _as_cleanup(space, candidates)
    view = cleanup.view
    if role is not None:
        if not isinstance(role, str) or not role:
            raise TypeError(f"role must be a non-empty str, got {role!r}")
        key = view.real(space.atom(role))
    else:
        if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 0:
            raise ValueError(f"step must be an int >= 0, got {step!r}")
        key = view.permute(view.real(space.atom(STEP)), int(step))
    keys = Keys.build(view, [], {}, 0)
    settings = _settings(fp_rate, threads, tuning)
    if V.shape[0] == 0:
        return []
    with _one_blas_thread():
        U = view.unbind(view.real(V), key, threads=threads)
        fits = _explain_parallel(keys, cleanup, U, settings, None, only_keys=np.array([0]))
        return [assemble(fit, keys, cleanup) for fit in fits]


# ---------------------------------------------------------------- internals
def _decode_rows(keys: Keys, cleanup: Cleanup, V: np.ndarray, settings: Settings, excluded, depth: int,
                 cache: dict[int, Decoded], ancestors: list[frozenset[int]] | None = None) -> list[Decoded]:
    view = keys.view
    n = V.shape[0]
    if ancestors is None:
        ancestors = [frozenset()] * n
    ex = []
    for i in range(n):
        rows = set(ancestors[i])
        if excluded is not None:
            rows.update(int(r) for r in excluded[i])
        ex.append(np.array(sorted(rows), dtype=np.int64))
    fits = _explain_parallel(keys, cleanup, view.real(V), settings, ex)
    results = [assemble(fit, keys, cleanup) for fit in fits]
    if depth <= 0:
        return results

    # Stored formulas among the terms: decode each once, as a batch, one level deeper.
    wanted: dict[int, frozenset[int]] = {}
    N = len(cleanup)
    tag_base = len(keys) * N
    per_row: list[list[int]] = []
    for i, fit in enumerate(fits):
        rows = sorted({int(c % N) for c in fit.codes.tolist() if c < tag_base and cleanup.is_formula(int(c % N))})
        per_row.append(rows)
        for r in rows:
            if r not in cache and r not in wanted and r not in ancestors[i]:
                # A formula is never explained by one it was found inside (or by what its parent excluded).
                wanted[r] = ancestors[i] | {r} | {int(x) for x in ex[i]}
    if wanted:
        order = sorted(wanted)
        sub = _decode_rows(keys, cleanup, np.asarray(cleanup.vectors)[order], settings, None, depth - 1, cache,
                           [wanted[r] for r in order])
        for r, d in zip(order, sub):
            cache[r] = d
    out = []
    for res, rows in zip(results, per_row):
        if rows:
            refs = {_address(cleanup.leaf(r)): cache[r] for r in rows if r in cache}
            res = Decoded(res.formula, res.confidence, res.terms, refs, res.lost, res.unexplained, res.threshold,
                          res.searched, res.near_miss)
        out.append(res)
    return out


def _address(leaf) -> str:
    return leaf.address if isinstance(leaf, ast.Ref) else leaf.symbol


def _settings(fp_rate: float, threads, tuning: dict) -> Settings:
    if not isinstance(fp_rate, (int, float)) or not 0.0 < float(fp_rate) < 1.0:
        raise ValueError(f"fp_rate must be a probability in (0, 1), got {fp_rate!r}")
    if threads is not None and threads < 0:
        raise ValueError(f"threads must be >= 0 (0 means all cores), got {threads}")
    allowed = {"shortlist", "per_key", "max_terms", "max_rounds", "probe_steps"}
    unknown = set(tuning) - allowed
    if unknown:
        raise TypeError(f"unknown decoding option(s): {', '.join(sorted(unknown))}")
    return Settings(fp_rate=float(fp_rate), threads=threads, **{k: int(v) for k, v in tuning.items()})


def _as_cleanup(space, candidates) -> Cleanup:
    if isinstance(candidates, Cleanup):
        if candidates.space != space:
            raise ValueError(f"the candidates belong to {candidates.space!r}, not to {space!r}")
        return candidates
    if isinstance(candidates, (str, bytes)) or candidates is None:
        raise TypeError("candidates: give a Cleanup or an iterable of atom names")
    return Cleanup(space, list(candidates))


def _rows_of(cleanup: Cleanup, items: Iterable[str]) -> list[int]:
    return [cleanup.index(x) for x in items if x in cleanup]


def _check_vectors(space, vectors, what: str, single: bool) -> np.ndarray:
    v = np.asarray(vectors)
    want = "(width,)" if single else "(n, width)"
    if v.ndim != (1 if single else 2) or v.shape[-1] != space.width:
        raise ValueError(f"{what}: expected shape {want} with width {space.width} for {space!r}, got shape {v.shape}")
    if space.algebra == "bsc":
        if v.dtype != np.uint8:
            raise ValueError(f"{what}: a bsc vector is bit-packed uint8, got dtype {v.dtype}")
        return np.ascontiguousarray(v)
    if v.dtype.kind not in "fiu":
        raise ValueError(f"{what}: expected float vectors, got dtype {v.dtype}")
    v = np.ascontiguousarray(v, dtype=np.float32)
    if not np.all(np.isfinite(v)):
        bad = np.argwhere(~np.isfinite(v))[0]
        raise ValueError(f"{what}: not finite (NaN or infinity) at index {tuple(int(i) for i in bad)}")
    return v


def _explain_parallel(keys: Keys, cleanup: Cleanup, V: np.ndarray, settings: Settings, exclude, only_keys=None):
    """:func:`explain` over slices of the batch, one per thread (each slice is itself batched)."""
    threads = settings.threads or os.cpu_count() or 1
    n = V.shape[0]
    parts = min(threads, max(1, n // 8))  # a slice below ~8 vectors is not worth a thread
    if parts <= 1:
        return explain(keys, cleanup, V, settings, exclude=exclude, only_keys=only_keys)
    bounds = np.linspace(0, n, parts + 1).astype(int)
    inner = Settings(**{**settings.__dict__, "threads": 1})

    def run(i: int):
        lo, hi = bounds[i], bounds[i + 1]
        ex = exclude[lo:hi] if exclude is not None else None
        return explain(keys, cleanup, V[lo:hi], inner, exclude=ex, only_keys=only_keys)

    with ThreadPoolExecutor(max_workers=parts) as pool:
        results = list(pool.map(run, range(parts)))
    return [fit for part in results for fit in part]


@contextlib.contextmanager
def _one_blas_thread():
    """BLAS runs single-threaded inside decoding; parallelism comes from slicing the batch.

    Many small products (the shortlists' Gram matrices) are what decoding
    does, and a threaded BLAS spends far more time synchronising on them than
    computing, the more so on a busy machine. Needs threadpoolctl; without it
    BLAS keeps its own setting.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield

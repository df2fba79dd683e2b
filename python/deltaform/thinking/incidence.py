"""The memory's catalogue as arrays: which formula has which atoms, refers to which, was fused from which.

Built once per state of the memory (cached by the number of committed rows)
and shared by :mod:`flash` and :mod:`consolidate`. Nodes are the current
formulas in row order; the formula→atom incidence is kept CSR-style
(``indptr``/``atoms`` arrays), the formula→formula links (references, fusion)
as parallel edge arrays, so spreading and counting are numpy passes, not
Python loops over candidates.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Incidence", "incidence_of", "ensure_tables", "fusion_sources", "minted_couplings",
           "LINK_REF", "LINK_FUSION"]

LINK_REF = 1
LINK_FUSION = 2

# Tables of the thinking layer, beside the memory's own (created on first write).
TABLES_SQL = """
CREATE TABLE IF NOT EXISTS fusions(        -- provenance of formulas made by `fuse`
    address TEXT    PRIMARY KEY,
    row     INTEGER NOT NULL,
    sources TEXT    NOT NULL,              -- JSON list of source addresses
    fields  TEXT,                          -- JSON list of field roles (null: none)
    weights TEXT,                          -- JSON list of weights (null: equal)
    mode    TEXT    NOT NULL,              -- fields | schema | bundle
    added   REAL    NOT NULL
);
CREATE TABLE IF NOT EXISTS couplings(      -- stable couplings minted by `consolidate`
    key     TEXT    PRIMARY KEY,           -- the atom keys, sorted, joined by U+001F
    address TEXT    NOT NULL,
    row     INTEGER NOT NULL,
    atoms   TEXT    NOT NULL,              -- JSON list
    count   INTEGER NOT NULL,              -- formulas holding every atom of the coupling
    pmi     REAL    NOT NULL,              -- log of observed / expected-if-independent
    total   INTEGER NOT NULL,              -- formulas counted
    added   REAL    NOT NULL
);
"""


def ensure_tables(con: sqlite3.Connection) -> None:
    for stmt in TABLES_SQL.split(";"):
        if stmt.strip():
            con.execute(stmt)


def _rows_of(con: sqlite3.Connection, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return []
        raise


def fusion_sources(memory: Any) -> dict[str, list[str]]:
    """address → source addresses, for every formula made by ``fuse``."""
    return {a: json.loads(s) for a, s in _rows_of(memory._store.catalog.con, "SELECT address, sources FROM fusions")}


def minted_couplings(memory: Any) -> dict[str, tuple[str, int]]:
    """coupling key → (address, row), for every coupling minted by ``consolidate``."""
    return {k: (a, r) for k, a, r in _rows_of(memory._store.catalog.con, "SELECT key, address, row FROM couplings")}


@dataclass(frozen=True)
class Incidence:
    rows: np.ndarray          # (N,) int64, vector row of each node, ascending
    addresses: list[str]      # (N,) address of each node
    atom_names: list[str]     # (V,) atom keys
    indptr: np.ndarray        # (N+1,) int64: the atoms of node i are atoms[indptr[i]:indptr[i+1]]
    atoms: np.ndarray         # (nnz,) int64 atom ids, each node's sorted and unique
    owner: np.ndarray         # (nnz,) int64 node of each incidence entry
    df: np.ndarray            # (V,) int64 formulas per atom
    edge_src: np.ndarray      # (E,) int64 node → node links, both directions
    edge_dst: np.ndarray
    edge_kind: np.ndarray     # (E,) int8: LINK_REF or LINK_FUSION
    minted: np.ndarray        # (N,) bool: made by `consolidate` (left out of the statistics)

    @property
    def n(self) -> int:
        return len(self.rows)

    def node_of(self, address: str) -> int:
        try:
            return self._index[address]  # type: ignore[attr-defined]
        except AttributeError:
            object.__setattr__(self, "_index", {a: i for i, a in enumerate(self.addresses)})
            return self._index[address]  # type: ignore[attr-defined]

    def nodes_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Node of each vector row (-1 for rows that are not current formulas)."""
        rows = np.asarray(rows, dtype=np.int64)
        pos = np.searchsorted(self.rows, rows)
        pos = np.minimum(pos, max(self.n - 1, 0))
        ok = (self.n > 0) & (self.rows[pos] == rows) if self.n else np.zeros(rows.shape, bool)
        return np.where(ok, pos, -1)


_cache: dict[int, tuple[tuple, Incidence]] = {}
_cache_lock = threading.Lock()


def incidence_of(memory: Any) -> Incidence:
    """The arrays of ``memory`` as it is now (rebuilt when rows were committed since)."""
    con = memory._store.catalog.con
    n_fusions = _rows_of(con, "SELECT count(*) FROM fusions") or [(0,)]
    n_couplings = _rows_of(con, "SELECT count(*) FROM couplings") or [(0,)]
    key = (memory.path, memory.rows, n_fusions[0][0], n_couplings[0][0])
    with _cache_lock:
        hit = _cache.get(id(memory))
        if hit is not None and hit[0] == key:
            return hit[1]
    inc = _build(memory)
    with _cache_lock:
        _cache[id(memory)] = (key, inc)
    return inc


def _build(memory: Any) -> Incidence:
    con = memory._store.catalog.con
    fetched = con.execute("SELECT row, address, facts FROM formulas WHERE current=1 ORDER BY row").fetchall()
    n = len(fetched)
    rows = np.fromiter((r[0] for r in fetched), dtype=np.int64, count=n)
    addresses = [r[1] for r in fetched]
    atom_id: dict[str, int] = {}
    lengths = np.zeros(n, dtype=np.int64)
    flat: list[int] = []
    refs: list[tuple[int, str]] = []
    setdefault = atom_id.setdefault
    for i, (_, _, facts_json) in enumerate(fetched):
        facts = json.loads(facts_json)
        ids = sorted({setdefault(a, len(atom_id)) for a in facts.get("atoms", ())})
        lengths[i] = len(ids)
        flat.extend(ids)
        for ref in facts.get("refs", ()) or ():
            refs.append((i, ref))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    atoms = np.asarray(flat, dtype=np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
    df = np.bincount(atoms, minlength=len(atom_id)).astype(np.int64)
    names = [""] * len(atom_id)
    for a, i in atom_id.items():
        names[i] = a
    index = {a: i for i, a in enumerate(addresses)}
    src: list[int] = []
    dst: list[int] = []
    kind: list[int] = []

    def link(a: int, b: int, k: int) -> None:
        if a != b:
            src.extend((a, b))
            dst.extend((b, a))
            kind.extend((k, k))

    for i, ref in refs:
        j = index.get(ref)
        if j is not None:
            link(i, j, LINK_REF)
    for address, sources in fusion_sources(memory).items():
        i = index.get(address)
        for s in sources:
            j = index.get(s)
            if i is not None and j is not None:
                link(i, j, LINK_FUSION)
    minted = np.zeros(n, dtype=bool)
    for address, _row in minted_couplings(memory).values():
        j = index.get(address)
        if j is not None:
            minted[j] = True
    inc = Incidence(rows=rows, addresses=addresses, atom_names=names, indptr=indptr, atoms=atoms, owner=owner,
                    df=df, edge_src=np.asarray(src, np.int64), edge_dst=np.asarray(dst, np.int64),
                    edge_kind=np.asarray(kind, np.int8), minted=minted)
    object.__setattr__(inc, "_index", index)
    return inc

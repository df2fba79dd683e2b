"""Stable couplings (§9.7.3, §9.6.2): co-occurring atoms consolidate into new Δ-formulas.

    report = consolidate(mem, min_count=20, min_pmi=3.0)
    for m in report.minted:
        print(m)     # Δ101 = вода + весна  (count 40, pmi 5.2 bits)

What is counted: for every current formula (those minted here left out), its
own atoms (as written, not those reached through references); then every atom,
every pair and every triple of atoms that occur in one formula. A coupling is
*stable* when it occurs in at least ``min_count`` formulas and its pointwise
mutual information is at least ``min_pmi`` bits: for a pair
``log2(P(a,b) / (P(a)·P(b)))``; for a triple the weakest of its three splits
into a pair and an atom, ``min log2(P(a,b,c) / (P(a,b)·P(c)))`` — so a strong
pair plus an unrelated frequent atom is not a stable triple. A pair is left out when a stable triple holds it with the same count (the
pair never occurs without the third atom: the triple says it all).

The counts are computed on demand from the facts the catalogue keeps per
formula, not kept incrementally: they come from one numpy pass over the
formula→atom arrays (that :func:`deltaform.thinking.flash` builds anyway),
which costs well under a second per 100k formulas, while pair and triple
tables kept per batch would write O(atoms³) rows on every add and need
decrementing whenever an address is replaced.

Minted formulas are plain bundles ``a + b (+ c)`` of the atoms, sorted, added in
one batch; each coupling is recorded in the ``couplings`` table, so it is never
minted twice, and none is minted that already stands in the memory as a plain
bundle of exactly those atoms.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deltaform import ast
from deltaform.formula import parse_expr
from deltaform.thinking.incidence import Incidence, ensure_tables, incidence_of, minted_couplings

__all__ = ["consolidate", "couplings", "Coupling", "Consolidation"]

KEY_SEP = "\x1f"


@dataclass(frozen=True)
class Coupling:
    """Atoms that occur together: in ``count`` of ``total`` formulas, ``pmi`` bits above chance."""
    atoms: tuple[str, ...]
    count: int
    pmi: float
    expected: float              # count if the atoms were independent
    total: int
    address: str | None = None   # where it was minted (None: not minted)
    reason: str = ""             # why it was or was not minted

    @property
    def key(self) -> str:
        return KEY_SEP.join(self.atoms)

    def __str__(self) -> str:
        head = f"{self.address} = " if self.address else ""
        return (f"{head}{' + '.join(self.atoms)}  (count {self.count} of {self.total}, expected "
                f"{self.expected:.2f}, pmi {self.pmi:.2f} bits){': ' + self.reason if self.reason else ''}")


@dataclass
class Consolidation:
    """What ``consolidate`` did: the couplings minted and the stable ones it skipped, with why."""
    minted: list[Coupling] = field(default_factory=list)
    skipped: list[Coupling] = field(default_factory=list)
    total: int = 0               # formulas counted
    seconds: float = 0.0


def _atom_node(key: str) -> ast.Atom:
    try:
        parsed = parse_expr(key)
    except Exception:
        parsed = None
    if isinstance(parsed, ast.Atom) and not parsed.quoted and parsed.key == key:
        return ast.Atom(key)
    return ast.Atom(key, quoted=True)


def _combos(inc: Incidence, keep_atom: np.ndarray, size: int, max_atoms: int) -> np.ndarray:
    """(m, size) atom-id rows: every ``size``-subset of each counted formula's kept atoms (sorted)."""
    ok = keep_atom[inc.atoms] & ~inc.minted[inc.owner]
    atoms, owner = inc.atoms[ok], inc.owner[ok]
    counts = np.bincount(owner, minlength=inc.n)
    start = np.zeros(inc.n + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    lengths = np.minimum(counts, max_atoms)
    parts = []
    top = int(lengths.max()) if len(lengths) else 0

    def rec(prefix: tuple[int, ...]) -> None:
        if len(prefix) == size:
            nodes = np.flatnonzero(lengths > prefix[-1])
            parts.append(np.stack([atoms[start[nodes] + p] for p in prefix], axis=1))
            return
        first = prefix[-1] + 1 if prefix else 0
        for p in range(first, top - (size - len(prefix)) + 1):
            rec(prefix + (p,))

    rec(())
    return np.concatenate(parts) if parts else np.empty((0, size), dtype=np.int64)


def _count_rows(combos: np.ndarray, v: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``combos`` (ascending) and how often each occurs; one int64 key per row when it fits."""
    size = combos.shape[1]
    if float(v) ** size < 2.0 ** 62:
        key = np.zeros(len(combos), dtype=np.int64)
        for j in range(size):
            key = key * v + combos[:, j]
        keys, count = np.unique(key, return_counts=True)
        uniq = np.empty((len(keys), size), dtype=np.int64)
        for j in range(size - 1, -1, -1):
            uniq[:, j] = keys % v
            keys = keys // v
        return uniq, count
    return np.unique(combos, axis=0, return_counts=True)


def _triple_pmi(uniq: np.ndarray, count: np.ndarray, atom_count: np.ndarray, pair_keys: np.ndarray,
                pair_counts: np.ndarray, v: int, total: int) -> np.ndarray:
    """The weakest split of each triple: min over (pair, third atom) of log2(P(abc) / (P(pair)·P(third)))."""
    order = np.argsort(pair_keys)
    keys, counts = pair_keys[order], pair_counts[order]
    out = np.full(len(uniq), np.inf)
    for pair, third in (((0, 1), 2), ((0, 2), 1), ((1, 2), 0)):
        k = uniq[:, pair[0]] * v + uniq[:, pair[1]]
        c_pair = counts[np.searchsorted(keys, k)]     # present: a pair is at least as frequent as its triple
        pmi = np.log2(count * total / (c_pair.astype(np.float64) * atom_count[uniq[:, third]]))
        out = np.minimum(out, pmi)
    return out


def couplings(memory: Any, min_count: int = 5, min_pmi: float = 2.0, *, sizes: tuple[int, ...] = (2, 3),
              max_atoms: int = 16) -> tuple[list[Coupling], int]:
    """The stable couplings of ``memory`` (strongest first) and the number of formulas counted.

    Formulas with more than ``max_atoms`` atoms contribute combinations of
    their first ``max_atoms`` (by first appearance in the memory) only.
    """
    if min_count < 1:
        raise ValueError(f"min_count must be >= 1, got {min_count}")
    if any(s not in (2, 3) for s in sizes) or not sizes:
        raise ValueError(f"sizes are 2 (pairs) and/or 3 (triples), got {sizes}")
    inc = incidence_of(memory)
    counted = ~inc.minted
    total = int(counted.sum())
    if total == 0:
        return [], 0
    atom_count = np.bincount(inc.atoms[counted[inc.owner]], minlength=len(inc.atom_names))
    keep_atom = atom_count >= min_count          # a coupling is never more frequent than its atoms
    found: dict[int, list[Coupling]] = {}
    pair_keys = pair_counts = None
    for size in sorted(sizes):
        if size == 3 and pair_keys is None:       # triples are judged against their pairs
            uniq, count = _count_rows(_combos(inc, keep_atom, 2, max_atoms), len(inc.atom_names))
            pair_keys, pair_counts = uniq[:, 0] * len(inc.atom_names) + uniq[:, 1], count
        combos = _combos(inc, keep_atom, size, max_atoms)
        if not len(combos):
            found[size] = []
            continue
        uniq, count = _count_rows(combos, len(inc.atom_names))
        sel = count >= min_count
        uniq, count = uniq[sel], count[sel]
        if size == 2:
            pmi = np.log2(count * total / atom_count[uniq].astype(np.float64).prod(axis=1))
        else:
            pmi = _triple_pmi(uniq, count, atom_count, pair_keys, pair_counts, len(inc.atom_names), total)
        expected = count / np.exp2(pmi)
        sel = pmi >= min_pmi
        if size == 2:
            pair_keys, pair_counts = uniq[:, 0] * len(inc.atom_names) + uniq[:, 1], count
        found[size] = [Coupling(atoms=tuple(inc.atom_names[a] for a in u), count=int(c), pmi=float(p),
                                expected=float(e), total=total)
                       for u, c, p, e in zip(uniq[sel].tolist(), count[sel].tolist(), pmi[sel].tolist(),
                                             expected[sel].tolist())]
    out = list(found.get(3, []))
    held: dict[frozenset, int] = {}
    for t in out:
        for i in range(3):
            sub = frozenset(t.atoms[:i] + t.atoms[i + 1:])
            held[sub] = max(held.get(sub, 0), t.count)
    for p in found.get(2, []):
        if held.get(frozenset(p.atoms), -1) != p.count:
            out.append(p)
    out = [Coupling(atoms=tuple(sorted(c.atoms)), count=c.count, pmi=c.pmi, expected=c.expected, total=c.total)
           for c in out]
    out.sort(key=lambda c: (-c.pmi * c.count, -c.count, c.atoms))
    return out, total


def _existing_bundles(memory: Any, inc: Incidence, wanted: list[Coupling]) -> set[frozenset]:
    """Those of ``wanted`` that stand in the memory already as a plain bundle of exactly their atoms."""
    if not wanted:
        return set()
    index = {a: i for i, a in enumerate(inc.atom_names)}
    order = np.argsort(inc.atoms, kind="stable")
    sorted_atoms = inc.atoms[order]
    lengths = np.diff(inc.indptr)
    out: set[frozenset] = set()
    for c in wanted:
        ids = [index[a] for a in c.atoms]
        nodes = None
        for a in ids:
            lo, hi = np.searchsorted(sorted_atoms, [a, a + 1])
            have = inc.owner[order[lo:hi]]
            nodes = have if nodes is None else np.intersect1d(nodes, have)
        nodes = nodes[lengths[nodes] == len(ids)]
        if not len(nodes):
            continue
        for e in memory._store.entries(inc.rows[nodes].tolist()).values():
            if e.facts.refs or e.kind != "formula":
                continue
            tree = parse_expr(e.expr)
            terms = tree.terms if isinstance(tree, ast.Bundle) and all(s == 1 for s in tree.signs) else ()
            if terms and all(isinstance(t, ast.Atom) for t in terms) and \
                    frozenset(t.key for t in terms) == frozenset(c.atoms):
                out.add(frozenset(c.atoms))
                break
    return out


def record_couplings(con: sqlite3.Connection, minted: list[Coupling], addresses: list[str]) -> None:
    """Write the ``couplings`` rows of minted formulas, inside the transaction that stores them."""
    ensure_tables(con)
    rows: dict[str, int] = {}
    for start in range(0, len(addresses), 500):      # within SQLite's limit on bound parameters
        chunk = addresses[start:start + 500]
        rows.update(con.execute(f"SELECT address, row FROM formulas WHERE current=1 AND address IN "
                                f"({','.join('?' * len(chunk))})", chunk).fetchall())
    now = time.time()
    con.executemany(
        "INSERT INTO couplings(key, address, row, atoms, count, pmi, total, added) VALUES (?,?,?,?,?,?,?,?)",
        [(c.key, a, rows[a], json.dumps(list(c.atoms), ensure_ascii=False), c.count, c.pmi, c.total, now)
         for c, a in zip(minted, addresses)])


def consolidate(memory: Any, min_count: int = 5, min_pmi: float = 2.0, *, sizes: tuple[int, ...] = (2, 3),
                max_atoms: int = 16, limit: int | None = None, dry_run: bool = False,
                scene: str | None = None) -> Consolidation:
    """Mint a Δ-formula for every stable coupling not minted or written before; report what and why.

    ``limit`` caps how many are minted (strongest first); ``dry_run`` mints
    nothing and reports what would be minted.
    """
    t0 = time.perf_counter()
    stable, total = couplings(memory, min_count, min_pmi, sizes=sizes, max_atoms=max_atoms)
    report = Consolidation(total=total)
    done = minted_couplings(memory)
    inc = incidence_of(memory)
    fresh = []
    for c in stable:
        if c.key in done:
            report.skipped.append(_with(c, done[c.key][0], "minted before"))
        else:
            fresh.append(c)
    exists = _existing_bundles(memory, inc, fresh)
    todo = []
    for c in fresh:
        if frozenset(c.atoms) in exists:
            report.skipped.append(_with(c, None, "already a formula"))
        elif limit is not None and len(todo) >= limit:
            report.skipped.append(_with(c, None, "over the limit"))
        else:
            todo.append(c)
    if todo and not dry_run:
        stmts = [ast.Anonymous(ast.Bundle(tuple(_atom_node(a) for a in c.atoms), (1,) * len(c.atoms)), scene)
                 for c in todo]
        # The couplings table is written in the formulas' own transaction: both are stored, or neither.
        addresses = memory.add_many(stmts, also=lambda con, addresses: record_couplings(con, todo, addresses))
        todo = [_with(c, a, _why(c, min_count, min_pmi)) for c, a in zip(todo, addresses)]
    else:
        todo = [_with(c, None, _why(c, min_count, min_pmi) + (" (dry run)" if dry_run else "")) for c in todo]
    report.minted = todo
    report.seconds = time.perf_counter() - t0
    return report


def _why(c: Coupling, min_count: int, min_pmi: float) -> str:
    return f"count {c.count} >= {min_count}, pmi {c.pmi:.2f} >= {min_pmi:g} bits"


def _with(c: Coupling, address: str | None, reason: str) -> Coupling:
    return Coupling(atoms=c.atoms, count=c.count, pmi=c.pmi, expected=c.expected, total=c.total,
                    address=address, reason=reason)

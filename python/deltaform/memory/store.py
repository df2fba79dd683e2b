"""The files of a memory and the one way to change them: a transactional batch.

A memory is a directory::

    catalog.sqlite       formulas, versions, postings, schemas, batches, meta (WAL mode)
    vectors.f32|.u8      the append-only vector file (row i = formulas.row i)
    writer.lock          flock'ed by the process writing a batch
    generation           a commit counter readers map to notice new commits cheaply (generation.py)
    index.json + index.<n>.hnsw   the hnswlib cache (see index.py)

A batch is crash-safe by ordering: the vectors are written past the committed
count and fsync'ed before ONE SQLite transaction, which inserts the rows and
raises ``meta.vector_count``, commits (the two run side by side until then). A crash before the commit leaves only bytes past the
committed count, which the next writer (or an open that can take the writer lock)
cuts off; a crash after it loses nothing.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import defaultdict
from itertools import chain, repeat
import sqlite3
import time
import uuid
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from deltaform.memory.background import Background
from deltaform.memory.catalog import FORMAT_VERSION, FORMULA_COLUMNS, Catalog, insert_many
from deltaform.memory.entries import Entry, definition_text, entry_from_row
from deltaform.memory.errors import (
    AddressExistsError,
    CodebookVersionError,
    CorruptMemoryError,
    MemoryStoreError,
    MemoryWarning,
    ReadOnlyMemoryError,
    SpaceMismatchError,
)
from deltaform.memory.generation import RECHECK_SECONDS, Generation
from deltaform.memory.locks import FileLock
from deltaform.memory.records import Batch, Facts, SchemaRecord, terms_of
from deltaform.memory.vectorfile import VectorFile
from deltaform.space import CODEBOOK_VERSION, Space

__all__ = ["Store", "WriteSession", "CATALOG", "FORMAT_NAME"]

CATALOG = "catalog.sqlite"
WRITER_LOCK = "writer.lock"
FORMAT_NAME = "deltaform-memory"
HIT_CACHE = 1 << 16


def vector_file_name(algebra: str) -> str:
    return "vectors.u8" if algebra == "bsc" else "vectors.f32"


def _space_text(meta: dict[str, Any]) -> str:
    return f"Space(dim={meta['dim']}, algebra={meta['algebra']!r}, seed={meta['seed']})"


class Store:
    """Files, catalogue and vector file of one memory; readers and the writer share it."""

    def __init__(self, path: str, space: Space, catalog: Catalog, meta: dict[str, Any], readonly: bool) -> None:
        self.path = path
        self.space = space
        self.catalog = catalog
        self.meta = meta
        self.readonly = readonly
        self.vectors = VectorFile(os.path.join(path, vector_file_name(space.algebra)), space.width, space.dtype)
        self.writer_lock = FileLock(os.path.join(path, WRITER_LOCK), f"memory {path}")
        self.notes: list[str] = []          # what open found and repaired
        self._state_key: tuple | None = None
        self._state: tuple[int, int] = (0, 0)
        self._hits: dict[int, tuple[str, str, str | None, int]] = {}
        self.generation = Generation(path, writable=not readonly)
        self._state_generation: int | None = None   # the counter when _state was read
        self._state_time = 0.0

    # ------------------------------------------------------------ create / open
    @classmethod
    def create(cls, path: str, space: Space, extra_meta: dict[str, Any] | None = None) -> "Store":
        path = os.path.abspath(os.fspath(path))
        if os.path.exists(os.path.join(path, CATALOG)):
            raise MemoryStoreError(f"{path}: a memory already exists here (open it with Memory.open)")
        if os.path.exists(path) and not os.path.isdir(path):
            raise MemoryStoreError(f"{path}: exists and is not a directory")
        os.makedirs(path, exist_ok=True)
        vec_path = os.path.join(path, vector_file_name(space.algebra))
        if os.path.exists(vec_path):
            os.remove(vec_path)  # left by a create that died before the catalogue existed
        VectorFile.create(vec_path)
        from deltaform import __version__
        meta = {
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "memory_id": uuid.uuid4().hex,
            "algebra": space.algebra, "dim": space.dim, "seed": space.seed, "width": space.width,
            "dtype": space.dtype.name, "codebook_version": CODEBOOK_VERSION, "created": time.time(),
            "grounding": space.grounding_fingerprint,
            "created_by": f"deltaform {__version__}", "vector_count": 0, "next_number": 1, "replaced": 0,
        }
        meta.update(extra_meta or {})
        tmp = os.path.join(path, CATALOG + ".creating")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
        Catalog.create(tmp, meta).close()
        os.replace(tmp, os.path.join(path, CATALOG))  # the catalogue appears whole or not at all
        _fsync_dir(path)
        return cls.open(path, space)

    @classmethod
    def open_unchecked(cls, path: str, space: Space | None = None) -> "Store":
        """Open for repair: meta and space are checked, the vector file is not."""
        return cls.open(path, space, check_files=False)

    @classmethod
    def open(cls, path: str, space: Space | None = None, readonly: bool = False,
             check_files: bool = True) -> "Store":
        path = os.path.abspath(os.fspath(path))
        cat_path = os.path.join(path, CATALOG)
        if not os.path.isdir(path):
            raise MemoryStoreError(f"{path}: no memory here (not a directory); create one with Memory.create")
        if not os.path.exists(cat_path):
            raise MemoryStoreError(f"{path}: no memory here ({CATALOG} is missing)")
        catalog = Catalog(cat_path, readonly=readonly)
        try:
            meta = catalog.meta()
        except sqlite3.DatabaseError as e:
            catalog.close()
            raise CorruptMemoryError(
                f"{cat_path}: the catalogue is not a readable SQLite database ({e}). It holds the formulas, "
                "so the memory cannot be opened; restore it from a backup or an export "
                "(the sqlite3 shell's .recover may save part of it)") from e
        try:
            space = cls._check_meta(path, meta, space)
        except MemoryStoreError:
            catalog.close()
            raise
        store = cls(path, space, catalog, meta, readonly)
        if not check_files:
            if not os.path.exists(store.vectors.path):
                VectorFile.create(store.vectors.path)
            return store
        try:
            store._check_files()
        except BaseException:
            catalog.close()
            raise
        return store

    @staticmethod
    def _check_meta(path: str, meta: dict[str, Any], space: Space | None) -> Space:
        if meta.get("format") != FORMAT_NAME:
            raise CorruptMemoryError(f"{path}: {CATALOG} is an SQLite file but not a deltaform memory")
        if int(meta.get("format_version", 0)) > FORMAT_VERSION:
            raise MemoryStoreError(
                f"{path}: the memory has layout version {meta['format_version']}, newer than this deltaform "
                f"understands ({FORMAT_VERSION}); upgrade deltaform to open it")
        missing = [k for k in ("algebra", "dim", "seed", "codebook_version", "vector_count", "memory_id")
                   if k not in meta]
        if missing:
            raise CorruptMemoryError(f"{path}: the catalogue's meta table lacks {', '.join(missing)}")
        cb = int(meta["codebook_version"])
        if cb > CODEBOOK_VERSION:
            raise CodebookVersionError(
                f"{path}: the memory was written with codebook version {cb}, newer than this deltaform's "
                f"({CODEBOOK_VERSION}); its vectors cannot be reproduced here. Upgrade deltaform to open it")
        if cb < CODEBOOK_VERSION:
            raise CodebookVersionError(
                f"{path}: the memory's vectors come from codebook version {cb}, this deltaform uses "
                f"{CODEBOOK_VERSION}; new encodings would not match them. Export the memory (deltaform export) "
                "and add its formulas to a new memory to re-encode them")
        grounding = meta.get("grounding", "")
        if space is None:
            if grounding:
                raise SpaceMismatchError(
                    f"{path}: the memory's atoms are grounded ({grounding}); open it with that space: "
                    "Memory.open(path, Space(..., grounding=Grounding(...)))")
            space = Space(dim=int(meta["dim"]), algebra=meta["algebra"], seed=int(meta["seed"]))
        elif (space.algebra, space.dim, space.seed) != (meta["algebra"], int(meta["dim"]), int(meta["seed"])):
            raise SpaceMismatchError(
                f"{path}: the memory is for {_space_text(meta)}, not {space!r}; open it without a space "
                "(Memory.open(path)) or with the one it was created for")
        elif space.grounding_fingerprint != grounding:
            raise SpaceMismatchError(
                f"{path}: the memory's atoms are grounded as {grounding or 'nothing (plain codebook)'}, "
                f"the given space as {space.grounding_fingerprint or 'nothing (plain codebook)'}; "
                "open it with the space it was created for")
        return space

    def _check_files(self) -> None:
        committed = self.catalog.committed_count()
        try:
            last = self.catalog.con.execute("SELECT max(row) FROM formulas").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise self.corrupt(e) from e
        if (-1 if last is None else last) + 1 != committed:
            raise CorruptMemoryError(
                f"{self.catalog.path}: the catalogue says {committed} vectors are committed but its last "
                f"formula row is {last}; the catalogue is inconsistent")
        size = self.vectors.size_bytes()
        if size < 0:
            if committed:
                raise CorruptMemoryError(
                    f"{self.vectors.path}: the vector file is missing but {committed} vectors are committed. "
                    "Open with repair=True to re-encode them from the stored formulas")
            if not self.readonly:
                VectorFile.create(self.vectors.path)
            self.notes.append("the vector file was missing (no vectors committed); created it empty")
            return
        have, partial = self.vectors.rows_on_disk()
        if have < committed:
            raise CorruptMemoryError(
                f"{self.vectors.path}: holds {have} whole rows but {committed} are committed (rows {have}.."
                f"{committed - 1} are missing: the file was truncated). Open with repair=True to re-encode "
                "the missing rows from their stored formulas")
        if (have > committed or partial) and not self.readonly and self.writer_lock.try_acquire():
            # Bytes past the committed count are a batch that never committed. Cut them only while
            # holding the writer lock: a live writer's batch in progress looks the same.
            try:
                if self.catalog.committed_count() == committed:
                    extra = size - committed * self.vectors.row_bytes
                    self.vectors.truncate(committed)
                    self.notes.append(f"cut {extra} bytes of an uncommitted batch from the vector file")
            finally:
                self.writer_lock.release()

    def missing_rows(self) -> tuple[int, int]:
        """(rows in the vector file, rows committed)."""
        return self.vectors.rows_on_disk()[0], self.catalog.committed_count()

    def corrupt(self, e: Exception) -> CorruptMemoryError:
        return CorruptMemoryError(
            f"{self.catalog.path}: the catalogue is damaged ({e}); restore it from a backup or an export")

    def close(self) -> None:
        self.catalog.close()
        self.vectors.close()
        self.generation.close()

    # ------------------------------------------------------------ reading
    def state(self) -> tuple[int, int]:
        """(committed rows, replaced rows), re-read only when another connection committed.

        The writer's commit counter (generation.py) answers "nothing changed" with a
        memory read; the catalogue is asked again when it moved, or after
        RECHECK_SECONDS in case a writer died between its commit and the bump.
        """
        g = self.generation.value
        if g is not None and g == self._state_generation and time.monotonic() - self._state_time < RECHECK_SECONDS:
            return self._state
        try:
            key = (id(self.catalog.con), self.catalog.data_version())
            if key != self._state_key:
                self._state = self.catalog.snapshot()
                self._state_key = key
            self._state_generation, self._state_time = g, time.monotonic()
            return self._state
        except sqlite3.DatabaseError as e:
            raise self.corrupt(e) from e

    def invalidate(self) -> None:
        self._state_key = None
        self._state_generation = None

    def matrix(self, count: int | None = None) -> np.ndarray:
        """The committed vectors as a read-only array over the memory-mapped file."""
        if count is None:
            count = self.state()[0]
        try:
            return self.vectors.matrix(count)
        except OSError as e:
            raise CorruptMemoryError(f"{e}. Open with repair=True to re-encode the missing rows") from e

    def entries(self, rows: Sequence[int]) -> dict[int, Entry]:
        try:
            return {r: entry_from_row(t) for r, t in self.catalog.by_rows(rows).items()}
        except sqlite3.DatabaseError as e:
            raise self.corrupt(e) from e

    def hits(self, rows: Iterable[int]) -> dict[int, tuple[str, str, str | None, int]]:
        """row -> (address, formula text, scene, version) for search hits.

        A committed row never changes what it shows (a new version is a new row), so
        what was read once is kept, up to HIT_CACHE rows.
        """
        cache = self._hits
        out = {}
        missing = []
        for r in rows:
            hit = cache.get(r)
            if hit is None:
                missing.append(r)
            else:
                out[r] = hit
        if missing:
            try:
                found = self.catalog.hit_columns(missing)
            except sqlite3.DatabaseError as e:
                raise self.corrupt(e) from e
            if len(cache) + len(found) > HIT_CACHE:
                cache.clear()
            for r, (address, version, params, expr, scene) in found.items():
                out[r] = cache[r] = (address, definition_text(address, tuple(json.loads(params)) if params else (),
                                                              expr, scene), scene, version)
        return out

    # ------------------------------------------------------------ writing
    @contextmanager
    def writing(self, lock_timeout: float | None = 10.0) -> Iterator["WriteSession"]:
        """Hold the writer lock and an SQLite write transaction; commit with ``session.commit``.

        Anything raised inside rolls the transaction back and cuts the vector file
        back to the committed count.
        """
        if self.readonly:
            raise ReadOnlyMemoryError(f"{self.path}: opened read-only; open it without readonly=True to add")
        with self.writer_lock.held(lock_timeout):
            con = self.catalog._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                self.catalog.upgrade(con)   # an older layout, upgraded with the first batch written
                session = WriteSession(self, con)
                try:
                    yield session
                    if not session.committed:
                        con.execute("ROLLBACK")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    session.wait_for_vectors(raise_error=False)   # before the file is cut back
                    if self.vectors.rows_on_disk() != (session.count, 0):
                        self.vectors.truncate(session.count)
                    raise
            except sqlite3.DatabaseError as e:
                raise self.corrupt(e) from e
            finally:
                con.close()
                self.generation.bump()
                self.invalidate()


class WriteSession:
    """The state of the memory as seen by the writer inside its transaction."""

    def __init__(self, store: Store, con: sqlite3.Connection) -> None:
        self.store = store
        self.con = con
        self.committed = False
        meta = {k: json.loads(v) for k, v in con.execute(
            "SELECT key, value FROM meta WHERE key IN ('vector_count', 'next_number', 'replaced')")}
        self.pending: Background | None = None   # the vector rows of the batch being committed
        self.later: Background | None = None     # its vectors, when the encoder still makes them
        self.count = int(meta["vector_count"])
        self.next_number = int(meta.get("next_number", 1))
        self.replaced = int(meta.get("replaced", 0))
        have, partial = store.vectors.rows_on_disk()
        if have < self.count:
            raise CorruptMemoryError(
                f"{store.vectors.path}: holds {have} rows but {self.count} are committed; the file was "
                "truncated. Open with repair=True to re-encode the missing rows")
        if have > self.count or partial:
            store.vectors.truncate(self.count)  # a batch that died before committing

    def wait_for_vectors(self, raise_error: bool = True) -> None:
        """Waits for the batch's encoding (its errors raise here, before anything commits) and for
        the write of its vectors."""
        errors = []
        for task in (self.later, self.pending):   # both are waited for, whatever the first raises
            if task is not None:
                try:
                    task.result()
                except BaseException as e:
                    errors.append(e)
        self.later = self.pending = None
        if errors and raise_error:
            raise errors[0]   # the encoder's, when the write failed for want of its vectors

    # ---------------------------------------------------------- lookups for the encoder
    def current(self, addresses: Sequence[str]) -> dict[str, Entry]:
        return {a: entry_from_row(r) for a, r in self.store.catalog.current_many(addresses, self.con).items()}

    def schemas(self) -> dict[str, tuple[str, ...]]:
        return self.store.catalog.schemas(self.con)

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        return np.ascontiguousarray(self.store.vectors.matrix(self.count)[np.asarray(rows, dtype=np.int64)])

    # ---------------------------------------------------------- the commit
    def _assign(self, addresses: Sequence[str | None], replace: bool) -> list[str]:
        """Each row's address: the given one, or the next free ``Δn`` for an anonymous row."""
        explicit = [a for a in addresses if a is not None]
        if not replace and len(set(explicit)) != len(explicit):
            seen: set[str] = set()
            twice = sorted({a for a in explicit if a in seen or seen.add(a)})  # type: ignore[func-returns-value]
            raise AddressExistsError(f"{', '.join(twice[:10])}: defined twice in this batch "
                                     "(pass replace=True to keep the last)")
        n_anon = len(addresses) - len(explicit)
        if n_anon == 0:
            return list(addresses)  # type: ignore[arg-type]
        # Numbers taken by explicit addresses (here, or stored earlier at or past the counter).
        taken = {int(a[1:]) for a in explicit if _numeric(a)}
        number = self.next_number
        fresh: list[str] = []
        while len(fresh) < n_anon:
            stop = number + (n_anon - len(fresh))
            used = taken | {n for (n,) in self.con.execute(
                "SELECT n FROM numbers WHERE n >= ? AND n < ?", (number, stop))}
            fresh.extend(f"Δ{k}" for k in range(number, stop) if k not in used)
            number = stop
        self.next_number = number
        it = iter(fresh)
        return [a if a is not None else next(it) for a in addresses]

    def _prepare_vectors(self, vectors: np.ndarray, encoded: bool = False) -> np.ndarray:
        space = self.store.space
        v = np.asarray(vectors)
        if v.ndim != 2 or v.shape[1] != space.width:
            raise ValueError(f"vectors of shape {v.shape}, expected (n, {space.width}) for {space!r}")
        if v.dtype != space.dtype:
            if space.algebra == "bsc" or v.dtype.kind not in "fiu":
                raise TypeError(f"vector dtype {v.dtype}, expected {space.dtype} for {space!r}")
        out = np.ascontiguousarray(v, dtype=space.dtype)   # no copy when it is in shape already
        if encoded and v.dtype == space.dtype:
            return out   # the encoder's own output: finite and at the stored scale by construction
        if space.algebra != "bsc" and len(out):
            finite = np.isfinite(out).all(axis=1)
            if not finite.all():
                raise ValueError(f"row {int(np.flatnonzero(~finite)[0])}: the vector has NaN or infinite values")
            # Stored vectors have ||v||^2 = dim (ENCODING_RULES); rescale rows that are not
            # there already and leave the encoder's own (already scaled) bits alone.
            sq = np.einsum("ij,ij->i", out, out, dtype=np.float64)
            off = (sq > 0) & (np.abs(sq / space.dim - 1.0) > 1e-4)
            if off.any():
                if np.may_share_memory(out, v):
                    out = out.copy()   # never rescale the caller's array
                out[off] *= np.sqrt(space.dim / sq[off]).astype(np.float32)[:, None]
        return out

    def commit(self, batch: Batch, schemas: Sequence[SchemaRecord] = (), *,
               replace: bool = False, label: str | None = None,
               also: Callable[[sqlite3.Connection, list[str]], None] | None = None) -> list[str]:
        """Store ``batch`` (and ``schemas``) in one transaction; returns the address of each row.

        ``also(con, addresses)`` runs inside that transaction just before it
        commits (the rows are visible to it): rows it writes beside the
        formulas (provenance) are committed with them, or not at all.
        """
        if self.committed:
            raise RuntimeError("this write session has already committed")
        self.later = batch.vectors_later   # waited for before COMMIT, or when anything below raises
        batch.check()
        n = len(batch)
        addresses = self._assign(batch.addresses, replace)
        vectors = None if batch.vectors_later is not None else self._prepare_vectors(batch.vectors, batch.encoded)
        now = time.time()
        kinds = batch.kinds or ["formula"] * n
        params = batch.params or [()] * n

        # Explicit addresses defined already: a new version (replace), the same text again
        # (nothing to store), or an error.
        explicit = [a for a, given in zip(addresses, batch.addresses) if given is not None]
        existing = self.current(explicit) if explicit else {}
        keep = list(range(n))
        if existing:
            clashes: list[str] = []
            keep = []
            for i, a in enumerate(addresses):
                old = existing.get(a)
                if old is not None and not replace:
                    if (old.expr, old.params, old.scene, old.kind) == (batch.exprs[i], tuple(params[i]),
                                                                        batch.scenes[i], kinds[i]):
                        continue
                    clashes.append(a)
                    continue
                keep.append(i)
            if clashes:
                shown = ", ".join(clashes[:10]) + (f" and {len(clashes) - 10} more" if len(clashes) > 10 else "")
                raise AddressExistsError(f"{shown}: already defined in this memory (pass replace=True to "
                                         "store a new version; the old one stays in the history)")
        schema_rows = self._schema_rows(schemas, replace, now)

        first = self.count
        batch_id = self.con.execute("SELECT coalesce(max(id), 0) + 1 FROM batches").fetchone()[0]
        if keep:
            # Written and fsynced on a thread while the catalogue rows are built and inserted (both
            # wait on the disk or on SQLite without the GIL); waited for before the count commits.
            if vectors is not None:
                self.pending = self.store.vectors.write_rows_behind(first, vectors if len(keep) == n else vectors[keep])
            else:
                later, index = batch.vectors_later, None if len(keep) == n else np.asarray(keep, dtype=np.intp)
                self.pending = self.store.vectors.write_rows_behind(
                    first, lambda: later.result() if index is None else later.result()[index])

        rows_of = {addresses[i]: first + j for j, i in enumerate(keep)}
        last_of = rows_of   # the last row of an address wins
        version_of = {a: e.version for a, e in existing.items()}
        facts_json, term_rows = self._facts(batch, keep, first, addresses)
        sources = batch.sources or [None] * n
        lines = batch.lines or [None] * n
        formula_rows: list[tuple] = []
        n_replaced = 0
        insert_sql = f"INSERT INTO formulas({FORMULA_COLUMNS}) VALUES ({','.join('?' * 14)})"
        if not existing and len(keep) == n and len(rows_of) == n:
            # Every row new, each address once (the bulk case): the columns zipped in C, no loop here,
            # and a column with one value for the whole batch written into the SQL instead of bound
            # per row (binding is most of executemany's cost).
            insert_sql, formula_rows = _insert_columns([
                range(first, first + n), addresses, _Same(1), _Same(1), _column(kinds),
                _Same(None) if batch.params is None else _column([_JSON.encode(list(p)) if p else None for p in params]),
                batch.exprs, _column(batch.scenes), facts_json, _column(sources), _column(lines), _Same(now),
                _Same(batch_id), _Same(int(batch.encoded))])
            keep_loop: list[int] = []
        else:
            keep_loop = keep
        for j, i in enumerate(keep_loop):
            a, row = addresses[i], first + j
            version = version_of.get(a, 0) + 1
            version_of[a] = version
            current = 1 if last_of[a] == row else 0
            n_replaced += 1 - current
            p = params[i]
            formula_rows.append((row, a, version, current, kinds[i], _JSON.encode(list(p)) if p else None,
                                 batch.exprs[i], batch.scenes[i], facts_json[j], sources[i], lines[i], now,
                                 batch_id, int(batch.encoded)))
        con = self.con
        for a in existing:
            if a in rows_of:
                n_replaced += con.execute("UPDATE formulas SET current=0 WHERE address=? AND current=1",
                                          (a,)).rowcount
        insert_many(con, insert_sql, formula_rows)
        if batch.sources is not None:   # the source of each row is a term too ('f:path')
            srcs = [batch.sources[i] for i in keep]
            if len(set(srcs)) == 1:
                if srcs[0] is not None:
                    term_rows["f:" + srcs[0]].extend(range(first, first + len(keep)))
            else:
                for j, src in enumerate(srcs):
                    if src is not None:
                        term_rows["f:" + src].append(first + j)
        if term_rows:
            # rows come in increasing order; a repeat is harmless to a mask
            self.store.catalog.add_postings(con, [
                (t, batch_id, rows_ if isinstance(rows_, bytes) else np.asarray(rows_, dtype="<i8").tobytes())
                for t, rows_ in term_rows.items()])
        numbers = [(int(a[1:]),) for a in explicit if _numeric(a)]
        if numbers:
            con.executemany("INSERT OR IGNORE INTO numbers(n) VALUES (?)", numbers)
        for s in schema_rows:
            if s[2] > 1:
                con.execute("UPDATE schemas SET current=0 WHERE name=? AND current=1", (s[0],))
            con.execute("INSERT INTO schemas(name, version, current, roles, source, line, added, batch) "
                        "VALUES (?, ?, 1, ?, ?, ?, ?, ?)", (s[0], s[2], s[1], s[3], s[4], now, batch_id))
        if formula_rows or schema_rows:
            con.execute("INSERT INTO batches(id, first_row, rows, schemas, added, label) VALUES (?, ?, ?, ?, ?, ?)",
                        (batch_id, first, len(formula_rows), len(schema_rows), now, label))
        new_count = first + len(formula_rows)
        con.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [
            ("vector_count", json.dumps(new_count)), ("next_number", json.dumps(self.next_number)),
            ("replaced", json.dumps(self.replaced + n_replaced))])
        self.wait_for_vectors()   # the rows are durable before the count that makes them visible
        if also is not None:
            also(con, addresses)
        con.execute("COMMIT")
        self.committed = True
        self.count = new_count
        self.replaced += n_replaced
        return addresses

    def _facts(self, batch: Batch, keep: list[int], first: int, addresses: list[str]
               ) -> tuple[list[str], defaultdict[str, list[int]]]:
        """The facts JSON of each kept row and the filter terms of the batch (term -> rows)."""
        terms: defaultdict[str, list[int]] = defaultdict(list)
        if batch.facts_terms is not None and batch.facts_json is not None:
            # Formulas without references or variables, digested in the core: their JSON is made and
            # their terms grouped (term -> formula indices); only the rows are laid over them here.
            names, counts, formulas = batch.facts_terms
            if len(keep) != len(batch):
                position = np.full(len(batch), -1, dtype=np.int64)
                position[keep] = np.arange(len(keep))
                moved = position[formulas]
                kept = moved >= 0
                counts = np.bincount(np.repeat(np.arange(len(names)), counts)[kept], minlength=len(names))
                formulas = moved[kept]
            blob = (np.asarray(formulas, dtype=np.int64) + first).astype("<i8", copy=False).tobytes()
            ends = np.cumsum(counts).tolist()
            terms.update({name: blob[8 * (end - c):8 * end]
                          for name, c, end in zip(names, np.asarray(counts).tolist(), ends) if c})
            return [batch.facts_json[i] for i in keep], terms
        if batch.facts is None:
            atoms = batch.atoms or [[] for _ in range(len(batch))]
            kept = atoms if len(keep) == len(atoms) else [atoms[i] for i in keep]
            flat = list(chain.from_iterable(kept))
            if _PLAIN.fullmatch("".join(flat)):
                # No character needs escaping: join the JSON text directly (it is the hot path of bulk loads).
                facts_json = ['{"atoms":["' + '","'.join(a) + '"]}' if a else '{"atoms":[]}' for a in kept]
                terms.update(_group_rows(flat, [len(a) for a in kept], first, "a:"))
            else:
                facts_json = [_JSON.encode({"atoms": list(a)}) for a in kept]
                for j, a in enumerate(kept):
                    for x in a:
                        terms["a:" + x].append(first + j)
            return facts_json, terms
        # References to rows of this same batch (before or after: the encoder takes any order)
        # get the rows they have now; a name defined twice refers to its last definition.
        batch_rows = {addresses[i]: first + j for j, i in enumerate(keep)}
        for i in keep:
            refs = batch.facts[i].refs
            for a, row_ in refs.items():
                if row_ is None and a in batch_rows:
                    refs[a] = batch_rows[a]
        # Atoms reached through references, for the 'atoms contained' filter.
        inherited_of: dict[int, list[str]] = {}
        ref_rows = sorted({row for i in keep for row in batch.facts[i].refs.values()
                           if row is not None and row < first})
        for part in _chunks(ref_rows, 500):
            q = ",".join("?" * len(part))
            for row, facts in self.con.execute(f"SELECT row, facts FROM formulas WHERE row IN ({q})", part):
                f = json.loads(facts)
                inherited_of[row] = list(f.get("atoms", ())) + list(f.get("inherited", ()))
        any_refs = bool(ref_rows) or any(batch.facts[i].refs for i in keep)
        if any_refs:
            for j, i in enumerate(keep):   # forward references see at least the direct atoms
                inherited_of.setdefault(first + j, list(batch.facts[i].atoms))
        facts_json: list[str] = []
        for j, i in enumerate(keep):
            facts = batch.facts[i]
            if not (facts.refs or facts.vars or facts.inherited):
                # The common row (no references): its JSON and terms written directly.
                row = first + j
                if any_refs:
                    inherited_of[row] = facts.atoms
                made = batch.facts_json[i] if batch.facts_json is not None else None
                facts_json.append(made if made is not None else _plain_facts_json(facts))
                for prefix, names in (("a:", facts.atoms), ("s:", facts.schemas), ("r:", facts.roles)):
                    for x in names:
                        terms[prefix + x].append(row)
                continue
            if facts.refs:
                inh = [x for r in facts.refs.values() if r is not None for x in inherited_of.get(r, ())]
                direct = set(facts.atoms)
                facts = Facts(atoms=facts.atoms, roles=facts.roles, schemas=facts.schemas, refs=facts.refs,
                              vars=facts.vars, inherited=[x for x in dict.fromkeys(inh) if x not in direct])
            inherited_of[first + j] = facts.atoms + facts.inherited
            facts_json.append(_JSON.encode(facts.to_json()))
            for t in terms_of(facts):
                terms[t].append(first + j)
        return facts_json, terms

    def _schema_rows(self, schemas: Sequence[SchemaRecord], replace: bool, now: float) -> list[tuple]:
        current = self.schemas()
        out = []
        seen: dict[str, tuple[str, ...]] = {}
        for s in schemas:
            roles = tuple(s.roles)
            prev = seen.get(s.name, current.get(s.name))
            if prev is not None and prev == roles:
                continue
            if prev is not None and not replace:
                raise AddressExistsError(
                    f"schema {s.name} is already declared with roles ({', '.join(prev)}); pass replace=True "
                    f"to declare it again with ({', '.join(roles)})")
            version = (self.con.execute("SELECT coalesce(max(version), 0) FROM schemas WHERE name=?",
                                        (s.name,)).fetchone()[0]
                       + sum(1 for o in out if o[0] == s.name) + 1)
            seen[s.name] = roles
            out.append((s.name, json.dumps(list(roles), ensure_ascii=False), version, s.source, s.line))
        return out


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_PLAIN = re.compile(r'[^"\\\x00-\x1f\u2028\u2029]*')


class _Same:
    """A column with one value for every row of a batch."""
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _column(values: Sequence) -> Sequence | _Same:
    return _Same(values[0]) if values and values.count(values[0]) == len(values) else values


def _sql_literal(value: Any) -> str | None:
    """``value`` as an SQL literal, or None when it must be bound (NUL in a string, a non-finite float)."""
    if value is None:
        return "NULL"
    if isinstance(value, (bool, int)):
        return str(int(value))
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _insert_columns(columns: list) -> tuple[str, list[tuple]]:
    """The INSERT of the formula rows and the rows of its bound values; ``_Same`` columns become literals."""
    values, bound = [], []
    for col in columns:
        literal = _sql_literal(col.value) if isinstance(col, _Same) else None
        if literal is not None:
            values.append(literal)
        else:
            values.append("?")
            bound.append(repeat(col.value) if isinstance(col, _Same) else col)
    return f"INSERT INTO formulas({FORMULA_COLUMNS}) VALUES ({','.join(values)})", list(zip(*bound))


def _group_rows(names: list[str], counts: list[int], first: int, prefix: str) -> dict[str, bytes]:
    """prefix + name -> the rows (increasing, little-endian int64 bytes) whose lists hold it; row
    ``first + j`` holds ``counts[j]`` consecutive names. Grouped by numpy sorts, not a Python loop
    per name (plain names only: numpy's str arrays drop trailing NULs)."""
    if not names:
        return {}
    rows = np.repeat(np.arange(first, first + len(counts), dtype=np.int64), counts)
    unique, inverse, sizes = np.unique(np.asarray(names), return_inverse=True, return_counts=True)
    grouped = rows[np.argsort(inverse.ravel(), kind="stable")]   # stable: rows stay increasing per name
    blob = grouped.astype("<i8", copy=False).tobytes()
    ends = (np.cumsum(sizes) * 8).tolist()
    return {prefix + name: blob[start:end] for name, start, end in zip(unique.tolist(), [0] + ends[:-1], ends)}


def _plain_facts_json(facts: Facts) -> str:
    """``_JSON.encode(facts.to_json())`` for facts of atoms, roles and schemas only; joined directly
    when no name needs escaping."""
    if not _PLAIN.fullmatch("".join(facts.atoms) + "".join(facts.roles) + "".join(facts.schemas)):
        return _JSON.encode(facts.to_json())
    text = '{"atoms":["' + '","'.join(facts.atoms) + '"]' if facts.atoms else '{"atoms":[]'
    for key, names in (("roles", facts.roles), ("schemas", facts.schemas)):
        if names:
            text += ',"' + key + '":["' + '","'.join(names) + '"]'
    return text + "}"


def _numeric(address: str) -> bool:
    """``Δ12`` (no leading zero): the form anonymous addresses take."""
    return address.startswith("Δ") and address[1:].isdigit() and address[1:].isascii() and address[1] != "0"


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def warn(message: str) -> None:
    warnings.warn(message, MemoryWarning, stacklevel=3)

"""`Memory`: a persistent store of Δ-formulas and their vectors, searched by similarity.

    mem = Memory.create("scenes.dfm", Space(dim=1024))
    mem.add("Δ12 = (вода + весна + неясность) = сцена про влечение и расцвет")
    mem.add("Δ12 + солнце")                       # anonymous: gets the next free Δn
    for hit in mem.recall("вода + весна", k=5):
        print(hit.address, hit.similarity, hit.formula)

Readers (threads or processes) search while one writer adds; each batch is
atomic and durable when ``add_many`` returns. See store.py for the files.
"""

from __future__ import annotations

import base64
import json
import math
import os
import sqlite3
import threading
import warnings
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from deltaform import ast
from deltaform.memory import ingest
from deltaform.memory.entries import Entry, Hit, entry_from_row
from deltaform.memory.errors import CorruptMemoryError, MemoryWarning, UnknownAddressError
from deltaform.memory.index import IndexParams, VectorIndex
from deltaform.memory.records import Batch, Record, SchemaRecord
from deltaform.memory.search import DEFAULT_EXACT_THRESHOLD, Filters, Searcher
from deltaform.memory.store import Store
from deltaform.space import Space

__all__ = ["Memory"]

_FLOAT32 = np.dtype(np.float32)   # the native float32 dtype (numpy keeps one object for it)


class Memory:
    """A Δ-address memory in a directory. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, store: Store, *, exact_threshold: int | None = None, ef: int | None = None,
                 threads: int = 0, lock_timeout: float | None = 10.0) -> None:
        self._store = store
        meta = store.meta
        self._index = VectorIndex(store.path, meta, IndexParams(M=int(meta.get("hnsw_M", 16)),
                                                                ef_construction=int(meta.get("hnsw_ef_construction", 200))),
                                  threads=threads)
        self._searcher = Searcher(store, self._index,
                                  exact_threshold=int(exact_threshold if exact_threshold is not None
                                                      else meta.get("exact_threshold", DEFAULT_EXACT_THRESHOLD)),
                                  ef=int(ef if ef is not None else meta.get("hnsw_ef", 64)), threads=threads)
        self.lock_timeout = lock_timeout
        self._float_width = 0 if store.space.algebra == "bsc" else store.space.width   # 0: no lean query path
        self._closed = False
        self._close_lock = threading.Lock()
        count = store.state()[0]
        problem = self._index.check_file(store.matrix(count), count)
        if problem is not None:
            self._index.problem = problem
            missing = self._index.read_pointer() is None if problem == "there is no index file" else False
            if count and not (missing and count <= self.exact_threshold):
                store.notes.append(f"index not usable: {problem}; it will be rebuilt from the vectors")
        for note in store.notes:
            warnings.warn(f"{store.path}: {note}", MemoryWarning, stacklevel=3)

    # ------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: str | os.PathLike, space: Space, *, M: int = 16, ef_construction: int = 200,
               ef: int = 64, exact_threshold: int = DEFAULT_EXACT_THRESHOLD, threads: int = 0) -> "Memory":
        """Make a new, empty memory in directory ``path`` for vectors of ``space``.

        ``M`` and ``ef_construction`` fix the hnswlib index; ``ef`` (search breadth)
        and ``exact_threshold`` (rows below which search is exact) are defaults
        that can be changed later.
        """
        store = Store.create(os.fspath(path), space, {
            "hnsw_M": int(M), "hnsw_ef_construction": int(ef_construction), "hnsw_ef": int(ef),
            "exact_threshold": int(exact_threshold)})
        return cls(store, threads=threads)

    @classmethod
    def open(cls, path: str | os.PathLike, space: Space | None = None, *, readonly: bool = False,
             repair: bool = False, exact_threshold: int | None = None, ef: int | None = None,
             threads: int = 0, lock_timeout: float | None = 10.0) -> "Memory":
        """Open an existing memory. ``space``, if given, must be the one it was created for.

        ``repair=True`` re-encodes vectors missing from a truncated vector file from
        their stored formulas. A stale or damaged index is rebuilt in any case.
        """
        try:
            store = Store.open(os.fspath(path), space, readonly=readonly)
        except CorruptMemoryError:
            if not repair:
                raise
            ingest.repair_vectors(os.fspath(path), space)
            store = Store.open(os.fspath(path), space, readonly=readonly)
        return cls(store, exact_threshold=exact_threshold, ef=ef, threads=threads, lock_timeout=lock_timeout)

    def close(self) -> None:
        """Save the index if this process extended it, and release the files."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            if not self._store.readonly:
                self.save_index()
        finally:
            self._store.close()

    def __enter__(self) -> "Memory":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Memory({self.path!r}, {self.space!r}, {len(self)} formulas)"

    # ------------------------------------------------------------ description
    @property
    def path(self) -> str:
        return self._store.path

    @property
    def space(self) -> Space:
        return self._store.space

    @property
    def readonly(self) -> bool:
        return self._store.readonly

    @property
    def ef(self) -> int:
        """hnswlib search breadth used when ``recall`` is not given one."""
        return self._searcher.ef

    @ef.setter
    def ef(self, value: int) -> None:
        if int(value) < 1:
            raise ValueError(f"ef must be >= 1, got {value}")
        self._searcher.ef = int(value)

    @property
    def exact_threshold(self) -> int:
        """Below this many (allowed) rows, search is exact; above it, hnswlib."""
        return self._searcher.exact_threshold

    @exact_threshold.setter
    def exact_threshold(self, value: int) -> None:
        self._searcher.exact_threshold = int(value)
        self._searcher.tail_limit = max(int(value) // 2, 1024)

    @property
    def notes(self) -> list[str]:
        """What opening found and repaired (also issued as MemoryWarning)."""
        return list(self._store.notes)

    def __len__(self) -> int:
        count, replaced = self._store.state()
        return count - replaced        # rows that are not history

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and self._store.catalog.current(_address(address)) is not None

    @property
    def rows(self) -> int:
        """Vector rows committed (every version of every formula)."""
        return self._store.state()[0]

    # ------------------------------------------------------------ encoding
    def encode_scope(self, formulas: Sequence[str | ast.Node] | None = None) -> Any:
        """What the encoder may resolve against this memory (``space.encode_many(..., registry=mem)``).

        With ``formulas``, only what they refer to (cheap); without, every current
        formula's vector is copied into the scope (costly for a large memory).
        """
        return ingest.scope_for(self, formulas)

    def encode(self, formula: str | ast.Node) -> np.ndarray:
        """The vector of ``formula`` with its references resolved against this memory."""
        return ingest.encode_query(self, formula)

    # ------------------------------------------------------------ adding
    def add(self, item: str | ast.Node, *, replace: bool = False, source: str | None = None,
            line: int | None = None) -> str | None:
        """Add one formula (text or syntax tree); returns its Δ-address (None for a schema)."""
        return self.add_many([item], replace=replace, source=source, first_line=line)[0]

    def add_many(self, items: Iterable[str | ast.Node], *, replace: bool = False, source: str | None = None,
                 first_line: int | None = None, label: str | None = None,
                 also: Callable[[sqlite3.Connection, list[str]], None] | None = None) -> list[str | None]:
        """Add formulas as ONE batch: all are stored, or (on any error) none.

        ``also(con, addresses)`` writes rows that belong with the batch (such as
        provenance) in its transaction, after the formulas (see ``WriteSession.commit``).

        References (``Δ12``, ``ΔF(a, b)``, ``⟁``) resolve against the memory and
        against earlier items of the batch. Returns one address per item (None
        for a schema declaration).
        """
        items = list(items)
        with self._store.writing(self.lock_timeout) as session:
            batch, schemas, slots = ingest.prepare(session, self.space, items, source=source,
                                                   first_line=first_line, replace=replace)
            addresses = session.commit(batch, schemas, replace=replace, label=label, also=also)
        out: list[str | None] = [None] * len(items)
        for slot, address in zip(slots, addresses):
            out[slot] = address
        return out

    def add_file(self, path: str | os.PathLike, *, replace: bool = False, strict: bool = False,
                 batch_size: int = 10_000) -> ingest.FileReport:
        """Add the statements of a ``.df`` file (one per line), in batches of ``batch_size``.

        Bad lines are reported (file, line, column, message) and skipped unless
        ``strict``, in which case nothing is added when any line is bad.
        """
        return ingest.add_file(self, os.fspath(path), replace=replace, strict=strict, batch_size=batch_size)

    def add_records(self, records: Sequence[Record], schemas: Sequence[SchemaRecord] = (), *,
                    replace: bool = False, label: str | None = None) -> list[str]:
        """Store already encoded records as one batch (the layer under ``add_many``)."""
        batch = Batch.from_records(list(records), self.space.width, self.space.dtype)
        with self._store.writing(self.lock_timeout) as session:
            return session.commit(batch, schemas, replace=replace, label=label)

    def add_vectors(self, vectors: np.ndarray, exprs: Sequence[str], *, addresses: Sequence[str | None] | None = None,
                    scenes: Sequence[str | None] | None = None, atoms: Sequence[Sequence[str]] | None = None,
                    source: str | None = None, lines: Sequence[int | None] | None = None,
                    replace: bool = False, label: str | None = None) -> list[str]:
        """Store already encoded formulas given as columns (the fast path for bulk loads), one batch.

        ``vectors`` is ``(n, width)``; ``exprs`` the canonical expression texts;
        ``atoms`` the (normalised) atoms of each row, for the atoms filter.
        """
        n = len(exprs)
        batch = Batch(vectors=np.asarray(vectors), exprs=list(exprs),
                      addresses=list(addresses) if addresses is not None else [None] * n,
                      scenes=list(scenes) if scenes is not None else [None] * n,
                      atoms=(atoms if isinstance(atoms, list) else list(atoms)) if atoms is not None else None,
                      sources=[source] * n if source is not None else None,
                      lines=list(lines) if lines is not None else None)
        with self._store.writing(self.lock_timeout) as session:
            return session.commit(batch, replace=replace, label=label)

    # ------------------------------------------------------------ reading
    def get(self, address: str) -> Entry:
        """The current version of ``address`` (Δ12, @12 or a glyph)."""
        r = self._store.catalog.current(_address(address))
        if r is None:
            raise UnknownAddressError(f"{address} is not in the memory {self.path}")
        return entry_from_row(r)

    show = get

    def history(self, address: str) -> list[Entry]:
        """Every version of ``address``, oldest first."""
        rows = self._store.catalog.history(_address(address))
        if not rows:
            raise UnknownAddressError(f"{address} is not in the memory {self.path}")
        return [entry_from_row(r) for r in rows]

    def vector(self, address: str) -> np.ndarray:
        """The stored vector of the current version of ``address`` (a copy)."""
        return np.array(self._store.matrix()[self.get(address).row])

    def vectors(self) -> np.ndarray:
        """All committed rows as a read-only array over the memory-mapped vector file."""
        return self._store.matrix()

    def schemas(self) -> dict[str, tuple[str, ...]]:
        """Declared schemas and their roles."""
        return self._store.catalog.schemas()

    def entries(self, current_only: bool = True) -> Iterable[Entry]:
        """Every stored formula (current versions, or all), by row."""
        from deltaform.memory.catalog import FORMULA_COLUMNS
        sql = f"SELECT {FORMULA_COLUMNS} FROM formulas" + (" WHERE current=1" if current_only else "") + " ORDER BY row"
        for r in self._store.catalog.con.execute(sql):
            yield entry_from_row(r)

    # ------------------------------------------------------------ search
    def query_vectors(self, query: Any) -> np.ndarray:
        """The query as a ``(q, width)`` batch: a vector or batch, an address, formula text or a tree."""
        space = self.space
        if isinstance(query, np.ndarray):
            q = query
            if q.ndim == 1:
                q = q[None, :]
            if q.ndim != 2 or q.shape[1] != space.width:
                raise ValueError(f"a query vector has {space.width} values for {space!r}; got shape {query.shape}")
            if q.dtype != space.dtype:
                if space.algebra == "bsc":
                    raise TypeError(f"bsc query vectors are uint8 (bit-packed), got {q.dtype}")
                q = q.astype(np.float32)
            q = np.ascontiguousarray(q)
            if space.algebra != "bsc" and not np.isfinite(q).all():
                raise ValueError("the query vector has NaN or infinite values")
            return q
        if isinstance(query, str):
            address = _address(query.strip())
            if _is_address(address):
                row = self._store.catalog.current(address)
                if row is None:
                    raise UnknownAddressError(f"{query.strip()} is not in the memory {self.path}")
                return np.array(self._store.matrix()[row[0]])[None, :]
        return ingest.encode_query(self, query)[None, :]

    def _plain_query(self, query: np.ndarray) -> bool:
        """A float query (or batch) hnswlib can take as it is: float32, C order, the space's width, finite."""
        if (query.dtype is not _FLOAT32 or self._float_width == 0 or not (query.ndim == 1 or query.ndim == 2)
                or query.shape[-1] != self._float_width or not query.size or not query.flags.c_contiguous):
            return False
        # One dot product (a sum for a batch) is cheaper than a finiteness mask; a non-finite or
        # overflowing result sends the query to the checked path, which names the problem.
        return math.isfinite(query.dot(query) if query.ndim == 1 else query.sum())

    def search(self, query: Any, k: int = 10, *, ef: int | None = None, exact: bool | None = None,
               schema: str | Sequence[str] | None = None, source: str | None = None,
               atoms: str | Sequence[str] | None = None, roles: str | Sequence[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Rows and similarities, ``(q, k)`` arrays (-1 / -inf where fewer rows qualify)."""
        if (type(query) is np.ndarray and schema is None and source is None and atoms is None and roles is None
                and k >= 1 and self._plain_query(query)):
            found = self._searcher.search_plain(query, int(k), ef, exact)
            if found is not None:
                return found
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        Q = self.query_vectors(query)
        filters = Filters.of(schema=schema, source=source, atoms=atoms, roles=roles)
        return self._searcher.search(Q, int(k), filters, ef=ef, exact=exact)

    def recall(self, query: Any, k: int = 10, *, ef: int | None = None, exact: bool | None = None,
               schema: str | Sequence[str] | None = None, source: str | None = None,
               atoms: str | Sequence[str] | None = None, roles: str | Sequence[str] | None = None
               ) -> list[Hit] | list[list[Hit]]:
        """The ``k`` stored formulas most similar to ``query``, best first.

        ``query``: formula text (encoded against this memory), a Δ-address, a
        syntax tree, a vector, or a batch of vectors (then one list per row).
        ``exact`` forces exact (True) or index (False) search; None picks by size.
        Filters: ``schema`` (any of), ``source`` (path or glob), ``atoms`` and
        ``roles`` (all of; atoms count when reached through a reference too).
        """
        rows, sims = self.search(query, k, ef=ef, exact=exact, schema=schema, source=source, atoms=atoms,
                                 roles=roles)
        rows_list = rows.tolist()
        # One catalogue read for the hits not seen before, without the facts (a hit does not show them).
        found = self._store.hits({r for row in rows_list for r in row if r >= 0})
        out = []
        for r_row, s_row in zip(rows_list, sims.tolist()):
            hits = []
            for r, s in zip(r_row, s_row):
                if r < 0:
                    break
                address, formula, scene, version = found[r]
                hits.append(Hit(address=address, similarity=s, formula=formula, scene=scene, row=r,
                                version=version))
            out.append(hits)
        batch = isinstance(query, np.ndarray) and query.ndim == 2
        return out if batch else out[0]

    # ------------------------------------------------------------ index
    def decode(self, query: Any, max_depth: int = 2, **options: Any) -> Any:
        """Decodes a vector, formula text or Δ-address against everything this memory knows.

        The candidates are the memory's atoms and stored formulas; its roles and
        schemas are looked for. Two readings are tried — atoms and structure
        alone, and with stored formulas as terms — and the simpler complete one
        wins (fewer terms; atoms on a tie), so a vector is explained by stored
        formulas only where they say more in fewer words. A stored address is
        never explained by itself or by formulas that contain it.
        Returns a :class:`deltaform.decoding.Decoded` (a list for a batch).
        """
        from deltaform.decoding import decode_many, memory_vocabulary

        batch = np.atleast_2d(self.query_vectors(query))
        single = not (isinstance(query, np.ndarray) and query.ndim == 2)
        own = _address(query) if isinstance(query, str) and query[:1] in ("Δ", "@") else None
        exclude = options.pop("exclude", None) or [sorted(self._containing(own)) if own else []] * batch.shape[0]
        atoms_only = memory_vocabulary(self, formulas=False)
        with_formulas = memory_vocabulary(self)
        plain = decode_many(self.space, batch, atoms_only.cleanup, max_depth=max_depth, **atoms_only.options(),
                            **options)
        nested = decode_many(self.space, batch, with_formulas.cleanup, max_depth=max_depth, exclude=exclude,
                             **with_formulas.options(), **options)

        def cost(d: Any) -> tuple:
            return (not d.complete, len(d.terms))

        out = [n if cost(n) < cost(p) else p for p, n in zip(plain, nested)]
        return out[0] if single else out

    def _containing(self, address: str) -> set[str]:
        """The address and every stored formula that refers to it, directly or through others."""
        referrers: dict[str, set[str]] = {}
        for entry in self.entries():
            for ref in entry.facts.refs:
                referrers.setdefault(ref, set()).add(entry.address)
        found, stack = {address}, [address]
        while stack:
            for r in referrers.get(stack.pop(), ()):
                if r not in found:
                    found.add(r)
                    stack.append(r)
        return found

    def build_index(self) -> int:
        """Bring the hnswlib index up to every committed row now; returns rows added."""
        count = self._store.state()[0]
        X = self._store.matrix(count)
        with self._searcher._index_lock:
            if not self._index.loaded:
                self._index.load()
            return self._index.catch_up(X, count)

    def save_index(self) -> bool:
        """Write the index to disk if this process extended it (False: nothing to save, or busy)."""
        if not self._index.loaded:
            return False
        return self._index.save(self._store.matrix(self._index.count))

    def rebuild_index(self) -> int:
        """Throw the index away and build it again from the vector file."""
        self._index.reset()
        self._index._file_ok = None
        n = self.build_index()
        self.save_index()
        return n

    # ------------------------------------------------------------ reports
    def stats(self) -> dict[str, Any]:
        """Counts, space, sizes on disk and the index state."""
        store = self._store
        counts = store.catalog.counts()
        count, replaced = store.state()
        size = 0
        for name in os.listdir(store.path):
            try:
                size += os.path.getsize(os.path.join(store.path, name))
            except OSError:
                pass
        return {
            "path": store.path, "algebra": self.space.algebra, "dim": self.space.dim, "seed": self.space.seed,
            "codebook_version": store.meta["codebook_version"], **counts, "rows": count, "replaced_rows": replaced,
            "bytes_on_disk": size, "vector_bytes": count * store.vectors.row_bytes,
            "index_rows": self._index.count, "index_loaded": self._index.loaded,
            "index_problem": self._index.problem, "exact_threshold": self.exact_threshold, "ef": self.ef,
            "M": self._index.params.M, "ef_construction": self._index.params.ef_construction,
        }

    def check(self) -> list[str]:
        """A thorough check (SQLite integrity, vector file, index); returns the problems found."""
        problems = []
        try:
            result = self._store.catalog.quick_check()
            if result != "ok":
                problems.append(f"catalogue: {result}")
        except sqlite3.DatabaseError as e:
            problems.append(f"catalogue: {e}")
        have, committed = self._store.missing_rows()
        if have < committed:
            problems.append(f"vector file: {have} rows, {committed} committed")
        problem = self._index.check_file(self._store.matrix(min(have, committed)), committed)
        if problem and committed:
            problems.append(f"index: {problem}")
        return problems

    def export(self, path: str | os.PathLike, *, vectors: str = "base64", history: bool = False) -> int:
        """Write the memory as JSON lines; returns the number of formulas written.

        ``vectors``: "base64" (in each line, raw little-endian bytes), "npy" (one
        ``.npy`` file beside, ``<path>.vectors.npy``, each line naming its index
        there) or "none". Schemas come first, one line each.
        """
        if vectors not in ("base64", "npy", "none"):
            raise ValueError(f"vectors must be 'base64', 'npy' or 'none', got {vectors!r}")
        path = os.fspath(path)
        X = self._store.matrix()
        n = 0
        npy_rows: list[int] = []
        with open(path, "w", encoding="utf-8") as f:
            header = {"deltaform_memory": {"algebra": self.space.algebra, "dim": self.space.dim,
                                           "seed": self.space.seed,
                                           "grounding": self.space.grounding_fingerprint,
                                           "codebook_version": self._store.meta["codebook_version"],
                                           "dtype": self.space.dtype.name, "vectors": vectors}}
            f.write(json.dumps(header, ensure_ascii=False) + "\n")
            for name, roles in sorted(self.schemas().items()):
                f.write(json.dumps({"schema": name, "roles": list(roles),
                                    "text": ast.schema_text(name, roles)}, ensure_ascii=False) + "\n")
            for e in self.entries(current_only=not history):
                obj = e.to_json()
                if vectors == "base64":
                    obj["vector"] = base64.b64encode(np.ascontiguousarray(X[e.row]).tobytes()).decode("ascii")
                elif vectors == "npy":
                    obj["vector_index"] = len(npy_rows)
                    npy_rows.append(e.row)
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
                n += 1
        if vectors == "npy":
            np.save(path + ".vectors.npy", X[np.asarray(npy_rows, dtype=np.int64)] if npy_rows
                    else np.empty((0, self.space.width), self.space.dtype))
        return n

    # ------------------------------------------------------------ text
    def recall_text(self, text: str, k: int = 10, *, lang: str | None = None, max_atoms: int = 8,
                    **filters: Any) -> list[Hit]:
        """The ``k`` stored formulas nearest to a plain-text scene.

        The text goes through :func:`deltaform.text.extract` (its core concepts
        as a formula), which is then recalled like any formula; ``filters`` are
        :meth:`recall`'s. Needs the text extra.
        """
        if not isinstance(text, str):
            raise TypeError(f"recall_text takes a str, got {type(text).__name__}")
        from deltaform.text import extract  # the text side loads only when used

        return self.recall(extract(text, lang=lang, max_atoms=max_atoms), k, **filters)

    # ------------------------------------------------------------ metaformulas
    def match(self, pattern: Any, similarity: float | None = None, limit: int | None = None) -> list:
        """Stored formulas matching a pattern with ``?variables`` (see deltaform.thinking.match)."""
        from deltaform.thinking.match import match
        return match(self, pattern, similarity=similarity, limit=limit)

    def generalize(self, items: Sequence[Any], store_as: str | None = None) -> ast.Expr:
        """The least general pattern of stored formulas (see deltaform.thinking.generalize)."""
        from deltaform.thinking.generalize import generalize
        return generalize(self, items, store_as=store_as)


def _address(text: str) -> str:
    """``@12`` is the ASCII spelling of ``Δ12``."""
    return "Δ" + text[1:] if text.startswith("@") else text


def _is_address(text: str) -> bool:
    if text.startswith("Δ") and len(text) > 1:
        return all(c.isalnum() or c == "_" for c in text[1:])
    return ingest.is_glyph(text)

"""The hnswlib index: a cache over the vector file that can always be rebuilt from it.

Labels are vector rows. The index covers rows ``[0, count)``; rows committed
after it (the *tail*) are searched exactly until :meth:`VectorIndex.catch_up`
adds them. Searches take the read side of a reader/writer lock and additions
the write side, in short chunks, so no search runs on an index being modified.

On disk: ``index.<generation>.hnsw`` (hnswlib's own format) and ``index.json``,
written after it, which names the file and what it covers. A new save writes a
new generation and then swaps ``index.json`` by rename, so a reader in another
process never loads a half-written index.

fhrr and map vectors go in as they are (hnswlib's cosine space; an fhrr vector's
similarity is the cosine of its planar re/im form). bsc vectors go in unpacked to
±1 floats in the inner-product space, where ``dot / dim`` is the bsc similarity.
"""

from __future__ import annotations

import glob
import json
import os
import zlib
from dataclasses import dataclass
from typing import Any

import hnswlib
import numpy as np

from deltaform.memory.locks import FileLock, ReadWriteLock

__all__ = ["VectorIndex", "IndexParams", "INDEX_POINTER"]

INDEX_POINTER = "index.json"
INDEX_LOCK = "index.lock"
_ONE = np.float32(1.0)
CHUNK = 512            # rows added per hold of the write lock: keeps readers' waits short


@dataclass(frozen=True)
class IndexParams:
    M: int = 16
    ef_construction: int = 200
    seed: int = 100


def to_index_space(algebra: str, dim: int, rows: np.ndarray) -> np.ndarray:
    """Vectors as hnswlib takes them (float32, C order)."""
    if algebra == "bsc":
        bits = np.unpackbits(np.asarray(rows, dtype=np.uint8), axis=-1, bitorder="little")[..., :dim]
        return (1.0 - 2.0 * bits.astype(np.float32)).astype(np.float32)
    if rows.dtype == np.float32 and rows.flags.c_contiguous:
        return rows
    return np.ascontiguousarray(rows, dtype=np.float32)


def similarity_from_distance(algebra: str, dim: int, distances: np.ndarray) -> np.ndarray:
    sims = np.subtract(np.float32(1.0), distances, dtype=np.float32)
    if algebra == "bsc":
        sims /= np.float32(dim)
    return sims


def _fingerprint(matrix: np.ndarray, count: int) -> int:
    """CRC of a few rows of the vector file: tells whether the index was built from these vectors."""
    if count == 0:
        return 0
    crc = 0
    for r in sorted({0, count // 3, count // 2, (2 * count) // 3, count - 1}):
        crc = zlib.crc32(matrix[r].tobytes(), crc)
    return crc


def _file_crc(path: str, size: int) -> int:
    """CRC of the first and last MiB and the size: catches a truncated or replaced file cheaply."""
    with open(path, "rb") as f:
        crc = zlib.crc32(f.read(1 << 20))
        if size > (1 << 20):
            f.seek(max(size - (1 << 20), 1 << 20))
            crc = zlib.crc32(f.read(), crc)
    return zlib.crc32(str(size).encode(), crc)


class VectorIndex:
    """hnswlib over the rows of one memory, with its files in the memory's directory."""

    def __init__(self, directory: str, meta: dict[str, Any], params: IndexParams, threads: int = 0) -> None:
        self.directory = directory
        self.algebra = meta["algebra"]
        self.dim = int(meta["dim"])
        self.width = int(meta["width"])
        self.memory_id = meta["memory_id"]
        self.codebook_version = meta["codebook_version"]
        self.params = params
        self.threads = threads or -1
        self.lock = ReadWriteLock()
        self._index: hnswlib.Index | None = None
        self._count = 0
        self._saved_count = -1
        self._file_ok: dict[str, Any] | None = None   # the pointer, when it checked out on open
        self.problem: str | None = None              # why the file on disk cannot be used
        self.save_lock = FileLock(os.path.join(directory, INDEX_LOCK), f"index of {directory}")

    @property
    def space_name(self) -> str:
        return "ip" if self.algebra == "bsc" else "cosine"

    @property
    def index_dim(self) -> int:
        return self.dim if self.algebra == "bsc" else self.width

    @property
    def count(self) -> int:
        """Rows the index covers (in memory; or on disk while not yet loaded)."""
        if self._index is not None:
            return self._count
        return int(self._file_ok["count"]) if self._file_ok else 0

    @property
    def loaded(self) -> bool:
        return self._index is not None

    # ------------------------------------------------------------ files
    def _pointer_path(self) -> str:
        return os.path.join(self.directory, INDEX_POINTER)

    def read_pointer(self) -> dict[str, Any] | None:
        try:
            with open(self._pointer_path(), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def check_file(self, matrix: np.ndarray, committed: int) -> str | None:
        """Why the index on disk cannot serve this memory, or None when it can (cheap checks)."""
        try:
            p = self.read_pointer()
        except (OSError, ValueError) as e:
            return f"{INDEX_POINTER} is unreadable ({e})"
        if p is None:
            return "there is no index file" if committed else None
        want = {"memory_id": self.memory_id, "algebra": self.algebra, "dim": self.dim,
                "codebook_version": self.codebook_version, "M": self.params.M,
                "ef_construction": self.params.ef_construction}
        for key, value in want.items():
            if p.get(key) != value:
                return f"the index was made for {key}={p.get(key)!r}, this memory has {value!r}"
        count = int(p.get("count", -1))
        if not 0 <= count <= committed:
            return f"the index covers {count} rows but only {committed} are committed"
        path = os.path.join(self.directory, str(p.get("file", "")))
        if not os.path.isfile(path):
            return f"the index file {p.get('file')} named by {INDEX_POINTER} is missing"
        size = os.path.getsize(path)
        if size != p.get("size") or _file_crc(path, size) != p.get("crc"):
            return f"the index file {p.get('file')} is damaged (size or checksum differ)"
        if _fingerprint(matrix, count) != p.get("fingerprint"):
            return "the index was built from other vectors than the vector file holds"
        self._file_ok = p
        return None

    def load(self) -> bool:
        """Load the checked index file; False (and ``problem`` set) if hnswlib refuses it."""
        p = self._file_ok
        if p is None:
            return False
        path = os.path.join(self.directory, p["file"])
        index = hnswlib.Index(space=self.space_name, dim=self.index_dim)
        try:
            index.load_index(path, max_elements=max(int(p["count"]) * 2, 1024))
        except (RuntimeError, OSError, MemoryError) as e:
            self.problem = f"hnswlib could not load {p['file']} ({e})"
            self._file_ok = None
            return False
        if index.get_current_count() != int(p["count"]):
            self.problem = f"{p['file']} holds {index.get_current_count()} vectors, {INDEX_POINTER} says {p['count']}"
            self._file_ok = None
            return False
        index.set_num_threads(self.threads if self.threads > 0 else os.cpu_count() or 1)
        with self.lock.writing():
            self._index, self._count = index, int(p["count"])
            self._saved_count = self._count
        return True

    def save(self, matrix: np.ndarray) -> bool:
        """Write the index as a new generation; False when another process is saving it."""
        if self._index is None or self._count == self._saved_count:
            return False
        if not self.save_lock.try_acquire():
            return False
        try:
            try:
                old = self.read_pointer() or {}
            except (OSError, ValueError):
                old = {}
            if (self.problem is None and old.get("memory_id") == self.memory_id
                    and int(old.get("count", -1)) >= self._count):
                return False   # another process saved at least as much
            generation = int(old.get("generation", 0)) + 1
            name = f"index.{generation}.hnsw"
            path = os.path.join(self.directory, name)
            with self.lock.reading():        # no additions while hnswlib writes the file
                self._index.save_index(path + ".tmp")
                count = self._count
            with open(path + ".tmp", "rb+") as f:
                os.fsync(f.fileno())
            os.replace(path + ".tmp", path)
            size = os.path.getsize(path)
            pointer = {"generation": generation, "file": name, "count": count, "size": size,
                       "crc": _file_crc(path, size), "fingerprint": _fingerprint(matrix, count),
                       "memory_id": self.memory_id, "algebra": self.algebra, "dim": self.dim,
                       "codebook_version": self.codebook_version, "M": self.params.M,
                       "ef_construction": self.params.ef_construction, "space": self.space_name}
            tmp = self._pointer_path() + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(pointer, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self._pointer_path())
            self._saved_count = count
            self._file_ok = pointer
            self.problem = None
            for stale in glob.glob(os.path.join(self.directory, "index.*.hnsw*")):
                if os.path.basename(stale) != name:
                    try:
                        os.remove(stale)   # a reader that loaded it keeps its copy in memory
                    except OSError:
                        pass
            return True
        finally:
            self.save_lock.release()

    # ------------------------------------------------------------ building
    def _new(self, capacity: int) -> hnswlib.Index:
        index = hnswlib.Index(space=self.space_name, dim=self.index_dim)
        index.init_index(max_elements=max(capacity, 1024), M=self.params.M,
                         ef_construction=self.params.ef_construction, random_seed=self.params.seed)
        index.set_num_threads(self.threads if self.threads > 0 else os.cpu_count() or 1)
        return index

    def reset(self) -> None:
        """Forget the in-memory index (the next catch-up builds a new one)."""
        with self.lock.writing():
            self._index, self._count = None, 0
            self._saved_count = -1

    def catch_up(self, matrix: np.ndarray, target: int) -> int:
        """Add rows ``[count, target)`` in short write-locked chunks; returns rows added."""
        if self._index is None:
            with self.lock.writing():
                if self._index is None:
                    self._index, self._count = self._new(max(target, 1024)), 0
        added = 0
        while True:
            with self.lock.writing():
                start = self._count
                if start >= target:
                    return added
                stop = min(target, start + CHUNK)
                index = self._index
                assert index is not None
                if stop > index.get_max_elements():
                    index.resize_index(max(stop, int(index.get_max_elements() * 1.5)))
                rows = to_index_space(self.algebra, self.dim, matrix[start:stop])
                index.add_items(rows, np.arange(start, stop, dtype=np.int64), num_threads=self.threads)
                self._count = stop
                added += stop - start

    # ------------------------------------------------------------ searching
    def knn_covering(self, queries: np.ndarray, k: int, ef: int, rows: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The lean single-query path: (rows, similarities) when the index covers exactly ``rows`` rows
        and is set to this ``ef`` already; None otherwise (then :meth:`knn` and the tail merge answer).

        No copies: hnswlib's labels are viewed as int64 and its distances turned into
        similarities in place.
        """
        ef = max(ef, k)
        self.lock.acquire_read()
        try:
            index = self._index
            if index is None or self._count != rows or k > rows or index.ef != ef:
                return None
            labels, distances = index.knn_query(queries, k=k, num_threads=self.threads)
        finally:
            self.lock.release_read()
        sims = np.subtract(_ONE, distances, out=distances)
        if self.algebra == "bsc":
            sims /= np.float32(self.dim)
        return labels.view(np.int64), sims

    def knn(self, queries: np.ndarray, k: int, ef: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(rows, similarities, rows covered) for ``queries`` already in index space; k <= covered."""
        self.lock.acquire_read()
        try:
            index, count = self._index, self._count
            if index is None or count == 0:
                return (np.empty((len(queries), 0), np.int64), np.empty((len(queries), 0), np.float32), 0)
            k = min(k, count)
            ef = max(ef, k)
            if index.ef == ef:
                labels, distances = index.knn_query(queries, k=k, num_threads=self.threads)
                ef = -1
        finally:
            self.lock.release_read()
        if ef != -1:
            # ef is one setting of the whole index: change it only while no other search runs.
            with self.lock.writing():
                index, count = self._index, self._count
                assert index is not None
                k = min(k, count)
                index.set_ef(ef)
                labels, distances = index.knn_query(queries, k=k, num_threads=self.threads)
        return labels.astype(np.int64, copy=False), similarity_from_distance(self.algebra, self.dim, distances), count

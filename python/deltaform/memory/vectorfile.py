"""The append-only vector file: raw rows, no header, so a memory map of it is the matrix.

Row ``i`` of the file is the vector of formula row ``i``. The number of rows that
count is not the file's length but the *committed* count kept in SQLite: rows past
it are the remains of a batch that never committed, and the writer cuts them off
before it appends (see :mod:`deltaform.memory.store`).
"""

from __future__ import annotations

import mmap
import os
import threading
from typing import Callable

import numpy as np

from deltaform.memory.background import BEHIND_ROWS, Background

__all__ = ["VectorFile"]


class VectorFile:
    """Rows of ``width`` values of ``dtype`` in one file, appended and fsync'ed by the writer."""

    def __init__(self, path: str, width: int, dtype: np.dtype) -> None:
        self.path = path
        self.width = int(width)
        self.dtype = np.dtype(dtype)
        self.row_bytes = self.width * self.dtype.itemsize
        self._lock = threading.Lock()
        self._map: mmap.mmap | None = None
        self._mapped_rows = 0
        self._matrix: np.ndarray | None = None

    # ------------------------------------------------------------ size
    def size_bytes(self) -> int:
        try:
            return os.path.getsize(self.path)
        except FileNotFoundError:
            return -1

    def rows_on_disk(self) -> tuple[int, int]:
        """(whole rows in the file, bytes of a trailing partial row)."""
        size = max(self.size_bytes(), 0)
        return size // self.row_bytes, size % self.row_bytes

    # ------------------------------------------------------------ writing
    @staticmethod
    def create(path: str) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def truncate(self, rows: int) -> None:
        """Cut the file to ``rows`` rows (drops an uncommitted tail) and make it durable."""
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.ftruncate(fd, rows * self.row_bytes)
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_rows(self, first_row: int, rows: np.ndarray) -> None:
        """Write ``rows`` at row ``first_row`` and fsync; the caller commits the count after."""
        data = np.ascontiguousarray(rows, dtype=self.dtype)
        if data.ndim != 2 or data.shape[1] != self.width:
            raise ValueError(f"expected rows of shape (n, {self.width}), got {data.shape}")
        view = memoryview(data).cast("B")
        offset = first_row * self.row_bytes
        fd = os.open(self.path, os.O_WRONLY)
        try:
            done = 0
            while done < len(view):
                done += os.pwrite(fd, view[done:], offset + done)
            os.fsync(fd)
        finally:
            os.close(fd)

    def write_rows_behind(self, first_row: int, rows: "np.ndarray | Callable[[], np.ndarray]") -> Background:
        """:meth:`write_rows` on a thread; ``wait()`` on the result before counting the rows.

        ``rows`` may be a call that gives them (it may wait for the encoder): the write then
        always runs on a thread. Small batches given as rows are written at once.
        """
        give = rows if callable(rows) else lambda: rows
        return Background(lambda: self.write_rows(first_row, give()), name="deltaform-vector-write",
                          behind=callable(rows) or len(rows) >= BEHIND_ROWS)

    # ------------------------------------------------------------ reading
    def matrix(self, rows: int) -> np.ndarray:
        """A read-only ``(rows, width)`` array over the file's memory map, no copy.

        The map is widened when the committed count outgrows it; arrays handed out
        before keep their (older, still valid) map alive.
        """
        if rows <= 0:
            return np.empty((0, self.width), dtype=self.dtype)
        with self._lock:
            if self._matrix is None or rows > self._mapped_rows:
                self._remap(rows)
            assert self._matrix is not None
            return self._matrix[:rows]

    def _remap(self, rows: int) -> None:
        have, _ = self.rows_on_disk()
        if have < rows:
            raise OSError(
                f"{self.path}: holds {have} rows but {rows} are committed (the file was truncated)"
            )
        with open(self.path, "rb") as f:
            mm = mmap.mmap(f.fileno(), have * self.row_bytes, access=mmap.ACCESS_READ)
        matrix = np.frombuffer(mm, dtype=self.dtype, count=have * self.width).reshape(have, self.width)
        self._map, self._mapped_rows, self._matrix = mm, have, matrix

    def read_rows(self, first: int, count: int) -> np.ndarray:
        """A copy of rows [first, first+count) read with pread (no map)."""
        with open(self.path, "rb") as f:
            f.seek(first * self.row_bytes)
            data = f.read(count * self.row_bytes)
        if len(data) != count * self.row_bytes:
            raise OSError(f"{self.path}: short read of rows {first}..{first + count - 1}")
        return np.frombuffer(data, dtype=self.dtype).reshape(count, self.width).copy()

    def close(self) -> None:
        with self._lock:
            self._matrix = None
            self._map = None  # other arrays may still hold it; the GC closes it
            self._mapped_rows = 0

"""A commit counter shared through a tiny memory-mapped file, so readers notice new commits cheaply.

Asking SQLite whether another connection committed (``PRAGMA data_version``) costs
a statement and file-lock system calls: tens of microseconds, a large part of a
single hnswlib query. The writer instead bumps an 8-byte counter in the file
``generation`` after every write session; a reader compares
the mapped counter with the value it saw when it last read the catalogue, which
costs a memory read. The counter is only a hint: a reader also re-reads the
catalogue after :data:`RECHECK_SECONDS`, so a writer that died between its
commit and the bump delays what readers see by at most that long.
"""

from __future__ import annotations

import mmap
import os
import threading

__all__ = ["Generation", "GENERATION_FILE", "RECHECK_SECONDS"]

GENERATION_FILE = "generation"
RECHECK_SECONDS = 0.25
_SIZE = 8


class Generation:
    """The counter of one memory directory; ``value`` is None when the file is absent or unreadable."""

    def __init__(self, directory: str, writable: bool) -> None:
        self.path = os.path.join(directory, GENERATION_FILE)
        self.writable = writable
        self._map: mmap.mmap | None = None
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        try:
            if self.writable:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            else:
                fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            if os.fstat(fd).st_size < _SIZE:
                if not self.writable:
                    return
                os.ftruncate(fd, _SIZE)   # extends with zeros; never overwrites a counter
            access = mmap.ACCESS_WRITE if self.writable else mmap.ACCESS_READ
            self._map = mmap.mmap(fd, _SIZE, access=access)
        except (OSError, ValueError):
            self._map = None
        finally:
            os.close(fd)

    @property
    def value(self) -> int | None:
        m = self._map
        if m is None:
            return None
        try:
            return int.from_bytes(m[:_SIZE], "little")
        except ValueError:   # closed meanwhile
            return None

    def bump(self) -> None:
        """Tell readers the catalogue changed (the writer calls it; one writer at a time)."""
        m = self._map
        if m is None or not self.writable:
            return
        with self._lock:
            try:
                m[:_SIZE] = ((int.from_bytes(m[:_SIZE], "little") + 1) & 0xFFFFFFFFFFFFFFFF).to_bytes(_SIZE, "little")
            except ValueError:
                pass

    def close(self) -> None:
        m, self._map = self._map, None
        if m is not None:
            try:
                m.close()
            except (BufferError, ValueError):
                pass

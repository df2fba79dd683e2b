"""Locks: one writer per memory across processes (flock) and a reader/writer lock for the index."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from typing import Iterator

from deltaform.memory.errors import WriterBusyError

__all__ = ["FileLock", "ReadWriteLock"]


class FileLock:
    """An exclusive ``flock`` on a file, also exclusive between threads of this process.

    ``flock`` locks belong to an open file description, so two processes (or two
    :class:`FileLock` objects on the same path) exclude each other; the thread lock
    covers threads sharing this object.
    """

    def __init__(self, path: str, what: str) -> None:
        self.path = path
        self.what = what
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def _holder(self) -> str:
        try:
            with open(self.path) as f:
                pid = f.read().strip()
            return f" (held by process {pid})" if pid else ""
        except OSError:
            return ""

    def try_acquire(self) -> bool:
        if not self._thread_lock.acquire(blocking=False):
            return False
        if self._lock_file(blocking=False):
            return True
        self._thread_lock.release()
        return False

    def acquire(self, timeout: float | None) -> None:
        """Wait up to ``timeout`` seconds (None: forever) for the lock."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._thread_lock.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
            raise WriterBusyError(f"{self.what}: another thread of this process holds the lock for {timeout} s")
        try:
            delay = 0.001
            while not self._lock_file(blocking=False):
                if deadline is not None and time.monotonic() >= deadline:
                    raise WriterBusyError(
                        f"{self.what}: another process is writing{self._holder()}; waited {timeout} s "
                        "(pass a longer lock_timeout to wait more)")
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
        except BaseException:
            self._thread_lock.release()
            raise

    def _lock_file(self, blocking: bool) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        self._thread_lock.release()

    @contextmanager
    def held(self, timeout: float | None) -> Iterator[None]:
        self.acquire(timeout)
        try:
            yield
        finally:
            self.release()


class ReadWriteLock:
    """Many readers or one writer; a waiting writer blocks new readers (no writer starvation).

    ``acquire_read``/``release_read`` are plain methods (no generator) because every
    search takes them.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        # The plain mutex (a C context manager) first: with no writer about, that is all it takes.
        with self._mutex:
            if not (self._writer or self._writers_waiting):
                self._readers += 1
                return
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._mutex:
            self._readers -= 1
            if self._readers == 0 and self._writers_waiting:
                self._cond.notify_all()

    @contextmanager
    def reading(self) -> Iterator[None]:
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()

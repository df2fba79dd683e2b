"""A call that runs on a thread while the writer goes on: the batch's encoding, the vector write.

Both spend their time in the core or in the kernel without the GIL, so they overlap with the
catalogue's inserts. ``result()`` waits and returns the value or raises what the call raised;
small batches run at once (a thread costs more than it saves there).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

__all__ = ["Background", "BEHIND_ROWS"]

BEHIND_ROWS = 1024   # batches at least this large are worked on a thread


class Background:
    """``fn()`` run on a thread when ``behind``, else at once."""

    def __init__(self, fn: Callable[[], Any], behind: bool, name: str = "deltaform-background") -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if behind:
            self._thread = threading.Thread(target=self._run, args=(fn,), name=name, daemon=True)
            self._thread.start()
        else:
            self._run(fn)

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self._value = fn()
        except BaseException as e:   # handed to result()
            self._error = e

    def result(self) -> Any:
        """Waits for the call; its value, or the exception it raised (to every caller)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
        return self._value

    def wait(self, raise_error: bool = True) -> None:
        """Waits for the call; with ``raise_error=False`` a failure is dropped (the caller is unwinding)."""
        try:
            self.result()
        except BaseException:
            if raise_error:
                raise

"""The memory deltaform keeps for large result arrays.

A result of 16 MiB or more (a batch from ``encode_many``, ``encode_records``,
``bind`` …) is written into a block that deltaform hands to numpy. When the
array is freed, the block is kept, up to a limit on the bytes kept (1 GiB by
default), and the next large result that fits reuses it. The system would
otherwise give each new batch fresh pages and zero every one of them first,
which costs an encoder that writes each row once about as much as the encoding
itself. Like ``numpy.empty``, a reused block is not cleared: every result is
written in full before it is returned.

Arrays you keep are never touched; only freed ones are kept. Call
:func:`release_kept_results` to give the memory back to the system, or
``set_kept_result_limit(0)`` to keep none.
"""

from __future__ import annotations

import operator

from deltaform import _core


def kept_results() -> tuple[int, int]:
    """(bytes, blocks) of freed result arrays kept for reuse now."""
    nbytes, blocks = _core.kept_results()
    return int(nbytes), int(blocks)


def set_kept_result_limit(nbytes: int) -> int:
    """Keep at most ``nbytes`` of freed result arrays (0 keeps none); returns the previous limit.

    Blocks beyond a lower limit are freed at once, the oldest first.
    """
    try:
        n = operator.index(nbytes)
    except TypeError:
        raise TypeError(f"set_kept_result_limit: nbytes must be an integer, got {type(nbytes).__name__}") from None
    if not 0 <= n < 1 << 64:
        raise ValueError(f"set_kept_result_limit: nbytes must be >= 0 and below 2**64, got {n}")
    return int(_core.set_kept_result_limit(n))


def release_kept_results() -> int:
    """Give every kept block back to the system; returns the bytes freed."""
    return int(_core.release_kept_results())

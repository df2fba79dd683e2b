"""Child processes of the memory tests.

    python memory_child.py write PATH FIRST COUNT SIZE   add batches FIRST.. (prints "committed <id>")
    python memory_child.py read PATH STOPFILE             search while another process writes
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import deltaform as df  # noqa: E402
from memory_support import add_batch, batch_vectors, committed_batches  # noqa: E402


def write(path: str, first: int, count: int, size: int) -> None:
    mem = df.Memory.open(path)
    for b in range(first, first + count):
        add_batch(mem, b, size)
        print(f"committed {b}", flush=True)
    print("done", flush=True)


def read(path: str, stopfile: str) -> None:
    mem = df.Memory.open(path, readonly=True)
    space = mem.space
    checks = searches = found = 0
    rng = np.random.default_rng(os.getpid())
    while not os.path.exists(stopfile) or searches < 5:
        batches = committed_batches(mem)
        if not batches:
            continue
        # The newest visible batch must be whole: every row's vector as written (no torn read).
        b = max(batches)
        first, rows = batches[b]
        size = rows
        X = mem.vectors()
        assert len(X) >= first + rows, (len(X), first, rows)
        np.testing.assert_array_equal(X[first:first + rows], batch_vectors(space, b, size))
        checks += 1
        # Search for stored vectors of visible batches. Exact search finds each one itself; the
        # index (approximate) nearly always does; every hit shows the formula of its own row.
        picks = rng.choice(sorted(batches), size=3)
        for pb in picks:
            f, n = batches[int(pb)]
            i = int(rng.integers(n))
            v = batch_vectors(space, int(pb), n)[i]
            exact = mem.recall(v, k=1, exact=True)[0]
            assert exact.row == f + i, (exact, f + i)
            for h in mem.recall(v, k=3, exact=False):
                hb = next(b for b, (bf, bn) in batches.items() if bf <= h.row < bf + bn) \
                    if h.row < first + rows else None
                if hb is not None:
                    assert h.formula.endswith(f"= b{hb} + i{h.row - batches[hb][0]} = batch {hb}"), h
            found += mem.recall(v, k=1, exact=False)[0].row == f + i
            searches += 1
    print(f"ok {checks} {searches} {found}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        read(sys.argv[2], sys.argv[3])

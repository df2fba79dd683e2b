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
    checks = searches = 0
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
        # Search for a few stored vectors of any visible batch: each finds itself, with its formula.
        picks = rng.choice(sorted(batches), size=3)
        for pb in picks:
            f, n = batches[int(pb)]
            i = int(rng.integers(n))
            hits = mem.recall(batch_vectors(space, int(pb), n)[i], k=3)
            assert hits[0].row == f + i, (hits[0], f + i)
            assert hits[0].formula.endswith(f"= b{int(pb)} + i{i} = batch {int(pb)}"), hits[0]
            searches += 1
    print(f"ok {checks} {searches}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        read(sys.argv[2], sys.argv[3])

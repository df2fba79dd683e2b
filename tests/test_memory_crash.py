"""Crash safety: a writer killed with SIGKILL at random moments loses no committed batch and
leaves no partial one.

The default run adds 200 000 formulas (fhrr, dim 256) in batches of 2 000, killing the writer
five times; DELTAFORM_CRASH_ROWS sets another total (e.g. 20000 for a quick run).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import deltaform as df
from deltaform.memory import MemoryWarning
from memory_support import batch_exprs, batch_vectors, committed_batches

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "memory_child.py")
TOTAL = int(os.environ.get("DELTAFORM_CRASH_ROWS", "200000"))
SIZE = 2000
KILLS = 5


def run_writer(path, first: int, count: int, kill_after: float | None) -> tuple[list[int], bool]:
    proc = subprocess.Popen([sys.executable, CHILD, "write", str(path), str(first), str(count), str(SIZE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate()
    if kill_after is None:
        assert proc.returncode == 0, err
        assert out.rstrip().endswith("done"), out[-200:]
    elif proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"writer failed: {err}")
    killed = proc.returncode == -signal.SIGKILL
    return [int(line.split()[1]) for line in out.splitlines() if line.startswith("committed ")], killed


def check(path, reported: set[int], full: bool) -> dict[int, tuple[int, int]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MemoryWarning)   # "no index file yet": expected here
        mem = df.Memory.open(path)
    space = mem.space
    batches = committed_batches(mem)
    assert reported <= set(batches), f"batches reported committed but missing: {sorted(reported - set(batches))}"
    # Batches are whole, in order, back to back; nothing past the last committed row.
    expected_first = 0
    for b in sorted(batches):
        first, rows = batches[b]
        assert (first, rows) == (expected_first, SIZE), (b, first, rows)
        expected_first += rows
    assert mem.rows == expected_first
    assert os.path.getsize(mem._store.vectors.path) == mem.rows * space.width * 4
    X = mem.vectors()
    for b, (first, rows) in batches.items():
        V = batch_vectors(space, b, SIZE)
        if full:
            np.testing.assert_array_equal(X[first:first + rows], V)
        else:
            np.testing.assert_array_equal(X[[first, first + rows - 1]], V[[0, -1]])
        for i in (0, rows - 1):
            e = mem.get(f"Δ{first + i + 1}")
            assert (e.expr, e.scene, e.row) == (batch_exprs(b, SIZE)[i], f"batch {b}", first + i)
    if batches:
        b = random.Random(len(batches)).choice(sorted(batches))
        first, _ = batches[b]
        hit = mem.recall(batch_vectors(space, b, SIZE)[7], k=1, exact=True)[0]
        assert hit.row == first + 7 and hit.similarity == pytest.approx(1.0, abs=1e-5)
    mem.close()
    return batches


def test_sigkill_during_batches(tmp_path):
    path = tmp_path / "m"
    df.Memory.create(path, df.Space(dim=256, seed=11)).close()
    n_batches = TOTAL // SIZE
    rng = random.Random(int(os.environ.get("DELTAFORM_CRASH_SEED", "7")))
    reported: set[int] = set()
    next_batch = 0
    kills = 0
    start = time.perf_counter()
    rounds = 0
    while rounds < KILLS and next_batch < n_batches:
        got, killed = run_writer(path, next_batch, n_batches - next_batch, kill_after=rng.uniform(0.4, 1.6))
        reported |= set(got)
        kills += killed
        batches = check(path, reported, full=False)
        next_batch = max(batches) + 1 if batches else 0
        rounds += 1
    if next_batch < n_batches:
        reported |= set(run_writer(path, next_batch, n_batches - next_batch, kill_after=None)[0])
    batches = check(path, reported, full=True)
    assert sorted(batches) == list(range(n_batches))
    assert kills >= min(3, n_batches // 10), f"only {kills} kills landed while the writer ran"
    print(f"{TOTAL} formulas, {kills} kills, {time.perf_counter() - start:.1f} s")

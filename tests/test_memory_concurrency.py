"""Readers (threads and processes) search while one writer adds and the index grows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np

import deltaform as df
from memory_support import add_batch, batch_vectors

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "memory_child.py")


def test_threads_search_while_writer_adds_and_index_catches_up(tmp_path):
    space = df.Space(dim=128, seed=2)
    mem = df.Memory.create(tmp_path / "m", space, exact_threshold=400, M=16, ef_construction=60)
    add_batch(mem, 0, 300)
    committed = [0]
    errors: list[BaseException] = []
    reads = [0]
    found = [0]
    done = threading.Event()

    def writer():
        try:
            for b in range(1, 16):
                add_batch(mem, b, 300)
                committed.append(b)
                if b % 3 == 0:
                    mem.build_index()       # adds to the index while readers search it
        except BaseException as e:          # pragma: no cover - reported below
            errors.append(e)
        finally:
            done.set()

    def reader(seed: int):
        rng = np.random.default_rng(seed)
        try:
            while not done.is_set() or reads[0] < 50:
                b = int(rng.choice(committed))
                i = int(rng.integers(300))
                v = batch_vectors(space, b, 300)[i]
                exact = mem.recall(v, k=1, exact=True)[0]
                assert exact.row == 300 * b + i and exact.formula.endswith(f"b{b} + i{i} = batch {b}"), exact
                for h in mem.recall(v, k=3, ef=64, exact=False):   # every hit is its own row's formula
                    assert h.formula.endswith(f"b{h.row // 300} + i{h.row % 300} = batch {h.row // 300}"), h
                    found[0] += h.row == 300 * b + i
                reads[0] += 1
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[0]
    assert reads[0] >= 50
    assert found[0] >= 0.8 * reads[0]   # the index is approximate, but not poor
    assert mem.rows == 16 * 300
    assert mem.stats()["index_rows"] > 0


def test_processes_search_while_writer_adds(tmp_path):
    path = tmp_path / "m"
    space = df.Space(dim=128, seed=3)
    mem = df.Memory.create(path, space, exact_threshold=1500, M=16, ef_construction=60)
    add_batch(mem, 0, 500)
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, CHILD, "read", str(path), str(stop)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for b in range(1, 12):
            add_batch(mem, b, 500)
            if b == 6:
                mem.build_index()
                assert mem.save_index()    # a new index generation appears while readers run
    finally:
        stop.touch()
        outs = [r.communicate(timeout=300) for r in readers]
    for r, (out, err) in zip(readers, outs):
        assert r.returncode == 0, err[-3000:]
        ok, checks, searches, found = out.split()
        assert ok == "ok" and int(checks) > 0 and int(searches) >= 5
        assert int(found) >= 0.8 * int(searches), out   # the index is approximate, but not poor
    mem.close()


def test_second_writer_waits_or_says_who_writes(tmp_path):
    space = df.Space(dim=64, seed=0)
    a = df.Memory.create(tmp_path / "m", space)
    b = df.Memory.open(tmp_path / "m", lock_timeout=0.2)
    a._store.writer_lock.acquire(1.0)
    try:
        import pytest
        with pytest.raises(df.memory.WriterBusyError, match=r"another process is writing \(held by process \d+\)"):
            add_batch(b, 0, 3)
    finally:
        a._store.writer_lock.release()
    add_batch(b, 0, 3)
    assert a.rows == 3

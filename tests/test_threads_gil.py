"""Threads: results do not depend on the thread count; kernels release the GIL;
DELTAFORM_SIMD picks the SIMD path at import."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Callable

import numpy as np
import pytest

import deltaform
import reference_numpy as R
from conftest import SIMD_PATHS

CASES = [("fhrr", 1000), ("map", 1031), ("bsc", 960)]


def data(space: deltaform.Space, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if space.algebra == "bsc":
        return rng.integers(0, 256, size=(n, space.width), dtype=np.uint8)
    return rng.standard_normal((n, space.width)).astype(np.float32)


def all_results(space: deltaform.Space, threads: int) -> list[np.ndarray]:
    """Every batch operation, sized so that 2 threads really split the work
    (the core keeps at least 64 KiB of vectors per thread)."""
    bsc = space.algebra == "bsc"
    n = 2000 if bsc else 160
    A, B = data(space, n, 1), data(space, n, 2)
    # one group of many columns: bundle splits the columns over threads
    wide_space = deltaform.Space(32768 if bsc else 8192, space.algebra)
    wide = data(wide_space, 64 if bsc else 4, 3)
    wide_w = np.linspace(-1.0, 2.0, len(wide)).astype(np.float32)
    G = data(space, 6 * 5, 4).reshape(6, 5, space.width)
    w = np.linspace(-1.0, 2.0, 5).astype(np.float32)
    X = data(space, 1001, 5)
    mask = np.random.default_rng(6).random(1001) < 0.7
    out = [
        space.bind(A, B, threads=threads),
        space.unbind(A, B[0], threads=threads),
        space.inverse(A, threads=threads),
        space.permute(A, -77, threads=threads),
        space.similarity(A, B, threads=threads),
        space.bundle(G, w, threads=threads),
        space.bundle(G, np.tile(w, (6, 1)), threads=threads),
        wide_space.bundle(wide, threads=threads),
        wide_space.bundle(wide, wide_w, threads=threads),
        space.random(n, seed=3, threads=threads),
        space.atoms([f"слово {i}" for i in range(600)], threads=threads),
    ]
    for nq in (1, 7):
        for normalize in (True, False):
            for m in (None, mask):
                idx, score = space.topk(A[:nq], X, k=50, mask=m, normalize=normalize, threads=threads)
                out += [idx, score]
    return out


@pytest.mark.parametrize("algebra,dim", CASES, ids=[a for a, _ in CASES])
def test_thread_count_does_not_change_results(simd_path: str, algebra: str, dim: int) -> None:
    space = deltaform.Space(dim, algebra)
    one = all_results(space, 1)
    for threads in (2, 3, 0):
        other = all_results(space, threads)
        for i, (x, y) in enumerate(zip(one, other)):
            R.assert_bits_equal(y, x, f"result {i} with threads={threads} vs 1")


def test_topk_full_ranking_identical_across_thread_counts(simd_path: str) -> None:
    # every row ranked (k = rows): any score that depends on the row's place in
    # a thread's range would reorder or change it
    space = deltaform.Space(100, "map")
    X = data(space, 999, 7)
    Q = data(space, 6, 8)
    a = space.topk(Q, X, k=999, threads=1)
    b = space.topk(Q, X, k=999, threads=2)
    assert np.array_equal(a[0], b[0])
    R.assert_bits_equal(b[1], a[1], "scores")


# ------------------------------------------------------------------ the GIL

def big_topk() -> Callable[[], object]:
    """A compute-bound call of about 0.1-0.3 s: many queries over an L2-sized matrix."""
    space = deltaform.Space(1024, "map")
    X = data(space, 4096, 9)
    Q = data(space, 256, 10)
    return lambda: space.topk(Q, X, k=10, threads=1)


def test_kernels_let_python_threads_run() -> None:
    # While a kernel runs in a worker thread, the main thread keeps executing
    # Python. Were the GIL held, the main thread would stall for the whole call.
    space = deltaform.Space(4096, "fhrr")
    calls: list[Callable[[], object]] = [
        big_topk(),
        lambda: space.random(1500, seed=1, threads=1),
    ]
    for call in calls:
        call()  # warm up (page faults, codebook)
        done = threading.Event()
        span: list[float] = []

        def worker() -> None:
            t0 = time.perf_counter()
            call()
            span.append(time.perf_counter() - t0)
            done.set()

        th = threading.Thread(target=worker)
        last = time.perf_counter()
        longest_gap, ticks = 0.0, 0
        th.start()
        while not done.is_set():
            now = time.perf_counter()
            longest_gap = max(longest_gap, now - last)
            last = now
            ticks += 1
        th.join()
        duration = span[0]
        assert duration > 0.02, f"the call is too short ({duration:.3f} s) to tell anything"
        assert longest_gap < 0.5 * duration, (
            f"the main thread stalled {longest_gap:.3f} s during a {duration:.3f} s call: GIL held?"
        )
        assert ticks > 100


def test_concurrent_calls_overlap_in_time() -> None:
    # Two Python threads call the same kernel at once. With a long switch
    # interval the interpreter never takes the GIL from a thread by force, so a
    # second call can start while the first runs only if the first released the
    # GIL: held, the two calls would run one after the other with no overlap.
    # This holds however busy the machine is (the threads may share one CPU).
    topk = big_topk()
    topk()  # warm up
    spans: list[tuple[float, float]] = [(0.0, 0.0), (0.0, 0.0)]
    barrier = threading.Barrier(2)

    def worker(i: int) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        topk()
        spans[i] = (t0, time.perf_counter())

    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    overlap = min(end for _, end in spans) - max(start for start, _ in spans)
    shorter = min(end - start for start, end in spans)
    assert shorter > 0.02, f"the calls are too short ({shorter:.3f} s) to tell anything"
    assert overlap > 0.5 * shorter, (
        f"two topk calls overlapped {overlap:.3f} s of {shorter:.3f} s: they ran one after the other (GIL held?)"
    )


# ------------------------------------------------------------------ DELTAFORM_SIMD

def simd_in_subprocess(value: str) -> str:
    env = dict(os.environ, DELTAFORM_SIMD=value)
    out = subprocess.run(
        [sys.executable, "-c", "import deltaform; print(deltaform.simd_path())"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    return out.stdout.strip()


def test_env_var_forces_scalar() -> None:
    assert simd_in_subprocess("scalar") == "scalar"


def test_env_var_forces_each_supported_path_and_ignores_junk() -> None:
    best = SIMD_PATHS[-1]
    for path in SIMD_PATHS[1:]:
        assert simd_in_subprocess(path) == path
    # unknown names must not break the import: the best path is used
    assert simd_in_subprocess("auto") == best
    assert simd_in_subprocess("sse9000") == best


def test_set_simd_path_rejects_unknown_names() -> None:
    before = deltaform.simd_path()
    with pytest.raises(ValueError, match="sse9000.*expected 'scalar', 'avx2' or 'avx512'"):
        deltaform.set_simd_path("sse9000")
    assert deltaform.simd_path() == before
    for path in ("scalar", "avx2", "avx512"):
        if path not in SIMD_PATHS:
            with pytest.raises(ValueError, match=f"'{path}' is not supported"):
                deltaform.set_simd_path(path)

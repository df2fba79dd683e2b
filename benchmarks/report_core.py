#!/usr/bin/env python3
"""Benchmarks of deltaform's vector core against numpy, torchhd and FAISS, in one process.

    pip install -e .[bench]
    python benchmarks/report_core.py            # full sizes (about 5 GB of RAM at peak)
    python benchmarks/report_core.py --quick    # small sizes, a smoke test

Prints a markdown table (medians over interleaved rounds, ratios, bandwidth
fractions), checks the performance goals, and writes PNG plots, the table and
the raw times to benchmarks/results/. See benchmarks/README.md.
"""

from __future__ import annotations

import os

# OpenBLAS reads these when numpy loads it. A tuning left in the environment
# (a forced core type or L2 size) would make numpy's BLAS something other than
# what it picks by itself on this CPU, so they are unset for this process only.
UNSET_ENV = {k: os.environ.pop(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
# Idle OpenMP threads (FAISS, torch) spin for a while after each parallel
# region; on two cores that steals the CPU from whichever contender runs next
# in the interleaved rounds. Passive waiting puts them to sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

import deltaform as df  # noqa: E402
from bench_data import bsc_codes, bsc_queries, fhrr_matrix, fhrr_queries, grouped  # noqa: E402
from bench_timing import Stats, in_threads, interleaved, loadavg, wait_for_quiet  # noqa: E402

try:
    import faiss
except ImportError:  # the report still runs, without the FAISS rows
    faiss = None
try:
    import torch
    import torchhd
except ImportError:
    torch = torchhd = None
try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:
    threadpool_info = threadpool_limits = None

RESULTS = Path(__file__).resolve().parent / "results"
K = 10
THREADS = 2  # every contender gets both cores of the reference machine


class Report:
    """Rows of the final table, the goals, and the notes printed under it."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.goals: list[dict] = []
        self.notes: list[str] = []

    def add(self, section: str, case: str, impl: str, st: Stats, reference: Stats | None = None, **extra) -> None:
        row = {"section": section, "case": case, "impl": impl, "median_ms": st.median * 1e3, "best_ms": st.best * 1e3,
               "spread": st.spread, "times_s": st.times, **extra}
        # ratio = the contender's time / deltaform's time (> 1: deltaform is faster)
        if reference is not None and impl != "deltaform":
            row["deltaform_speedup"] = st.median / reference.median
        self.rows.append(row)

    def goal(self, name: str, value: float, target: float, unit: str = "x") -> None:
        self.goals.append({"goal": name, "value": value, "target": target, "unit": unit, "met": bool(value >= target)})


# ---------------------------------------------------------------- algebra ops
def numpy_ops(algebra: str, dim: int, tie: np.ndarray) -> dict[str, Callable]:
    """Plain numpy versions of bind, pairwise bundle and multibundle on deltaform's storage."""
    if algebra == "fhrr":
        def bind(a, b):
            ar, ai, br, bi = a[:, :dim], a[:, dim:], b[:, :dim], b[:, dim:]
            out = np.empty_like(a)
            np.subtract(ar * br, ai * bi, out=out[:, :dim])
            np.add(ar * bi, ai * br, out=out[:, dim:])
            return out
    elif algebra == "map":
        def bind(a, b):
            return a * b
    else:
        def bind(a, b):
            return a ^ b

    if algebra == "bsc":
        def bundle(p):  # majority of two: agreeing bits, else the tie vector's bit
            a, b = p[:, 0], p[:, 1]
            return (a & b) | ((a ^ b) & tie)

        def multibundle(g):  # odd m: no ties
            counts = np.unpackbits(g, axis=-1, bitorder="little").sum(axis=1, dtype=np.uint16)
            return np.packbits(2 * counts > g.shape[1], axis=-1, bitorder="little")
    else:
        def bundle(p):
            return p[:, 0] + p[:, 1]

        def multibundle(g):
            return g.sum(axis=1)
    return {"bind": bind, "bundle": bundle, "multibundle": multibundle}


def to_torchhd(algebra: str, x: np.ndarray, dim: int):
    if algebra == "fhrr":
        c = (x[..., :dim] + 1j * x[..., dim:]).astype(np.complex64)
        return torch.from_numpy(c).as_subclass(torchhd.FHRRTensor)
    if algebra == "map":
        return torch.from_numpy(np.ascontiguousarray(x)).as_subclass(torchhd.MAPTensor)
    bits = np.unpackbits(x, axis=-1, bitorder="little").astype(bool)
    return torch.from_numpy(bits).as_subclass(torchhd.BSCTensor)


def from_torchhd(algebra: str, t) -> np.ndarray:
    a = t.as_subclass(torch.Tensor).numpy()
    if algebra == "fhrr":
        return np.concatenate([a.real, a.imag], axis=-1)
    if algebra == "bsc":
        return np.packbits(a, axis=-1, bitorder="little")
    return a


def same(algebra: str, x: np.ndarray, y: np.ndarray, where: np.ndarray | None = None) -> bool:
    if where is not None:
        return bool(np.array_equal(x & where, y & where))
    if algebra == "bsc":
        return bool(np.array_equal(x, y))
    return bool(np.allclose(x, y, rtol=1e-6, atol=1e-5))


def bench_ops(rep: Report, args) -> None:
    dim, n, groups, m = 1024, args.pairs, args.groups, 9
    for algebra in ("fhrr", "map", "bsc"):
        space = df.Space(dim=dim, algebra=algebra, seed=0)
        a, b = space.random(n, seed=1), space.random(n, seed=2)
        pairs = np.ascontiguousarray(np.stack([a, b], axis=1))
        g = grouped(space.random(groups * m, seed=3), groups, m)
        tie = space.random(1, seed=4)[0]
        ref = numpy_ops(algebra, dim, tie)
        cases = {
            "bind": ({"deltaform": lambda r: space.bind(a, b), "numpy": lambda r: ref["bind"](a, b)}, f"{n} pairs"),
            "bundle": ({"deltaform": lambda r: space.bundle(pairs), "numpy": lambda r: ref["bundle"](pairs)}, f"{n} pairs"),
            "multibundle": ({"deltaform": lambda r: space.bundle(g), "numpy": lambda r: ref["multibundle"](g)},
                            f"{groups} groups of {m}"),
        }
        if torchhd is not None:
            ta, tb, tg = to_torchhd(algebra, a, dim), to_torchhd(algebra, b, dim), to_torchhd(algebra, g, dim)
            gen = torch.Generator().manual_seed(0)
            cases["bind"][0]["torchhd"] = lambda r: ta.bind(tb)
            if algebra == "bsc":
                cases["bundle"][0]["torchhd"] = lambda r: ta.bundle(tb, generator=gen)
            else:
                cases["bundle"][0]["torchhd"] = lambda r: ta.bundle(tb)
            cases["multibundle"][0]["torchhd"] = lambda r: tg.multibundle()
        for op, (contenders, size) in cases.items():
            # every contender must compute the same thing (bsc pairwise bundle: where a and b agree)
            ours = contenders["deltaform"](0)
            agree_mask = ~(a ^ b) if (algebra == "bsc" and op == "bundle") else None
            checks = {"numpy": same(algebra, ours, contenders["numpy"](0), agree_mask)}
            if "torchhd" in contenders:
                checks["torchhd"] = same(algebra, ours, from_torchhd(algebra, contenders["torchhd"](0)), agree_mask)
            stats = interleaved(contenders, args.ops_rounds)
            for impl, st in stats.items():
                rep.add("ops", f"{algebra} {op} ({size})", impl, st, stats["deltaform"],
                        same_result=checks.get(impl, True))
        del a, b, pairs, g
        gc.collect()


# ---------------------------------------------------------------- search
def numpy_read(threads: int) -> Callable[[np.ndarray], None]:
    # max() is numpy's fastest plain read here (SIMD, releases the GIL)
    return lambda arr: in_threads(lambda p: p.max() if p.dtype.kind == "f" else p.view(np.int8).max(), arr, threads)


def bandwidth_contenders(matrix: np.ndarray) -> dict[str, Callable]:
    return {"numpy read, 1 thread": lambda r: numpy_read(1)(matrix),
            "numpy read, 2 threads": lambda r: numpy_read(2)(matrix)}


def measured_bandwidth(rep: Report, section: str, stats: dict[str, Stats], nbytes: int) -> float:
    bw = {k: nbytes / v.median for k, v in stats.items() if k.startswith("numpy read")}
    for k, v in bw.items():
        rep.add(section, "memory read (whole matrix)", k, stats[k], bandwidth_GBps=v / 1e9)
    return max(bw.values())


def topk_numpy(X: np.ndarray, q: np.ndarray) -> np.ndarray:
    d = X @ q
    part = np.argpartition(d, -K)[-K:]
    return part[np.argsort(-d[part], kind="stable")]


def topk_numpy_batch(X: np.ndarray, Q: np.ndarray) -> np.ndarray:
    d = Q @ X.T
    part = np.argpartition(d, -K, axis=1)[:, -K:]
    return np.take_along_axis(part, np.argsort(-np.take_along_axis(d, part, axis=1), axis=1, kind="stable"), axis=1)


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return float(np.mean([len(set(x) & set(y)) / K for x, y in zip(a, b)]))


def bench_fhrr_search(rep: Report, args) -> dict:
    dim, rows = 1024, args.rows
    t0 = time.perf_counter()
    X = fhrr_matrix(rows, dim)
    truth = np.random.default_rng(5).choice(rows, size=64, replace=False)
    Q = fhrr_queries(X, truth)
    space = df.Space(dim=dim, algebra="fhrr")
    print(f"  fhrr data: {X.shape} float32, {X.nbytes / 1e9:.2f} GB, made in {time.perf_counter() - t0:.1f} s", flush=True)
    section = f"fhrr top-{K}, {rows} x dim {dim}"
    out: dict = {"bytes": X.nbytes}

    index = None
    if faiss is not None:
        index = faiss.IndexFlatIP(2 * dim)
        index.add(X)

    # correctness first: everyone finds the planted rows and agrees on the top 10
    ours_single = space.topk(Q[0], X, K, normalize=False)[0]
    ours_batch = space.topk(Q, X, K, normalize=False)[0]
    checks = {"deltaform top-1 = planted row (batch)": float(np.mean(ours_batch[:, 0] == truth)),
              "numpy vs deltaform top-10 overlap (single)": overlap(topk_numpy(X, Q[0]), ours_single)}
    if index is not None:
        checks["faiss vs deltaform top-10 overlap (batch)"] = overlap(index.search(Q, K)[1], ours_batch)
    out["checks"] = checks

    single = {
        "deltaform": lambda r: space.topk(Q[r % 64], X, K, normalize=False),
        "deltaform (cosine)": lambda r: space.topk(Q[r % 64], X, K, normalize=True),
        "numpy": lambda r: topk_numpy(X, Q[r % 64]),
        **bandwidth_contenders(X),
    }
    if index is not None:
        single["faiss IndexFlatIP"] = lambda r: index.search(Q[r % 64 : r % 64 + 1], K)
    stats = interleaved(single, args.rounds)
    bw = measured_bandwidth(rep, section, stats, X.nbytes)
    for impl in ("deltaform", "deltaform (cosine)", "numpy", "faiss IndexFlatIP"):
        if impl in stats:
            rep.add(section, "single query", impl, stats[impl], stats["deltaform"],
                    bandwidth_fraction=X.nbytes / stats[impl].median / bw)
    out["single"] = stats
    out["bandwidth"] = bw

    batch = {"deltaform": lambda r: space.topk(Q, X, K, normalize=False),
             "numpy": lambda r: topk_numpy_batch(X, Q)}
    if index is not None:
        batch["faiss IndexFlatIP"] = lambda r: index.search(Q, K)
    bstats = interleaved(batch, args.batch_rounds)
    flops = 2.0 * 64 * rows * 2 * dim
    for impl, st in bstats.items():
        rep.add(section, "batch of 64", impl, st, bstats["deltaform"], gflops=flops / st.median / 1e9)
    out["batch"] = bstats
    del X, index
    gc.collect()
    return out


def bench_bsc_search(rep: Report, args) -> dict:
    bits, rows = 8192, args.bsc_rows
    t0 = time.perf_counter()
    B = bsc_codes(rows, bits)
    truth = np.random.default_rng(6).choice(rows, size=64, replace=False)
    Q = bsc_queries(B, truth)
    space = df.Space(dim=bits, algebra="bsc")
    print(f"  bsc data: {B.shape} uint8, {B.nbytes / 1e9:.2f} GB, made in {time.perf_counter() - t0:.1f} s", flush=True)
    section = f"bsc Hamming top-{K}, {rows} x {bits} bits"
    out: dict = {"bytes": B.nbytes}

    index = None
    if faiss is not None:
        index = faiss.IndexBinaryFlat(bits)
        index.add(B)
    ours_batch = space.topk(Q, B, K)[0]
    checks = {"deltaform top-1 = planted row (batch)": float(np.mean(ours_batch[:, 0] == truth))}
    if index is not None:
        checks["faiss vs deltaform top-10 overlap (batch)"] = overlap(index.search(Q, K)[1], ours_batch)
    out["checks"] = checks

    single = {"deltaform": lambda r: space.topk(Q[r % 64], B, K), **bandwidth_contenders(B)}
    if index is not None:
        single["faiss IndexBinaryFlat"] = lambda r: index.search(Q[r % 64 : r % 64 + 1], K)
    stats = interleaved(single, args.rounds)
    bw = measured_bandwidth(rep, section, stats, B.nbytes)
    for impl in ("deltaform", "faiss IndexBinaryFlat"):
        if impl in stats:
            rep.add(section, "single query", impl, stats[impl], stats["deltaform"],
                    bandwidth_fraction=B.nbytes / stats[impl].median / bw)
    out["single"] = stats
    out["bandwidth"] = bw

    batch = {"deltaform": lambda r: space.topk(Q, B, K)}
    if index is not None:
        batch["faiss IndexBinaryFlat"] = lambda r: index.search(Q, K)
    bstats = interleaved(batch, args.batch_rounds)
    for impl, st in bstats.items():
        rep.add(section, "batch of 64", impl, st, bstats["deltaform"])
    out["batch"] = bstats
    del B, index
    gc.collect()
    return out


# ---------------------------------------------------------------- output
def environment() -> dict:
    env = {"python": sys.version.split()[0], "numpy": np.__version__, "deltaform simd path": df.simd_path(),
           "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
           "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
           "unset for this run": ", ".join(f"{k}={v}" for k, v in UNSET_ENV.items()) or "none was set"}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                env["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if faiss is not None:
        env["faiss"] = f"{faiss.__version__}, {faiss.omp_get_max_threads()} OpenMP threads"
    if torch is not None:
        env["torch / torchhd"] = f"{torch.__version__} / {getattr(torchhd, '__version__', '?')}, {torch.get_num_threads()} threads"
    if threadpool_info is not None:
        blas = [f"{i['internal_api']} {i.get('version')} ({Path(i['filepath']).name}): {i['num_threads']} threads, "
                f"{i.get('architecture')}" for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
        env["numpy BLAS"] = "; ".join(blas) or "?"
    return env


def fmt_ms(v: float) -> str:
    return f"{v:.3f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}"


def markdown(rep: Report, env: dict) -> str:
    lines = ["## deltaform vector core: benchmark report", ""]
    lines += [f"- {k}: {v}" for k, v in env.items()] + [""]
    lines += ["| section | case | implementation | median ms | spread | deltaform speed-up | notes |",
              "|---|---|---|---:|---:|---:|---|"]
    for r in rep.rows:
        notes = []
        if "bandwidth_GBps" in r:
            notes.append(f"{r['bandwidth_GBps']:.1f} GB/s")
        if "bandwidth_fraction" in r:
            notes.append(f"{100 * r['bandwidth_fraction']:.0f} % of read bandwidth")
        if "gflops" in r:
            notes.append(f"{r['gflops']:.0f} GFLOP/s")
        if r.get("same_result") is False:
            notes.append("RESULT DIFFERS")
        speed = f"{r['deltaform_speedup']:.2f}x" if "deltaform_speedup" in r else ""
        lines.append(f"| {r['section']} | {r['case']} | {r['impl']} | {fmt_ms(r['median_ms'])} | "
                     f"{100 * r['spread']:.0f} % | {speed} | {', '.join(notes)} |")
    lines += ["", "| goal | measured | target | met |", "|---|---:|---:|---|"]
    for g in rep.goals:
        value = f"{100 * g['value']:.0f} %" if g["unit"] == "%" else f"{g['value']:.2f}x"
        target = f"{100 * g['target']:.0f} %" if g["unit"] == "%" else f"{g['target']:.1f}x"
        lines.append(f"| {g['goal']} | {value} | {target} | {'yes' if g['met'] else 'NO'} |")
    lines += [""] + [f"- {n}" for n in rep.notes]
    return "\n".join(lines)


def plots(rep: Report) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    RESULTS.mkdir(parents=True, exist_ok=True)
    written = []
    colors = {"deltaform": "tab:blue", "deltaform (cosine)": "tab:cyan", "numpy": "tab:orange", "torchhd": "tab:red",
              "faiss IndexFlatIP": "tab:green", "faiss IndexBinaryFlat": "tab:green"}

    def grouped_bars(rows: list[dict], title: str, path: Path) -> None:
        cases = list(dict.fromkeys(r["case"] if r["section"] == "ops" else f"{r['section']}\n{r['case']}" for r in rows))
        impls = list(dict.fromkeys(r["impl"] for r in rows))
        width = 0.8 / len(impls)
        fig, ax = plt.subplots(figsize=(max(8, 1.3 * len(cases)), 5))
        for j, impl in enumerate(impls):
            xs, ys = [], []
            for i, c in enumerate(cases):
                for r in rows:
                    key = r["case"] if r["section"] == "ops" else f"{r['section']}\n{r['case']}"
                    if key == c and r["impl"] == impl:
                        xs.append(i + j * width)
                        ys.append(r["median_ms"])
            ax.bar(xs, ys, width, label=impl, color=colors.get(impl))
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(cases))])
        ax.set_xticklabels(cases, rotation=30, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("median time, ms (log)")
        ax.set_title(title)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)

    ops = [r for r in rep.rows if r["section"] == "ops"]
    if ops:
        grouped_bars(ops, "bind / bundle at dim 1024 (lower is better)", RESULTS / "ops.png")
    search = [r for r in rep.rows if r["section"] != "ops" and not r["impl"].startswith("numpy read")]
    if search:
        grouped_bars(search, f"exact top-{K} search (lower is better)", RESULTS / "search.png")
    frac = [r for r in rep.rows if "bandwidth_fraction" in r]
    if frac:
        fig, ax = plt.subplots(figsize=(8, 4))
        labels = [f"{r['section'].split(',')[0]}\n{r['impl']}" for r in frac]
        ax.bar(range(len(frac)), [100 * r["bandwidth_fraction"] for r in frac],
               color=[colors.get(r["impl"], "gray") for r in frac])
        ax.axhline(80, color="black", linestyle="--", linewidth=1, label="goal: 80 %")
        ax.set_xticks(range(len(frac)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel("% of measured read bandwidth")
        ax.set_title("single-query scans: matrix bytes / time / bandwidth")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(RESULTS / "bandwidth.png", dpi=110)
        plt.close(fig)
        written.append(RESULTS / "bandwidth.png")
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000, help="fhrr rows to search (dim 1024: 8 KiB each)")
    ap.add_argument("--bsc-rows", type=int, default=1_000_000, help="bsc codes to search (8192 bits: 1 KiB each)")
    ap.add_argument("--pairs", type=int, default=8192, help="pairs for batch bind and bundle")
    ap.add_argument("--groups", type=int, default=2048, help="groups of 9 vectors for multibundle")
    ap.add_argument("--rounds", type=int, default=15, help="rounds for single-query search and bandwidth")
    ap.add_argument("--batch-rounds", type=int, default=7, help="rounds for batch search")
    ap.add_argument("--ops-rounds", type=int, default=21, help="rounds for bind / bundle")
    ap.add_argument("--simd", choices=df.supported_simd_paths(), help="force deltaform's SIMD path (default: the best)")
    ap.add_argument("--quick", action="store_true", help="small sizes and few rounds (smoke test)")
    ap.add_argument("--only", choices=["ops", "fhrr", "bsc"], action="append", help="run only these parts")
    ap.add_argument("--wait-load", type=float, default=0.0,
                    help="first wait (up to 10 min) until the 1-minute load average is below this")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.bsc_rows, args.pairs, args.groups = 20_000, 50_000, 1024, 256
        args.rounds, args.batch_rounds, args.ops_rounds = 5, 3, 5
    parts = args.only or ["ops", "fhrr", "bsc"]

    if args.simd:
        df.set_simd_path(args.simd)
    if faiss is not None:
        faiss.omp_set_num_threads(THREADS)
    if torch is not None:
        torch.set_num_threads(THREADS)
    if threadpool_limits is not None:
        threadpool_limits(THREADS, user_api="blas")
    if args.wait_load > 0:
        print(f"waiting for load < {args.wait_load}: now {wait_for_quiet(args.wait_load, 600):.2f}", flush=True)

    env = environment()
    rep = Report()
    load = {"start": loadavg()}
    results: dict = {}
    if "ops" in parts:
        print("bind / bundle ...", flush=True)
        bench_ops(rep, args)
        load["after ops"] = loadavg()
    if "fhrr" in parts:
        print("fhrr search ...", flush=True)
        results["fhrr"] = bench_fhrr_search(rep, args)
        load["after fhrr search"] = loadavg()
    if "bsc" in parts:
        print("bsc search ...", flush=True)
        results["bsc"] = bench_bsc_search(rep, args)
        load["after bsc search"] = loadavg()

    def speedup(section_prefix: str, case: str, impl: str) -> float | None:
        for r in rep.rows:
            if r["section"].startswith(section_prefix) and r["case"] == case and r["impl"] == impl:
                return r.get("deltaform_speedup")
        return None

    def fraction(section_prefix: str) -> float | None:
        for r in rep.rows:
            if r["section"].startswith(section_prefix) and r["case"] == "single query" and r["impl"] == "deltaform":
                return r["bandwidth_fraction"]
        return None

    for name, value, target, unit in [
        ("fhrr single query vs numpy", speedup("fhrr", "single query", "numpy"), 1.0, "x"),
        ("fhrr single query vs FAISS flat", speedup("fhrr", "single query", "faiss IndexFlatIP"), 2.0, "x"),
        ("fhrr batch-64 vs FAISS flat", speedup("fhrr", "batch of 64", "faiss IndexFlatIP"), 1.0, "x"),
        ("bsc Hamming single query vs FAISS binary flat", speedup("bsc", "single query", "faiss IndexBinaryFlat"), 1.0, "x"),
        ("bsc Hamming batch-64 vs FAISS binary flat", speedup("bsc", "batch of 64", "faiss IndexBinaryFlat"), 1.0, "x"),
        ("fhrr single-query scan, share of read bandwidth", fraction("fhrr"), 0.8, "%"),
        ("bsc single-query scan, share of read bandwidth", fraction("bsc"), 0.8, "%"),
    ]:
        if value is not None:
            rep.goal(name, value, target, unit)

    for key, res in results.items():
        for check, v in res["checks"].items():
            rep.notes.append(f"{key} check: {check} = {v:.3f}")
    rep.notes.append("deltaform speed-up = the contender's median time / deltaform's median time in the same rounds.")
    rep.notes.append("spread = interquartile range / median over the rounds; over ~20 % means the machine was busy.")
    rep.notes.append("load average (1 min): " + ", ".join(f"{k} {v:.2f}" for k, v in load.items()))
    rep.notes.append(f"threads: deltaform threads=0 (all {os.cpu_count()} cores); FAISS OpenMP, torch and numpy's BLAS "
                     f"set to {THREADS}. numpy's element-wise ufuncs are single-threaded; FAISS flat search with one "
                     "query runs on one thread (it splits over queries).")
    rep.notes.append("read bandwidth = matrix bytes / median time of numpy max() over the whole matrix, 1 or 2 Python "
                     "threads, in the same rounds as the scans; the larger is used.")

    text = markdown(rep, env)
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "report_core.md").write_text(text + "\n")
    (RESULTS / "report_core.json").write_text(json.dumps({"environment": env, "rows": rep.rows, "goals": rep.goals,
                                                          "notes": rep.notes}, indent=1))
    for p in plots(rep):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

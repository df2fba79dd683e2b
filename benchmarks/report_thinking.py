"""Benchmark report for thinking with the memory: flash and consolidate as the memory grows.

    python benchmarks/report_thinking.py                      # 10k and 100k formulas
    python benchmarks/report_thinking.py --sizes 10000 100000 1000000

Memories are made on the bulk path (encode_many + add_vectors, fhrr dim 256):
generated formulas of 3–6 atoms from a Zipf-like vocabulary, with planted
couplings (pairs and triples) mixed in. Measured per size: the one-off build
of the catalogue arrays (read facts, CSR), flash latency p50/p99 (k=10,
steps=2, exact search so the figure does not hide an index build) with the
default cap on very common atoms (``max_spread``) and without it, the two
alternating query by query, and how much of the uncapped top 50 the capped
flash keeps; graph(around=Δ) p50 (depth 1, the neighbourhood
read from the catalogue's postings);
consolidate (count pairs and triples, mint) and whether every planted
coupling was found. Results: markdown on stdout, JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np

import deltaform as df
from deltaform.thinking import consolidate, flash, graph
from deltaform.thinking.incidence import incidence_of


def corpus(n: int, seed: int = 0, vocab: int = 20000, planted: int = 20) -> tuple[list[str], list[list[str]], list]:
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(vocab)])
    p = 1.0 / np.arange(1, vocab + 1) ** 0.9
    p /= p.sum()
    sizes = rng.integers(3, 7, size=n)
    picks = rng.choice(vocab, size=int(sizes.sum()), p=p)
    plants = [tuple(f"p{j}_{m}" for m in range(2 + j % 2)) for j in range(planted)]
    every = 50                                   # each planted coupling in n / (50·planted) formulas
    exprs, atoms = [], []
    at = 0
    for i in range(n):
        a = list(dict.fromkeys(words[picks[at:at + sizes[i]]].tolist()))
        at += sizes[i]
        if i % every == 0:
            a += list(plants[(i // every) % planted])
        exprs.append(" + ".join(a))
        atoms.append(a)
    return exprs, atoms, plants


def build(path: str, n: int) -> tuple[df.Memory, list, float]:
    space = df.Space(dim=256, seed=0)
    exprs, atoms, plants = corpus(n)
    t = time.perf_counter()
    mem = df.Memory.create(path, space)
    for i in range(0, n, 100_000):
        V = space.encode_many(exprs[i:i + 100_000])
        mem.add_vectors(V, exprs[i:i + 100_000], atoms=atoms[i:i + 100_000])
    return mem, plants, time.perf_counter() - t


def measure(n: int, queries: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="thinking-bench-")
    try:
        mem, plants, t_build = build(os.path.join(tmp, "m.dfm"), n)
        t = time.perf_counter()
        inc = incidence_of(mem)
        t_arrays = time.perf_counter() - t
        rng = random.Random(1)
        qs = [f"w{rng.randrange(200)} + w{rng.randrange(2000)}" for _ in range(queries)]
        times, uncapped, overlap = [], [], []
        flash(mem, qs[0], k=10, steps=2, limit=50, exact=True)                   # the capped lists, once
        flash(mem, qs[0], k=10, steps=2, limit=50, exact=True, max_spread=None)
        for q in qs:
            t = time.perf_counter()
            capped_items = flash(mem, q, k=10, steps=2, limit=50, exact=True)
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            all_items = flash(mem, q, k=10, steps=2, limit=50, exact=True, max_spread=None)
            uncapped.append(time.perf_counter() - t)
            full = {i.address for i in all_items}
            overlap.append(len(full & {i.address for i in capped_items}) / max(len(full), 1))
        ms = np.asarray(times) * 1e3
        ms_uncapped = np.asarray(uncapped) * 1e3
        around = []
        for a in rng.sample(range(1, n + 1), 20):
            t = time.perf_counter()
            graph(mem, around=f"Δ{a}", depth=1)
            around.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = consolidate(mem, min_count=max(n // 2000, 5), min_pmi=3.0)
        t_cons = time.perf_counter() - t
        found = {frozenset(c.atoms) for c in report.minted}
        missed = [p for p in plants if frozenset(p) not in found]
        out = {"formulas": n, "atoms": len(inc.atom_names), "incidence": int(len(inc.atoms)),
               "build_memory_s": t_build, "arrays_s": t_arrays,
               "flash_p50_ms": float(np.percentile(ms, 50)), "flash_p99_ms": float(np.percentile(ms, 99)),
               "flash_uncapped_p50_ms": float(np.percentile(ms_uncapped, 50)),
               "flash_uncapped_p99_ms": float(np.percentile(ms_uncapped, 99)),
               "flash_top50_overlap": float(np.mean(overlap)),
               "graph_around_p50_ms": float(np.percentile(np.asarray(around) * 1e3, 50)),
               "consolidate_s": t_cons, "minted": len(report.minted), "planted": len(plants),
               "planted_missed": len(missed)}
        mem.close()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "thinking.json"))
    args = ap.parse_args()
    rows = []
    print("| formulas | atoms | arrays build s | flash p50 ms | flash p99 ms | uncapped p50 ms | uncapped p99 ms | "
          "top-50 overlap | graph around p50 ms | consolidate s | minted | planted missed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        r = measure(n, args.queries)
        rows.append(r)
        print(f"| {n:,} | {r['atoms']:,} | {r['arrays_s']:.2f} | {r['flash_p50_ms']:.1f} | {r['flash_p99_ms']:.1f} | "
              f"{r['flash_uncapped_p50_ms']:.1f} | {r['flash_uncapped_p99_ms']:.1f} | {r['flash_top50_overlap']:.2f} | {r['graph_around_p50_ms']:.1f} | "
              f"{r['consolidate_s']:.2f} | {r['minted']} | {r['planted_missed']} of {r['planted']} |", flush=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)
    print(f"\n(memory built on the bulk path; JSON in {args.out})", file=sys.stderr)


if __name__ == "__main__":
    main()

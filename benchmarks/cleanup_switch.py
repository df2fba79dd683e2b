"""Where HNSW starts to pay off in the clean-up memory, for the queries a decoder makes.

A decoder's queries are bundles (or what is left of them): their best matches
sit at similarity 1/√K, far from the near-duplicates an HNSW index is built to
find. For each candidate count N this measures, on the same queries:

* exact: one BLAS product of the batch against every candidate, then the top m
  by absolute similarity (``Cleanup.scan`` with ``backend="exact"``);
* hnsw: hnswlib (cosine) at a few ``ef`` values, both signs of each query
  (``Cleanup.scan`` with ``backend="hnsw"``), after building the index;

the time per query, the index build time, and HNSW's recall@m against the
exact answer (also: the share of the bundle's items each one returns). The
switch point is the smallest N where HNSW answers faster than exact search at
a recall of at least 0.99, or "not reached" with what HNSW managed at the
largest N.

    python benchmarks/cleanup_switch.py                 # dim 1024, N up to 30 000
    python benchmarks/cleanup_switch.py --sizes 1000 3000 --queries 100

Writes benchmarks/results/cleanup_switch.{json,png}.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from deltaform import Space
from deltaform.decoding import Cleanup

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def measure(dim: int, n: int, ks: list[int], queries: int, m: int, efs: list[int], hnsw_m: int,
            ef_construction: int) -> list[dict]:
    space = Space(dim, "fhrr", seed=1)
    names = [f"c{i}" for i in range(n)]
    exact = Cleanup(space, names, backend="exact")
    approx = Cleanup(space, backend="hnsw", hnsw_m=hnsw_m, hnsw_ef_construction=ef_construction)
    t = time.perf_counter()
    approx.add_atoms(names)
    build = time.perf_counter() - t
    out = []
    for k in ks:
        rng = np.random.default_rng(k)
        truth = np.stack([rng.choice(n, k, replace=False) for _ in range(queries)])
        Q = exact.real_vectors[truth].sum(axis=1)

        def found(rows):  # share of the bundle's items among the m returned (at most 1)
            return float(np.mean([len(set(r.tolist()) & set(t.tolist())) / min(k, m) for r, t in zip(rows, truth)]))

        exact.scan(Q[:8], m)  # warm up
        t = time.perf_counter()
        exact_rows, _ = exact.scan(Q, m, threads=1)
        t_exact = (time.perf_counter() - t) / queries

        def recall(rows):  # recall@m against exact search
            return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / m for a, b in zip(rows, exact_rows)]))

        r = {"dim": dim, "n": n, "k": k, "exact_ms": 1e3 * t_exact, "exact_found": found(exact_rows),
             "build_s": build, "hnsw": []}
        for ef in efs:
            approx._hnsw_params = (hnsw_m, ef_construction, ef)
            approx._hnsw.set_ef(ef)
            t = time.perf_counter()
            rows, _ = approx.scan(Q, m, threads=1)
            r["hnsw"].append({"ef": ef, "ms": 1e3 * (time.perf_counter() - t) / queries, "recall": recall(rows),
                              "found": found(rows)})
        out.append(r)
    return out


def switch_point(results: list[dict], min_recall: float = 0.99) -> dict:
    """The smallest measured N where HNSW, at the recall, answers faster than exact search."""
    for r in sorted(results, key=lambda r: r["n"]):
        good = [h for h in r["hnsw"] if h["recall"] >= min_recall]
        if good and min(h["ms"] for h in good) < r["exact_ms"]:
            return {"n": r["n"], "measured": True}
    last = max(results, key=lambda r: r["n"])
    best = max(last["hnsw"], key=lambda h: h["recall"])
    return {"n": None, "measured": False,
            "note": f"not reached up to N={last['n']}: there HNSW (ef {best['ef']}) recalls {best['recall']:.2f} "
                    f"in {best['ms']:.1f} ms against exact {last['exact_ms']:.1f} ms per query"}


def plot(results: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for k in sorted({r["k"] for r in results}):
        rs = sorted((r for r in results if r["k"] == k), key=lambda r: r["n"])
        ns = [r["n"] for r in rs]
        ax[0].plot(ns, [r["exact_ms"] for r in rs], "o-", label=f"exact, K={k}")
        for i, ef in enumerate(h["ef"] for h in rs[0]["hnsw"]):
            ax[0].plot(ns, [r["hnsw"][i]["ms"] for r in rs], "s--", label=f"hnsw ef={ef}, K={k}")
            ax[1].plot(ns, [r["hnsw"][i]["recall"] for r in rs], "s--", label=f"hnsw ef={ef}, K={k}")
    for a in ax:
        a.set_xscale("log")
        a.set_xlabel("candidates N")
    ax[0].set_yscale("log")
    ax[0].set_ylabel("ms per query (one thread)")
    ax[1].set_ylabel("recall@m against exact search")
    ax[0].legend(fontsize=7)
    ax[1].legend(fontsize=7)
    fig.suptitle("clean-up search for decoder queries: exact vs HNSW (fhrr)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000, 30000])
    p.add_argument("--bundles", type=int, nargs="+", default=[10, 40])
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--m", type=int, default=32)
    p.add_argument("--ef", type=int, nargs="+", default=[64, 256])
    p.add_argument("--hnsw-m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=100)
    args = p.parse_args()
    os.makedirs(RESULTS, exist_ok=True)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, "blas")  # one thread for both, as the decoder runs them
    results = []
    for n in args.sizes:
        for r in measure(args.dim, n, args.bundles, args.queries, args.m, args.ef, args.hnsw_m, args.ef_construction):
            results.append(r)
            hn = ", ".join(f"ef {h['ef']}: {h['ms']:.2f} ms recall {h['recall']:.3f}" for h in r["hnsw"])
            print(f"N={n:>7} K={r['k']:>3}  exact {r['exact_ms']:.3f} ms (items found {r['exact_found']:.3f}) | "
                  f"hnsw build {r['build_s']:.0f} s, {hn}", flush=True)
    sw = {k: switch_point([r for r in results if r["k"] == k]) for k in args.bundles}
    print("switch point (HNSW faster at recall >= 0.99):", sw)
    with open(os.path.join(RESULTS, "cleanup_switch.json"), "w") as f:
        json.dump({"args": vars(args), "results": results, "switch": sw}, f, indent=1)
    plot(results, os.path.join(RESULTS, "cleanup_switch.png"))


if __name__ == "__main__":
    main()

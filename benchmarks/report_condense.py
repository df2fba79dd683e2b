"""Benchmark report for condense (clusters → symbols) and the memory graph.

    python benchmarks/report_condense.py                  # 10k and 100k formulas
    python benchmarks/report_condense.py --sizes 10000    # one size

The formulas come from G topics: each is three atoms of its topic's twelve words
and one word of a shared vocabulary, so a good clustering finds the topics.
For each size (fhrr, dim 256, bulk path encode_many + add_vectors): the time of
condense with k-means (k = G) without and with storing the symbols, with the
agglomerative threshold, its purity (share of each symbol's members that are of
its majority topic), and the time of graph(around=…, depth=2) and of a picture.
Results go to stdout (markdown) and to --out (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

import numpy as np

import deltaform as df
from deltaform.thinking import condense, graph


def formulas(n: int, topics: int, seed: int = 0) -> tuple[list[str], list[list[str]], list[int]]:
    rng = random.Random(seed)
    words = [[f"t{t}w{i}" for i in range(12)] for t in range(topics)]
    common = [f"c{i}" for i in range(2000)]
    lines, atoms, truth = [], [], []
    for _ in range(n):
        t = rng.randrange(topics)
        chosen = rng.sample(words[t], 3) + [rng.choice(common)]
        lines.append(" + ".join(chosen))
        atoms.append(chosen)
        truth.append(t)
    return lines, atoms, truth


def purity(symbols, truth: dict[str, int]) -> float:
    total = right = 0
    for s in symbols:
        counts = np.bincount([truth[m] for m in s.members])
        right += int(counts.max())
        total += len(s.members)
    return right / max(total, 1)


def bench(work: str, n: int, topics: int, threshold: float) -> dict:
    space = df.Space(dim=256)
    lines, atoms, truth_list = formulas(n, topics)
    path = os.path.join(work, f"m{n}")
    mem = df.Memory.create(path, space)
    V = space.encode_many(lines)
    for i in range(0, n, 20_000):
        mem.add_vectors(V[i:i + 20_000], lines[i:i + 20_000], atoms=atoms[i:i + 20_000])
    truth = {e.address: truth_list[e.row] for e in mem.entries()}
    out: dict = {"formulas": n, "topics": topics}

    t = time.perf_counter()
    r = condense(mem, k=topics, store=False)
    out["kmeans_s"] = time.perf_counter() - t
    out["kmeans_purity"] = purity(r.symbols, truth)
    out["kmeans_cohesion"] = float(np.mean([s.cohesion for s in r.symbols]))

    t = time.perf_counter()
    r = condense(mem, threshold=threshold, store=False)
    out["agglomerative_s"] = time.perf_counter() - t
    out["agglomerative_symbols"] = len(r.symbols)
    out["agglomerative_purity"] = purity(r.symbols, truth)

    t = time.perf_counter()
    r = condense(mem, k=topics, store=True)
    out["kmeans_store_s"] = time.perf_counter() - t

    t = time.perf_counter()
    g = graph(mem, around=r.symbols[0].glyph, depth=1, atoms=False, shared=None)
    out["graph_symbol_s"] = time.perf_counter() - t
    out["graph_symbol_nodes"] = len(g.nodes)
    t = time.perf_counter()
    g = graph(mem, around="Δ1", depth=2)
    out["graph_around_s"] = time.perf_counter() - t
    out["graph_around_nodes"] = len(g.nodes)
    try:
        t = time.perf_counter()
        g.draw(os.path.join(work, f"around{n}.png"), engine="matplotlib")
        out["draw_s"] = time.perf_counter() - t
    except ImportError:
        out["draw_s"] = None
    mem.close()
    return out


def markdown(results: list[dict]) -> str:
    rows = ["| formulas | k-means (k=topics) | + store | purity | cohesion | agglomerative | symbols | purity "
            "| graph around Δ1, depth 2 | picture |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        draw = f"{r['draw_s']:.1f} s" if r.get("draw_s") is not None else "—"
        rows.append(f"| {r['formulas']:,} | {r['kmeans_s']:.2f} s | {r['kmeans_store_s']:.2f} s | "
                    f"{r['kmeans_purity']:.3f} | {r['kmeans_cohesion']:.3f} | {r['agglomerative_s']:.2f} s | "
                    f"{r['agglomerative_symbols']} | {r['agglomerative_purity']:.3f} | "
                    f"{r['graph_around_s']:.2f} s ({r['graph_around_nodes']} nodes) | {draw} |")
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--topics", type=int, default=24)
    p.add_argument("--threshold", type=float, default=0.3)
    p.add_argument("--out", default="benchmarks/results/condense.json")
    args = p.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="df-condense-") as work:
        for n in args.sizes:
            results.append(bench(work, n, args.topics, args.threshold))
            print(json.dumps(results[-1]), file=sys.stderr)
    print(markdown(results))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

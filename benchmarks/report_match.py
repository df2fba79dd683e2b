"""Growth curve of `match` (patterns with ?variables): postings index vs a full scan.

    python benchmarks/report_match.py                      # 10k, 100k, 1M formulas
    python benchmarks/report_match.py --sizes 10000 100000 # fewer

Each memory is generated (formulas ``a + b → c <phrase word>`` and ``role: a * b``
over a vocabulary of 2 000 words) and bulk-loaded with ``add_vectors`` (the vector
does not matter to matching; bsc dim 64 keeps the files small). For each pattern:
the number of candidate rows the postings give, matches, and latency of
``match`` with the index and with ``use_index=False`` (parse and match every
formula; timed once, it is slow; above --scan-up-to only for the first pattern). Results: markdown on stdout, JSON to --out.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time

import numpy as np

from deltaform.memory import Memory
from deltaform.space import Space
from deltaform.thinking import candidate_rows, match

VOCAB = 2000
TAILS = ["память", "печаль", "радость", "тревога"]
PATTERNS = [
    "?x + w17 → ?y",                 # one atom constant
    "?x + w17 → ?y память",          # an atom and a phrase with a word variable
    "w17 + w42 → ?y",                # two constants: intersection of postings
    "роль: w17 * ?b",                # a role and an atom
    "?x + ?z → ?y печаль",           # only a phrase with a word variable: a GLOB over the atom terms
]


def generate(n: int, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    exprs, atoms = [], []
    for _ in range(n):
        a, b, c = (f"w{rng.randrange(VOCAB)}" for _ in range(3))
        if rng.random() < 0.8:
            tail = f"{c} {rng.choice(TAILS)}"
            exprs.append(f"{a} + {b} → {tail}")
            atoms.append(list(dict.fromkeys([a, b, tail])))
        else:
            exprs.append(f"роль: {a} * {b}")
            atoms.append(list(dict.fromkeys([a, b])))
    return exprs, atoms


def build(path: str, n: int, space: Space) -> float:
    t = time.perf_counter()
    mem = Memory.create(path, space, exact_threshold=10**9)
    chunk = 100_000
    for start in range(0, n, chunk):
        exprs, atoms = generate(min(chunk, n - start), seed=start)
        mem.add_vectors(np.zeros((len(exprs), space.width), space.dtype), exprs, atoms=atoms)
    mem.close()
    return time.perf_counter() - t


def timed(f, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--scan-up-to", type=int, default=100_000,
                    help="Above this size, time the full scan for the first pattern only (it takes minutes).")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    space = Space(dim=64, algebra="bsc")
    results = []
    for n in args.sizes:
        d = tempfile.mkdtemp(prefix="match-bench-")
        try:
            build_s = build(d + "/m", n, space)
            mem = Memory.open(d + "/m", readonly=True)
            for pattern in PATTERNS:
                rows = candidate_rows(mem, pattern)
                t_index, found = timed(lambda: match(mem, pattern), 3)
                t_scan, scanned = (timed(lambda: match(mem, pattern, use_index=False), 1)
                                   if n <= args.scan_up_to or pattern == PATTERNS[0] else (None, None))
                if scanned is not None:
                    assert [m.address for m in scanned] == [m.address for m in found], pattern
                results.append({"formulas": n, "build_s": build_s, "pattern": pattern,
                                "candidates": int(len(rows)) if rows is not None else n,
                                "matches": len(found), "index_ms": t_index * 1e3,
                                "scan_ms": t_scan * 1e3 if t_scan is not None else None})
                r = results[-1]
                print(json.dumps(r, ensure_ascii=False), flush=True)
            mem.close()
        finally:
            shutil.rmtree(d, ignore_errors=True)
    print("\n| formulas | pattern | candidates | matches | match (index) ms | full scan ms | speed-up |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        scan = f"{r['scan_ms']:.0f}" if r["scan_ms"] is not None else "—"
        up = f"{r['scan_ms'] / r['index_ms']:.0f}×" if r["scan_ms"] is not None else "—"
        print(f"| {r['formulas']:,} | `{r['pattern']}` | {r['candidates']:,} | {r['matches']:,} | "
              f"{r['index_ms']:.2f} | {scan} | {up} |")
    print("\nbuild (add_vectors) s: " + ", ".join(f"{n:,}: {next(r['build_s'] for r in results if r['formulas'] == n):.1f}"
                                           for n in args.sizes))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()

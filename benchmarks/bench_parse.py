"""Parse speed on a generated corpus: lines per second for the C++ parse alone,
and for parse + conversion to deltaform.ast nodes.

    python benchmarks/bench_parse.py [--lines 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time

from deltaform import _core, parse_many

TEMPLATES = [
    "вода + боль → плавная память",
    "Δ{n} = (вода + весна + неясность) = сцена про влечение и расцвет",
    "Δ{n} = сцена(вода, весна, неясность) = про влечение и расцвет",
    "ΔF{n}(x, y) = (действие: x → результат) + поле: y",
    "Δ{n} = ΔF(таяние, память)",
    "Δ{n} = (образ: вода + эмоция: боль + действие: таяние)",
    "Δ{n} = тревога → надежда → покой",
    "Δ{n} = 0.8*жар + 0.2*тишина + вспышка",
    "Δ{n} = (Δ12 + солнце) → ⟁",
    "Δ{n} = Δ12 * ~объект",
    "Δmeta{n} = ?x + боль → ?y память",
    '@{n} = "жартишинавспышка" -> пробуждение',
    "water + pain → smooth memory  # an English line",
]


def corpus(lines: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return "\n".join(rng.choice(TEMPLATES).format(n=i) for i in range(lines)).encode()


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = corpus(args.lines)
    cpp = best_of(args.repeat, lambda: _core.formula_parse_text(data, "bench.df", False, False))
    full = best_of(args.repeat, lambda: parse_many(data, filename="bench.df"))
    mb = len(data) / 1e6
    print(f"corpus: {args.lines} lines, {mb:.1f} MB")
    print(f"C++ parse only:        {args.lines / cpp:12,.0f} lines/s  {mb / cpp:7.1f} MB/s  "
          f"({args.lines / cpp * 60 / 1e6:.1f} M lines/min)")
    print(f"parse + Python nodes:  {args.lines / full:12,.0f} lines/s  {mb / full:7.1f} MB/s")


if __name__ == "__main__":
    main()

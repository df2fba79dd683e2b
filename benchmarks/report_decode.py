"""Decoding: capacity against one-shot clean-up and theory, and speed against torchhd.

Capacity
--------
For an algebra, a width ``dim`` and ``N`` candidate atoms, the capacity of a
structure is the largest K such that a random formula of K terms is recovered
*exactly* (every term, nothing more) in at least 99 % of trials. Formulas are
random, encoded by the core's encoder from text:

(a) flat bundles    ``c1 + c2 + … + cK``
(b) records         K fillers, each under one of 16 roles drawn at random
                    (``r3: (c1 + c7) + r9: c2 + …``), decoded with those 16 roles known
(c) flows           ``c1 → c2 → … → cK``, decoded with every position up to K probed
                    at once (``probe_steps=K``: the decoder is told to expect a flow)

next to, on the same vectors,

(d) one-shot clean-up: flat — the top K candidates; records — for each role
    present, unbind it and take its top k_r (the roles and counts are given:
    an oracle the decoder does without); flows — unbind each of the K positions
    and take the top 1;
(e) theory for one-shot clean-up (Frady, Kleyko & Sommer 2018): per-item
    accuracy ``p = ∫ φ(h) Φ(h + s)^{N-1} dh`` with signal-to-noise
    ``s = √(D/K)``, D the real degrees of freedom (2·dim for fhrr, dim for
    map; for bsc the majority keeps ``√(2/π)`` of the signal, ``s = √(2D/πK)``).
    Reported: the largest K with ``p^K ≥ 0.99`` (whole formula exact, the
    measure above) and with ``p ≥ 0.99`` (per item).

The search doubles K until a failure rate above 1 % shows, then bisects; each
K is tried in chunks and abandoned at the second failure. With ``--trials T``
(default 100) a K passes when at most ``T/100`` of its T trials fail.

Speed
-----
Formulas of 10 elements (flat bundles and records) against 10 000 candidates,
fhrr dim 1024, decoded in one batch with 1 and 2 threads; and torchhd's
clean-up decoding of the same vectors with torch on 2 threads: one-shot top-K
(batched ``cosine_similarity`` + ``topk``) and peeling (K rounds of clean-up
and subtraction, batched), both told K.

    python benchmarks/report_decode.py --quick                  # a small run
    python benchmarks/report_decode.py                          # the full grid (long)
    python benchmarks/report_decode.py --algebras fhrr --dims 1024 --sizes 10000 --structures flat

Results merge into benchmarks/results/decode_capacity.json (so runs can be
split); plots and a summary table go next to it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np

from deltaform import Space
from deltaform.decoding import Cleanup, decode_many
from deltaform.decoding.keys import STEP

RESULTS = os.path.join(os.path.dirname(__file__), "results")
ROLES = [f"r{i}" for i in range(16)]


# ---------------------------------------------------------------- formulas
def make_formulas(kind: str, k: int, n: int, trials: int, rng: np.random.Generator):
    """Text of each trial's formula and its truth: a set of (key, atom) pairs."""
    texts, truths = [], []
    for _ in range(trials):
        atoms = [f"c{i}" for i in rng.choice(n, k, replace=False)]
        if kind == "flat":
            texts.append(" + ".join(atoms))
            truths.append({("", a) for a in atoms})
        elif kind == "records":
            roles = rng.integers(0, len(ROLES), size=k)
            groups: dict[int, list[str]] = {}
            for r, a in zip(roles.tolist(), atoms):
                groups.setdefault(r, []).append(a)
            parts = [f"{ROLES[r]}: " + (g[0] if len(g) == 1 else "(" + " + ".join(g) + ")") for r, g in groups.items()]
            texts.append(" + ".join(parts))
            truths.append({("role:" + ROLES[r], a) for r, a in zip(roles.tolist(), atoms)})
        elif kind == "flows":
            texts.append(" → ".join(atoms) if k > 1 else atoms[0])
            truths.append({(f"step:{i}", a) for i, a in enumerate(atoms)} if k > 1 else {("", atoms[0])})
        else:
            raise ValueError(kind)
    return texts, truths


# ---------------------------------------------------------------- the two decoders
def decoded_ok(space, cleanup, kind, k, vectors, truths) -> np.ndarray:
    options = {"max_depth": 0}
    if kind == "records":
        options["roles"] = ROLES
    if kind == "flows":  # told that flows are coming: every position probed at once
        options["max_steps"] = options["probe_steps"] = max(16, k)
    res = decode_many(space, vectors, cleanup, **options)
    return np.array([{(t.key, t.leaf.name) for t in d.terms if t.leaf is not None} == truth
                     for d, truth in zip(res, truths)])


def one_shot_ok(space, cleanup, kind, k, vectors, truths) -> np.ndarray:
    view = cleanup.view
    if kind == "flat":
        rows, _ = cleanup.search(vectors, k=k)
        return np.array([{("", cleanup.leaf(int(r)).name) for r in row} == t for row, t in zip(rows, truths)])
    ok = np.ones(len(truths), dtype=bool)
    real = view.real(vectors)
    if kind == "flows" and k == 1:
        rows, _ = cleanup.search(vectors, k=1)
        return np.array([{("", cleanup.leaf(int(r[0])).name)} == t for r, t in zip(rows, truths)])
    keys = sorted({key for t in truths for key, _ in t})
    for key in keys:
        if key.startswith("role:"):
            kv = view.real(space.atom(key[5:]))
        else:
            kv = view.permute(view.real(space.atom(STEP)), int(key[5:]))
        want = [sorted(a for kk, a in t if kk == key) for t in truths]
        kmax = max(len(w) for w in want)
        if kmax == 0:
            continue
        q = np.ascontiguousarray(view.unbind(real, kv), dtype=np.float32)
        if space.algebra == "bsc":
            q = np.packbits(q < 0, axis=-1, bitorder="little")
        rows, _ = cleanup.search(q, k=kmax)
        for i, w in enumerate(want):
            if w:
                ok[i] &= sorted(cleanup.leaf(int(r)).name for r in rows[i, : len(w)]) == w
    return ok


# ---------------------------------------------------------------- capacity search
def passes(check, space, cleanup, kind, k, n, trials, rng, chunk=25) -> bool:
    allowed = trials // 100
    failures = done = 0
    while done < trials:
        size = min(chunk, trials - done)
        texts, truths = make_formulas(kind, k, n, size, rng)
        vectors = space.encode_many(texts)
        failures += int((~check(space, cleanup, kind, k, vectors, truths)).sum())
        done += size
        if failures > allowed:
            return False
    return True


def capacity(check, space, cleanup, kind, n, trials, start, limit, seed) -> int:
    """The largest K that passes, searched up to ``limit`` (a formula cannot hold more distinct
    candidates than there are: with ``limit`` = N, a result of N means every candidate at once)."""
    rng = np.random.default_rng(seed)
    lo, hi = 0, None
    k = min(start, limit)
    while hi is None:
        if passes(check, space, cleanup, kind, k, n, trials, rng):
            if k >= limit:
                return k
            lo, k = k, min(k * 2, limit)
        else:
            hi = k
    while hi - lo > max(1, lo // 20):
        mid = (lo + hi) // 2
        if passes(check, space, cleanup, kind, mid, n, trials, rng):
            lo = mid
        else:
            hi = mid
    return lo


# ---------------------------------------------------------------- theory
def p_item(s: float, n: int) -> float:
    from math import erf, sqrt

    h = np.linspace(-12, 12, 6001)
    pdf = np.exp(-0.5 * h * h) / math.sqrt(2 * math.pi)
    x = (h + s) / sqrt(2)
    # log Φ(h + s), computed stably in the lower tail
    log_cdf = np.where(h + s > -5, np.log(np.maximum(0.5 * (1 + np.vectorize(erf)(x)), 1e-300)),
                       -0.5 * (h + s) ** 2 - np.log(-(h + s) * math.sqrt(2 * math.pi)))
    return float(np.sum(pdf * np.exp((n - 1) * log_cdf)) * (h[1] - h[0]))


def theory(algebra: str, dim: int, n: int) -> dict:
    d = 2 * dim if algebra == "fhrr" else dim
    gain = 2 / math.pi if algebra == "bsc" else 1.0
    whole = item = 0
    for k in range(1, 4 * dim):
        p = p_item(math.sqrt(gain * d / k), n)
        if p ** k >= 0.99:
            whole = k
        if p >= 0.99:
            item = k
        if p < 0.99 and p ** k < 0.99:
            break
    return {"whole": whole, "per_item": item}


# ---------------------------------------------------------------- speed
def speed(trials: int = 1000, seed: int = 3) -> dict:
    """Formulas per second of wall time and per second of CPU time (the second is steadier on a shared
    machine; with two threads it counts both)."""
    space = Space(1024, "fhrr", seed=1)
    n = 10_000
    cleanup = Cleanup(space, [f"c{i}" for i in range(n)])
    rng = np.random.default_rng(seed)
    out = {}
    for kind in ("flat", "records"):
        texts, truths = make_formulas(kind, 10, n, trials, rng)
        vectors = space.encode_many(texts)
        options = {"roles": ROLES} if kind == "records" else {}
        decode_many(space, vectors[:50], cleanup, **options)  # warm up
        for threads in (1, 2):
            t, c = time.perf_counter(), time.process_time()
            res = decode_many(space, vectors, cleanup, threads=threads, max_depth=0, **options)
            dt, dc = time.perf_counter() - t, time.process_time() - c
            ok = np.mean([{(x.key, x.leaf.name) for x in d.terms} == tr for d, tr in zip(res, truths)])
            out[f"deltaform {kind} threads={threads}"] = {"per_s": trials / dt, "per_cpu_s": trials / dc,
                                                          "exact": float(ok)}
        try:
            out.update(torchhd_speed(space, cleanup, kind, vectors, truths))
        except ImportError as e:
            out[f"torchhd {kind}"] = {"error": str(e)}
    return out


def torchhd_speed(space, cleanup, kind, vectors, truths) -> dict:
    import torch
    import torchhd

    torch.set_num_threads(2)
    memory = torchhd.FHRRTensor(torch.from_numpy(space.complex_view(cleanup.vectors)))
    x = torchhd.FHRRTensor(torch.from_numpy(space.complex_view(vectors)))
    names = [cleanup.leaf(i).name for i in range(len(cleanup))]
    out = {}
    if kind == "flat":
        keys = None
        k = 10
    else:
        keys = torchhd.FHRRTensor(torch.from_numpy(space.complex_view(space.atoms(ROLES))))

    def oneshot():
        if keys is None:
            return torch.topk(torchhd.cosine_similarity(x, memory), k, dim=-1).indices
        # each role unbound, its best filler; a role's filler counts when it beats the role's noise
        u = torchhd.bind(x.unsqueeze(1), torchhd.inverse(keys).unsqueeze(0))      # (n, roles, d)
        return torchhd.cosine_similarity(u, memory)                                # (n, roles, N)

    def peel():
        if keys is None:
            r = x.clone()
            found = []
            for _ in range(10):
                s = torchhd.cosine_similarity(r, memory)
                idx = torch.argmax(s.real if s.is_complex() else s, dim=-1)
                best = memory[idx]
                coef = torch.sum(torch.real(r * torch.conj(best)), dim=-1, keepdim=True) / best.shape[-1]
                r = r - coef * best
                found.append(idx)
            return torch.stack(found, dim=-1)
        return None

    def chunks(fn):
        nonlocal x
        whole, parts = x, []
        for lo in range(0, whole.shape[0], 100):
            x = whole[lo : lo + 100]
            parts.append(fn())
        x = whole
        return torch.cat(parts)

    t, c = time.perf_counter(), time.process_time()
    res = chunks(oneshot)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    if keys is None:
        ok = [{("", names[i]) for i in row.tolist()} == tr for row, tr in zip(res, truths)]
    else:
        # given the roles and how many fillers each carries (an oracle), the top k_r of each role
        ok = []
        for i, tr in enumerate(truths):
            good = True
            for r, role in enumerate(ROLES):
                want = sorted(a for key, a in tr if key == "role:" + role)
                if want:
                    top = torch.topk(res[i, r], len(want)).indices.tolist()
                    good &= sorted(names[j] for j in top) == want
            ok.append(good)
    out[f"torchhd {kind} one-shot"] = {"per_s": len(truths) / dt, "per_cpu_s": len(truths) / dc,
                                        "exact": float(np.mean(ok))}
    if keys is None:
        t, c = time.perf_counter(), time.process_time()
        res = chunks(peel)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        ok = [{("", names[i]) for i in row.tolist()} == tr for row, tr in zip(res, truths)]
        out[f"torchhd {kind} peeling"] = {"per_s": len(truths) / dt, "per_cpu_s": len(truths) / dc,
                                          "exact": float(np.mean(ok))}
    return out


# ---------------------------------------------------------------- output
def plot(results: dict, path_prefix: str) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for algebra in sorted({r["algebra"] for r in results.values()}):
        rs = [r for r in results.values() if r["algebra"] == algebra]
        sizes = sorted({r["n"] for r in rs})
        fig, axes = plt.subplots(1, len(sizes), figsize=(5.5 * len(sizes), 4.2), squeeze=False)
        for ax, n in zip(axes[0], sizes):
            for kind, color in (("flat", "C0"), ("records", "C1"), ("flows", "C2")):
                pts = sorted((r["dim"], r) for r in rs if r["n"] == n and r["kind"] == kind)
                if not pts:
                    continue
                dims = [d for d, _ in pts]
                ax.plot(dims, [r["decoded"] for _, r in pts], "o-", color=color, label=f"decode: {kind}")
                ax.plot(dims, [r["one_shot"] for _, r in pts], "s--", color=color, alpha=0.6,
                        label=f"one-shot: {kind}")
            th = sorted((r["dim"], r["theory"]) for r in rs if r["n"] == n and r["kind"] == "flat")
            if th:
                ax.plot([d for d, _ in th], [t["whole"] for _, t in th], "k:", label="theory one-shot (whole)")
                ax.plot([d for d, _ in th], [t["per_item"] for _, t in th], "k-.", alpha=0.5,
                        label="theory one-shot (per item)")
            ax.set_xscale("log", base=2)
            ax.set_yscale("log", base=2)
            ax.set_xlabel("dim")
            ax.set_ylabel("largest K exact in ≥ 99 % of trials")
            ax.set_title(f"{algebra}, {n} candidates")
            ax.legend(fontsize=7)
            ax.grid(alpha=0.3)
        fig.tight_layout()
        path = f"{path_prefix}_{algebra}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def table(results: dict) -> str:
    lines = ["| algebra | dim | N | structure | trials | decoded | one-shot | ratio | theory (whole / per item) | s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(results.values(), key=lambda r: (r["algebra"], r["dim"], r["n"], r["kind"])):
        ratio = r["decoded"] / r["one_shot"] if r["one_shot"] else float("inf")
        # a K of N uses every candidate: the capacity is at least that (the search cannot go further)
        dec = f"≥ {r['decoded']}" if r["decoded"] >= r["n"] else str(r["decoded"])
        lines.append(f"| {r['algebra']} | {r['dim']} | {r['n']} | {r['kind']} | {r['trials']} | {dec} | "
                     f"{r['one_shot']} | {ratio:.1f}× | {r['theory']['whole']} / {r['theory']['per_item']} | "
                     f"{r['seconds']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--algebras", nargs="+", default=["fhrr", "map", "bsc"])
    p.add_argument("--dims", type=int, nargs="+", default=[256, 1024, 4096])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--structures", nargs="+", default=["flat", "records", "flows"])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--trials-4096", type=int, default=25,
                   help="trials per K at dim 4096 and above or 100 000 candidates and above (cost)")
    p.add_argument("--no-speed", action="store_true")
    p.add_argument("--speed-trials", type=int, default=1000, help="formulas per speed measurement")
    p.add_argument("--speed-only", action="store_true")
    p.add_argument("--quick", action="store_true", help="fhrr, dim 256, 1000 candidates, 25 trials")
    p.add_argument("--summarise", action="store_true", help="only redraw the plots and table from the stored results")
    args = p.parse_args()
    if args.quick:
        args.algebras, args.dims, args.sizes, args.trials = ["fhrr"], [256], [1000], 25
    os.makedirs(RESULTS, exist_ok=True)
    from threadpoolctl import threadpool_limits

    store = os.path.join(RESULTS, "decode_capacity.json")
    results = json.load(open(store)) if os.path.exists(store) else {}
    if args.summarise:
        plot(results, os.path.join(RESULTS, "decode_capacity"))
        print(table(results))
        return
    if not args.speed_only:
        for algebra in args.algebras:
            for dim in args.dims:
                space = Space(dim, algebra, seed=1)
                for n in args.sizes:
                    cleanup = Cleanup(space, [f"c{i}" for i in range(n)])
                    th = theory(algebra, dim, n)
                    for kind in args.structures:
                        trials = args.trials if dim < 4096 and n < 100_000 else min(args.trials, args.trials_4096)
                        t = time.perf_counter()
                        with threadpool_limits(1, "blas"):
                            one = capacity(one_shot_ok, space, cleanup, kind, n, trials, max(2, th["whole"] // 2),
                                           min(4 * dim, n), seed=1)
                        dec = capacity(decoded_ok, space, cleanup, kind, n, trials, max(2, one), min(4 * dim, n),
                                       seed=2)
                        r = {"algebra": algebra, "dim": dim, "n": n, "kind": kind, "trials": trials, "decoded": dec,
                             "one_shot": one, "theory": th, "seconds": time.perf_counter() - t}
                        results[f"{algebra}/{dim}/{n}/{kind}"] = r
                        print(f"{algebra:5} dim {dim:5} N {n:6} {kind:8} decoded {dec:5}  one-shot {one:5}  "
                              f"theory {th['whole']}/{th['per_item']}  ({r['seconds']:.0f} s)", flush=True)
                        json.dump(results, open(store, "w"), indent=1)
        plot(results, os.path.join(RESULTS, "decode_capacity"))
        summary = table(results)
        open(os.path.join(RESULTS, "decode_capacity.md"), "w").write(summary + "\n")
        print(summary)
    if not args.no_speed:
        sp = speed(args.speed_trials)
        json.dump(sp, open(os.path.join(RESULTS, "decode_speed.json"), "w"), indent=1)
        for name, v in sp.items():
            print(f"{name:40} " + (f"{v['per_s']:8.0f} formulas/s  {v['per_cpu_s']:8.0f} per CPU-s  "
                                   f"exact {v['exact']:.3f}" if "per_s" in v
                                   else v.get("error", "")))


if __name__ == "__main__":
    main()

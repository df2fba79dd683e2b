"""Benchmark report for the Δ-memory.

    python benchmarks/report_memory.py                 # the full report (long: index builds)
    python benchmarks/report_memory.py --quick         # small sizes, a few minutes

Sections (each can be skipped with --skip NAME):
  ingest    formulas/s into a memory on disk (fhrr dim 256, 1M by default): the text
            path (add_many: parse, encode in the core, facts, store) and the bulk path
            (encode_many in the core + add_vectors). The index is a cache that ingest does
            not touch; it is then built over the text path's memory (timed, and compared
            with raw hnswlib on the first rows), saved, and the memory reopened: open time
            and first index query (the saved index is loaded, not rebuilt).
  navec     the memory's hnswlib index vs raw hnswlib on the navec Russian word vectors
            shipped inside the natasha wheel (250 000 x 300): recall@10 against exact
            search and queries/s, same M, ef_construction and ef.
  switch    exact vs hnswlib latency as the memory grows: where exact stops being faster
            (the default exact_threshold comes from here); p50/p99 latency at 10k and 100k
            (and 1M exact, from the ingest memory); reopen time with the index loaded.
Results go to stdout (markdown) and to --out (JSON).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
import json
import os
import random
import shutil
import sys
import tempfile
import time

import numpy as np

import deltaform as df

WORDS = ["вода", "боль", "весна", "жар", "тишина", "память", "свет", "тень", "ветер", "огонь", "лёд", "солнце"]
ROLES = ["образ", "эмоция", "действие", "поле", "объект"]


def formulas(n: int, seed: int = 0, vocab: int = 5000) -> tuple[list[str], list[list[str]]]:
    """n generated formulas (four atoms, a role, a flow) and the atoms of each."""
    rng = random.Random(seed)
    words = WORDS + [f"w{i}" for i in range(vocab)]
    lines, atoms = [], []
    for i in range(n):
        a, b, c, d = (rng.choice(words) for _ in range(4))
        lines.append(f"{a} + {b} * {c} → {rng.choice(ROLES)}: {d}")
        atoms.append(list(dict.fromkeys([a, b, c, d])))
    return lines, atoms


def percentiles(times: list[float]) -> dict[str, float]:
    ms = np.asarray(times) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99))}


def timed_queries(mem: df.Memory, Q: np.ndarray, exact: bool, ef: int = 64, k: int = 10) -> list[float]:
    out = []
    for q in Q:
        t = time.perf_counter()
        mem.search(q, k=k, exact=exact, ef=ef)
        out.append(time.perf_counter() - t)
    return out


# ------------------------------------------------------------------ ingest
def _ingest(mem: df.Memory, space: df.Space, rows: int, batch: int, seed: int, text: bool) -> dict:
    """Adds `rows` generated formulas in batches; the clock runs only while the memory works
    (and, on the bulk path, while the core encodes)."""
    t_encode = t_store = 0.0
    for i in range(0, rows, batch):
        lines, atoms = formulas(min(batch, rows - i), seed=seed + i)
        if text:
            t = time.perf_counter()
            mem.add_many(lines)
            t_store += time.perf_counter() - t
            continue
        t = time.perf_counter()
        V = space.encode_many(lines)
        t_encode += time.perf_counter() - t
        t = time.perf_counter()
        mem.add_vectors(V, lines, atoms=atoms, source="bench", label=str(i // batch))
        t_store += time.perf_counter() - t
    out = {"per_s": rows / (t_encode + t_store), "s": t_encode + t_store, "load": os.getloadavg()[0]}
    if not text:
        out["encode_per_s"], out["store_per_s"] = rows / t_encode, rows / t_store
    return out


def _index_build_against_raw(space: df.Space, X: np.ndarray, work: str, M: int, efc: int) -> dict:
    """The memory's index build against raw hnswlib's on the same rows, same M, ef_construction
    and threads, one after the other."""
    import hnswlib
    from deltaform.memory.index import to_index_space
    path = os.path.join(work, "build-compare")
    mem = df.Memory.create(path, space, M=M, ef_construction=efc)
    for i in range(0, len(X), 20_000):
        mem.add_vectors(X[i:i + 20_000], [f"x{j}" for j in range(i, min(i + 20_000, len(X)))])
    t = time.perf_counter()
    mem.build_index()
    t_mem = time.perf_counter() - t
    mem.close()
    shutil.rmtree(path)
    data = to_index_space(space.algebra, space.dim, X)
    index = hnswlib.Index(space="cosine", dim=data.shape[1])
    index.init_index(max_elements=len(data), M=M, ef_construction=efc, random_seed=100)
    t = time.perf_counter()
    index.add_items(data, np.arange(len(data)), num_threads=os.cpu_count() or 1)
    t_raw = time.perf_counter() - t
    return {"rows": len(X), "memory_s": t_mem, "raw_s": t_raw, "memory_per_s": len(X) / t_mem,
            "raw_per_s": len(X) / t_raw, "load": os.getloadavg()[0]}


def bench_ingest(work: str, rows: int, bulk_rows: int, batch: int, M: int, efc: int, compare_rows: int,
                 index: bool = True) -> dict:
    """Ingest into memories on disk, then the index over the text path's memory, its save, the
    reopen with the index loaded (not rebuilt), and search latency at that size."""
    space = df.Space(dim=256, algebra="fhrr", seed=0)
    out: dict = {"space": "fhrr dim 256", "rows": rows, "bulk_rows": bulk_rows, "batch": batch, "M": M,
                 "ef_construction": efc}

    # Text path: add_many parses, encodes in the core, takes the facts and stores.
    path = os.path.join(work, "text")
    mem = df.Memory.create(path, space, M=M, ef_construction=efc)
    out["text"] = _ingest(mem, space, rows, batch, seed=1, text=True)
    print(f"  ingest: text path {out['text']['per_s']:,.0f}/s", file=sys.stderr)
    out["bytes_on_disk"] = mem.stats()["bytes_on_disk"]

    if bulk_rows:
        bpath = os.path.join(work, "bulk")
        bmem = df.Memory.create(bpath, space, M=M, ef_construction=efc)
        out["bulk"] = _ingest(bmem, space, bulk_rows, batch, seed=1, text=False)
        print(f"  ingest: bulk path {out['bulk']['per_s']:,.0f}/s", file=sys.stderr)
        bmem.close()
        shutil.rmtree(bpath)

    X = mem.vectors()
    Q = np.array(X[:: max(rows // 20, 1)][:20])
    out["exact_at_rows"] = {"rows": rows, **percentiles(timed_queries(mem, Q, exact=True))}
    if compare_rows:
        out["index_build_compare"] = _index_build_against_raw(space, np.array(X[:compare_rows]), work, M, efc)
        print(f"  index build, {compare_rows:,} rows: memory {out['index_build_compare']['memory_per_s']:,.0f}/s, "
              f"raw hnswlib {out['index_build_compare']['raw_per_s']:,.0f}/s", file=sys.stderr)
    if index:
        t = time.perf_counter()
        mem.build_index()
        out["index_build_s"] = time.perf_counter() - t
        out["index_build_load"] = os.getloadavg()[0]
        t = time.perf_counter()
        mem.save_index()
        out["index_save_s"] = time.perf_counter() - t
        print(f"  index over {rows:,} rows: {out['index_build_s']:.0f} s", file=sys.stderr)
    mem.close()

    out.update(reopen_with_index(path, Q, index))
    return out


def reopen_with_index(path: str, Q: np.ndarray, index: bool = True) -> dict:
    """Open time of a saved memory, its first index query (which loads the saved index) and the
    index's latency and recall@10 against exact search on the queries Q (rows of the memory)."""
    out: dict = {}
    t = time.perf_counter()
    mem = df.Memory.open(path)
    out["reopen_s"] = time.perf_counter() - t
    if index:
        rows = len(mem)
        t = time.perf_counter()
        mem.recall(Q[0], k=10, exact=False)
        out["reopen_first_index_query_s"] = time.perf_counter() - t
        out["index_loaded_not_rebuilt"] = mem.stats()["index_rows"] == rows
        out["hnsw_at_rows"] = {"rows": rows, **percentiles(timed_queries(mem, Q, exact=False))}
        approx = [set(np.ravel(mem.search(q, k=10, exact=False)[0]).tolist()) for q in Q]
        exact = [set(np.ravel(mem.search(q, k=10, exact=True)[0]).tolist()) for q in Q]
        out["hnsw_recall_at_10"] = float(np.mean([len(a & e) / 10 for a, e in zip(approx, exact)]))
    mem.close()
    return out


# ------------------------------------------------------------------ navec
def load_navec() -> tuple[list[str], np.ndarray]:
    import natasha
    import navec
    path = os.path.join(os.path.dirname(natasha.__file__), "data", "emb", "navec_news_v1_1B_250K_300d_100q.tar")
    nv = navec.Navec.load(path)
    return list(nv.vocab.words), np.ascontiguousarray(nv.pq.unpack(), dtype=np.float32)


def bench_navec(work: str, n_rows: int, n_queries: int, M: int, efc: int, efs: list[int], rounds_n: int = 7) -> dict:
    import hnswlib
    words, X = load_navec()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    base, held = order[: min(n_rows, len(X) - n_queries)], order[len(X) - n_queries:]
    Xb, Q = X[base], X[held]
    keep = np.linalg.norm(Q, axis=1) > 0
    Q = np.ascontiguousarray(Q[keep])
    space = df.Space(dim=X.shape[1], algebra="map", seed=0)
    out: dict = {"rows": len(Xb), "queries": len(Q), "dim": X.shape[1], "M": M, "ef_construction": efc}

    path = os.path.join(work, "navec")
    raw_path = os.path.join(work, "navec_raw.hnsw")
    reuse = os.path.exists(os.path.join(path, "catalog.sqlite")) and os.path.exists(raw_path)
    if reuse:   # built by an earlier run with the same --workdir
        mem = df.Memory.open(path, exact_threshold=1000)
        mem.build_index()          # loads the saved index; adds nothing
        raw = hnswlib.Index(space="cosine", dim=X.shape[1])
        raw.load_index(raw_path)
        out["reused_indexes"] = True
    else:
        shutil.rmtree(path, ignore_errors=True)
        mem = df.Memory.create(path, space, M=M, ef_construction=efc, exact_threshold=1000)
        for i in range(0, len(Xb), 50_000):
            part = base[i:i + 50_000]
            mem.add_vectors(Xb[i:i + 50_000], ['"' + words[j].replace("\\", "\\\\").replace('"', '\\"') + '"'
                                               for j in part], atoms=[[words[j]] for j in part])
        t = time.perf_counter()
        mem.build_index()
        out["memory_build_s"] = time.perf_counter() - t
        mem.save_index()
        raw = hnswlib.Index(space="cosine", dim=X.shape[1])
        raw.init_index(max_elements=len(Xb), M=M, ef_construction=efc, random_seed=100)
        t = time.perf_counter()
        raw.add_items(Xb, np.arange(len(Xb)))
        out["raw_build_s"] = time.perf_counter() - t
        raw.save_index(raw_path)
    assert mem.stats()["index_rows"] == len(Xb)

    exact_rows, _ = mem.search(Q, k=10, exact=True)
    rec = lambda got: float(np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got, exact_rows)]))  # noqa: E731
    single = Q[:200]

    def mem_batch(ef):
        return mem.search(Q, k=10, exact=False, ef=ef)[0]

    def raw_batch(ef):
        raw.set_ef(ef)
        return raw.knn_query(Q, k=10)[0]

    own = mem._index._index   # the memory's own hnswlib object, called directly: the wrapper's cost alone
    single = [np.ascontiguousarray(q) for q in single]
    single_calls = {
        "raw": lambda q: raw.knn_query(q, k=10),
        "own": lambda q: own.knn_query(q, k=10),
        "search": lambda q: mem.search(q, k=10, exact=False, ef=ef),
        "recall": lambda q: mem.recall(q, k=10, exact=False, ef=ef),
    }

    def singles(ef: int) -> dict[str, np.ndarray]:
        """Seconds per query of each contender against raw hnswlib, in pairs interleaved query by query
        (which of the two goes first alternating), so that the load of a shared machine falls on both
        alike. Each pair is its own pass, so an index never answers a query it has just answered
        (that would find the graph in the CPU caches and favour whoever comes second)."""
        raw.set_ef(ef)
        own.set_ef(ef)
        clock = time.perf_counter
        times: dict[str, list[float]] = defaultdict(list)
        for name in ("own", "search", "recall"):
            pair = ("raw", name)
            for r in range(rounds_n):
                for i, q in enumerate(single):
                    for who in (pair if (i + r) % 2 == 0 else pair[::-1]):
                        call = single_calls[who]
                        t = clock()
                        call(q)
                        times[who if who != "raw" else f"raw/{name}"].append(clock() - t)
        return {n: np.asarray(v) for n, v in times.items() if v}

    def qps(fn, ef, n):
        t = time.perf_counter()
        fn(ef)
        return n / (time.perf_counter() - t)

    out["by_ef"] = []
    for ef in efs:
        # The machine is shared: alternate the two, several rounds, and compare medians.
        rounds = {"mb": [], "rb": []}
        for _ in range(rounds_n):
            rounds["mb"].append(qps(mem_batch, ef, len(Q)))
            rounds["rb"].append(qps(raw_batch, ef, len(Q)))
        med = {key: float(np.median(v)) for key, v in rounds.items()}
        t = singles(ef)
        paired = {n: float(np.median(t[f"raw/{n}"] / t[n])) for n in ("search", "recall", "own")}
        ratio = {n: float(t[f"raw/{n}"].sum() / t[n].sum()) for n in ("search", "recall", "own")}
        out["by_ef"].append({
            "ef": ef, "memory_recall@10": rec(mem_batch(ef)), "raw_recall@10": rec(raw_batch(ef)),
            "memory_qps_batch": med["mb"], "raw_qps_batch": med["rb"], "batch_ratio": med["mb"] / med["rb"],
            "raw_qps_single": len(t["raw/search"]) / t["raw/search"].sum(),
            "memory_qps_single": len(t["search"]) / t["search"].sum(),
            "single_ratio": ratio["search"], "single_ratio_paired_median": paired["search"],
            "recall_qps_single": len(t["recall"]) / t["recall"].sum(),
            "recall_ratio": ratio["recall"], "recall_ratio_paired_median": paired["recall"],
            "own_index_direct_qps_single": len(t["own"]) / t["own"].sum(),
            "own_ratio": ratio["own"], "own_ratio_paired_median": paired["own"],
            "wrapper_overhead_us": float((np.median(t["search"]) - np.median(t["own"])) * 1e6),
            "recall_overhead_us": float((np.median(t["recall"]) - np.median(t["own"])) * 1e6),
            "rounds": rounds_n, "load": os.getloadavg()[0],
        })
    mem.close()
    return out


# ------------------------------------------------------------------ exact vs index
def bench_switch(work: str, sizes: list[int], latency_at: list[int], queries: int, M: int, efc: int) -> dict:
    space = df.Space(dim=256, algebra="fhrr", seed=0)
    path = os.path.join(work, "switch")
    mem = df.Memory.create(path, space, M=M, ef_construction=efc, exact_threshold=1)
    out: dict = {"space": "fhrr dim 256", "M": M, "ef_construction": efc, "ef": 64, "k": 10, "points": []}
    have = 0
    for size in sizes:
        lines, atoms = formulas(size - have, seed=10_000 + have)
        V = space.encode_many(lines)
        for i in range(0, len(lines), 20_000):
            mem.add_vectors(V[i:i + 20_000], lines[i:i + 20_000], atoms=atoms[i:i + 20_000])
        have = size
        t = time.perf_counter()
        mem.build_index()
        build = time.perf_counter() - t
        Q = space.encode_many(formulas(queries, seed=7)[0])
        exact = timed_queries(mem, Q, exact=True)
        approx = timed_queries(mem, Q, exact=False)
        point = {"rows": size, "exact": percentiles(exact), "hnsw": percentiles(approx), "index_add_s": build,
                 "load": os.getloadavg()[0]}
        out["points"].append(point)
        print(f"  switch: {size} rows: exact p50 {point['exact']['p50_ms']:.2f} ms, "
              f"hnsw p50 {point['hnsw']['p50_ms']:.2f} ms", file=sys.stderr)
    faster = [p["rows"] for p in out["points"] if p["hnsw"]["p50_ms"] < p["exact"]["p50_ms"]]
    out["switch_rows"] = min(faster) if faster else None
    out["latency"] = [p for p in out["points"] if p["rows"] in latency_at]
    q = np.array(mem.vectors()[3])
    mem.close()
    t = time.perf_counter()
    mem = df.Memory.open(path)
    t_open = time.perf_counter() - t
    t = time.perf_counter()
    hit = mem.recall(q, k=10, exact=False)[0]
    out["reopen_with_index"] = {"rows": have, "open_s": t_open, "first_index_query_s": time.perf_counter() - t,
                                "index_loaded_not_rebuilt": mem.stats()["index_rows"] == have}
    assert hit.row == 3
    mem.close()
    return out


def markdown(r: dict) -> str:
    out = ["# Memory benchmark", "", f"machine: {os.cpu_count()} cores; {r['note']}", ""]
    if "ingest" in r:
        g = r["ingest"]
        t = g["text"]
        out += [f"## Ingest (fhrr dim 256, batches of {g['batch']:,}, into a memory on disk)", "",
                f"- text path (`add_many`: parse, encode, facts, store), {g['rows']:,} formulas: "
                f"**{t['per_s']:,.0f} formulas/s** ({t['s']:.1f} s, load {t['load']:.1f}); "
                f"{g['bytes_on_disk'] / 2**20:,.0f} MiB on disk"]
        if "bulk" in g:
            b = g["bulk"]
            out.append(f"- bulk path (`encode_many` + `add_vectors`), {g['bulk_rows']:,} formulas: "
                       f"**{b['per_s']:,.0f}/s** (encode {b['encode_per_s']:,.0f}/s, store {b['store_per_s']:,.0f}/s, "
                       f"load {b['load']:.1f})")
        if "index_build_compare" in g:
            c = g["index_build_compare"]
            out.append(f"- index build on the first {c['rows']:,} rows (M={g['M']}, ef_construction="
                       f"{g['ef_construction']}, all cores): memory {c['memory_per_s']:,.0f} rows/s, raw hnswlib "
                       f"{c['raw_per_s']:,.0f} rows/s ({c['memory_per_s'] / c['raw_per_s']:.2f}x)")
        if "index_build_s" in g:
            out.append(f"- index over all {g['rows']:,} rows: built in {g['index_build_s']:,.0f} s "
                       f"({g['rows'] / g['index_build_s']:,.0f} rows/s, load {g['index_build_load']:.1f}), "
                       f"saved in {g['index_save_s']:.1f} s")
        line = f"- reopen: {g['reopen_s'] * 1e3:.0f} ms"
        if "reopen_first_index_query_s" in g:
            line += (f"; first index query {g['reopen_first_index_query_s'] * 1e3:.0f} ms (the saved index is "
                     f"loaded, not rebuilt: {g['index_loaded_not_rebuilt']})")
        out.append(line)
        e = g["exact_at_rows"]
        line = f"- search at {e['rows']:,} rows: exact p50 {e['p50_ms']:.1f} ms, p99 {e['p99_ms']:.1f} ms"
        if "hnsw_at_rows" in g:
            line += (f"; hnswlib p50 {g['hnsw_at_rows']['p50_ms']:.2f} ms, p99 {g['hnsw_at_rows']['p99_ms']:.2f} ms, "
                     f"recall@10 against exact {g['hnsw_recall_at_10']:.3f}")
        out += [line, ""]
    if "navec" in r:
        n = r["navec"]
        out += [f"## navec ({n['rows']:,} x {n['dim']}, {n['queries']} held-out queries, M={n['M']}, "
                f"ef_construction={n['ef_construction']})", "",
                (f"build: memory {n['memory_build_s']:.0f} s, raw hnswlib {n['raw_build_s']:.0f} s"
                 if "memory_build_s" in n else "indexes reused from an earlier run") + "; batch qps: median of "
                f"{n['by_ef'][0]['rounds']} alternating rounds; single queries: {n['by_ef'][0]['rounds']} rounds "
                "interleaved query by query with raw hnswlib, one pass per contender (ratio of total times; in "
                "brackets the median of per-query ratios); 'own index' is the memory's hnswlib object called "
                "directly, which shows how much of a ratio is the two graphs differing", "",
                "| ef | recall@10 memory | recall@10 raw | qps batch memory / raw (ratio) | qps single: "
                "memory.search / raw (ratio) | memory.recall (ratio) | own index (ratio) | "
                "Python per query: search / recall | load |",
                "|---|---|---|---|---|---|---|---|---|"]
        for e in n["by_ef"]:
            out.append(f"| {e['ef']} | {e['memory_recall@10']:.3f} | {e['raw_recall@10']:.3f} | "
                       f"{e['memory_qps_batch']:,.0f} / {e['raw_qps_batch']:,.0f} ({e['batch_ratio']:.2f}) | "
                       f"{e['memory_qps_single']:,.0f} / {e['raw_qps_single']:,.0f} ({e['single_ratio']:.2f}; "
                       f"{e['single_ratio_paired_median']:.2f}) | {e['recall_qps_single']:,.0f} "
                       f"({e['recall_ratio']:.2f}; {e['recall_ratio_paired_median']:.2f}) | "
                       f"{e['own_index_direct_qps_single']:,.0f} ({e['own_ratio']:.2f}; "
                       f"{e['own_ratio_paired_median']:.2f}) | "
                       f"{e['wrapper_overhead_us']:.0f} / {e['recall_overhead_us']:.0f} µs | {e['load']:.1f} |")
        out.append("")
    if "switch" in r:
        s = r["switch"]
        out += [f"## Exact vs hnswlib (fhrr dim 256, k=10, ef=64, M={s['M']}, ef_construction={s['ef_construction']})",
                "", "| rows | exact p50 / p99 ms | hnswlib p50 / p99 ms | index additions since the previous size, s | load |",
                "|---|---|---|---|---|"]
        for p in s["points"]:
            out.append(f"| {p['rows']:,} | {p['exact']['p50_ms']:.2f} / {p['exact']['p99_ms']:.2f} | "
                       f"{p['hnsw']['p50_ms']:.2f} / {p['hnsw']['p99_ms']:.2f} | {p['index_add_s']:.0f} | "
                       f"{p.get('load', float('nan')):.1f} |")
        ro = s["reopen_with_index"]
        out += ["", f"switch point: hnswlib is faster from **{s['switch_rows']} rows**", "",
                f"reopen with index ({ro['rows']:,} rows): open {ro['open_s'] * 1e3:.0f} ms, first index query "
                f"{ro['first_index_query_s'] * 1e3:.0f} ms (index loaded, not rebuilt: {ro['index_loaded_not_rebuilt']})", ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (minutes, not an hour)")
    ap.add_argument("--rows", type=int, default=1_000_000, help="formulas for the ingest section (text path)")
    ap.add_argument("--bulk-rows", type=int, default=None, help="formulas through the bulk path (default: --rows)")
    ap.add_argument("--compare-rows", type=int, default=100_000,
                    help="rows on which the memory's index build is compared with raw hnswlib's (0: skip)")
    ap.add_argument("--no-index", action="store_true", help="ingest only: no index build, save and reopen with it")
    ap.add_argument("--navec-rows", type=int, default=250_000)
    ap.add_argument("--sizes", default="1000,2000,5000,10000,20000,50000,100000")
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=100)
    ap.add_argument("--queries", type=int, default=50, help="queries per latency point of the switch section")
    ap.add_argument("--skip", action="append", default=[], choices=["ingest", "navec", "switch"])
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "memory.json"))
    a = ap.parse_args()
    if a.quick:
        a.rows, a.compare_rows, a.navec_rows, a.sizes = 100_000, 20_000, 30_000, "1000,2000,5000,10000,20000"
    sizes = [int(x) for x in a.sizes.split(",")]
    work = a.workdir or tempfile.mkdtemp(prefix="dfmem-bench-")
    os.makedirs(work, exist_ok=True)
    report: dict = {"note": f"load average at start {os.getloadavg()[0]:.1f}", "simd": df.simd_path()}
    try:
        if "ingest" not in a.skip:
            report["ingest"] = bench_ingest(work, a.rows, a.rows if a.bulk_rows is None else a.bulk_rows,
                                            batch=10_000, M=a.M, efc=a.ef_construction,
                                            compare_rows=min(a.compare_rows, a.rows), index=not a.no_index)
            print(json.dumps(report["ingest"]), file=sys.stderr)
        if "switch" not in a.skip:
            report["switch"] = bench_switch(work, sizes, [10_000, 100_000, 1_000_000], queries=a.queries, M=a.M,
                                            efc=a.ef_construction)
        if "navec" not in a.skip:
            report["navec"] = bench_navec(work, a.navec_rows, 1000, M=a.M, efc=a.ef_construction, efs=[32, 64, 128])
    finally:
        if a.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
    text = markdown(report)
    with open(os.path.splitext(a.out)[0] + ".md", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

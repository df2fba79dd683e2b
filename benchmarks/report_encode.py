"""Encoding speed: text → vectors end to end, against numpy and torchhd, on the same data.

    python benchmarks/report_encode.py            # the full report (a few minutes on 2 cores)
    python benchmarks/report_encode.py --quick    # a smaller run, for a look

The workload is what the text side produces: formulas of 5 role–filler layers
(`образ: X + эмоция: Y + …`, 5 distinct roles out of 8, fillers from a
10 000-word vocabulary). For each space it times

* deltaform from raw text: ``Space.encode_many(lines, threads=2)`` — parse,
  resolve, encode, scale to the stored norm;
* deltaform from pre-parsed ids: ``Space.encode_records(roles, fillers, threads=2)``;
* numpy, vector part only: handed the same atom ids and the codebook as a
  matrix, it gathers, binds, sums and scales in row blocks (the block size
  tuned per space), on 1 thread and on 2 (blocks split over a thread pool;
  numpy releases the GIL inside its loops); the faster of the two is the
  baseline;
* torchhd ``functional.hash_table`` on the same ids (torch on 2 threads), plus
  the same scaling (on the first 4 000 rows; its time is scaled to all rows).

Each of deltaform and numpy runs twice: into a fresh array per call (the
system zeroes its new pages on first touch, which costs a memory-bound encoder
a large share of its time) and into one reused buffer (``out=``, numpy's own
convention; the numpy reference writes into the same kind of buffer). Ratios
are given for both, like for like.

Every figure is the median of several rounds after a warm-up (the codebook
is generated before timing: all implementations start from cached atoms); in
each round every contender runs once, in a rotating order, so that a busy
neighbour on the shared machine slows all of them alike. The spread (min–max)
is printed, and CPU time per row as well: it is not inflated when other work
shares the cores. Memory bandwidth is measured with a
large copy (1 and 2 threads, the better taken); the fraction reached counts
the bytes an encoder must move: the output written plus the 5 filler vectors
read per row (role vectors stay in cache).
"""

from __future__ import annotations

import os

# Idle OpenMP threads (torch's) spin for a while after each parallel region, and so do
# OpenBLAS's, which no contender here uses (the numpy reference is element-wise, einsum
# included); on two cores that steals the CPU from whichever contender runs next in the
# interleaved rounds. Passive waiting and one BLAS thread put them to sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from importlib.resources import files  # noqa: E402

import numpy as np  # noqa: E402

import deltaform as df  # noqa: E402
from deltaform import _core  # noqa: E402

ROLES = ["образ", "эмоция", "действие", "объект", "поле", "место", "время", "звук"]
LAYERS = 5
VOCAB = 10_000
THREADS = 2


# ------------------------------------------------------------------ data
def make_vocabulary(n: int, seed: int = 0) -> list[str]:
    """n distinct Cyrillic pseudo-words of 2–4 syllables."""
    rng = np.random.default_rng(seed)
    cons, vows = "бвгдзклмнпрстфхчшж", "аеиоуыэюя"
    words: set[str] = set()
    out = []
    while len(out) < n:
        k = int(rng.integers(2, 5))
        w = "".join(cons[rng.integers(len(cons))] + vows[rng.integers(len(vows))] for _ in range(k))
        if w not in words and w not in ROLES:
            words.add(w)
            out.append(w)
    return out


def make_workload(rows: int, vocab: list[str], seed: int = 1):
    """(lines, role index table, filler index table) for `rows` formulas."""
    rng = np.random.default_rng(seed)
    role_idx = np.argsort(rng.random((rows, len(ROLES))), axis=1)[:, :LAYERS]
    filler_idx = rng.integers(0, len(vocab), size=(rows, LAYERS))
    lines = [" + ".join(f"{ROLES[r]}: {vocab[f]}" for r, f in zip(rr, ff))
             for rr, ff in zip(role_idx.tolist(), filler_idx.tolist())]
    return lines, role_idx, filler_idx


# ------------------------------------------------------------------ timing
class Timing(tuple):
    """(median, min, max) wall seconds; .cpu is the median CPU seconds of the process (all threads)."""
    cpu: float


def timed(fn, repeat: int) -> Timing:
    """Wall and CPU time of `repeat` calls after one warm-up."""
    fn()
    times, cpus = [], []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    t = Timing((statistics.median(times), min(times), max(times)))
    t.cpu = statistics.median(cpus)
    return t


def interleaved(contenders: dict, rounds: int, scale: dict | None = None) -> dict:
    """Timing of each contender over `rounds` rounds; in each round every contender
    runs once, in an order that rotates, so a busy neighbour slows all of them alike.
    `scale` multiplies a contender's times (one that runs on a part of the data)."""
    scale = scale or {}
    for fn in contenders.values():
        fn()  # warm-up
    names = list(contenders)
    wall: dict = {k: [] for k in names}
    cpu: dict = {k: [] for k in names}
    for r in range(rounds):
        k0 = r % len(names)
        for name in names[k0:] + names[:k0]:
            c0 = time.process_time()
            t0 = time.perf_counter()
            contenders[name]()
            f = scale.get(name, 1.0)
            wall[name].append((time.perf_counter() - t0) * f)
            cpu[name].append((time.process_time() - c0) * f)
    out = {}
    for name in names:
        t = Timing((statistics.median(wall[name]), min(wall[name]), max(wall[name])))
        t.cpu = statistics.median(cpu[name])
        out[name] = t
    return out


def memory_bandwidth(mb: int = 512) -> float:
    """Bytes read + written per second by a large copy (the better of 1 and 2 threads)."""
    n = mb * (1 << 20) // 8
    src = np.ones(n, np.float64)
    dst = np.empty_like(src)
    dst[:] = 0.0

    def copy1():
        np.copyto(dst, src)

    half = n // 2

    def copy2():
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: np.copyto(dst[s:s + half], src[s:s + half]), (0, half)))

    best = min(timed(copy1, 5)[0], timed(copy2, 5)[0])
    return 2 * src.nbytes / best


# ------------------------------------------------------------------ numpy reference (vector part only)
class NumpyEncoder:
    """Role–filler records → stored-scale vectors with numpy, in row blocks."""

    def __init__(self, space: df.Space, codebook: np.ndarray, block: int, threads: int = 1) -> None:
        self.space, self.block, self.threads = space, block, threads
        self.dim = space.dim
        if space.algebra == "fhrr":
            self.cb = (codebook[:, : self.dim] + 1j * codebook[:, self.dim:]).astype(np.complex64)
        elif space.algebra == "map":
            self.cb = codebook
        else:
            self.cb = np.ascontiguousarray(codebook).view(np.uint64)  # (V, dim/64) words

    def encode(self, roles: np.ndarray, fillers: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        n = len(roles)
        if out is None:
            out = np.empty((n, self.space.width), self.space.dtype)
        starts = range(0, n, self.block)
        if self.threads == 1:
            for s in starts:
                self._block(roles[s:s + self.block], fillers[s:s + self.block], out[s:s + self.block])
        else:
            with ThreadPoolExecutor(self.threads) as pool:
                parts = np.array_split(np.arange(len(starts)), self.threads)

                def run(part):
                    for b in part:
                        s = starts[b]
                        self._block(roles[s:s + self.block], fillers[s:s + self.block], out[s:s + self.block])

                list(pool.map(run, parts))
        return out

    def _block(self, roles, fillers, out) -> None:
        if self.space.algebra == "bsc":
            self._block_bsc(roles, fillers, out)
            return
        b = len(roles)
        cb = self.cb
        acc = np.take(cb, roles[:, 0], axis=0)
        acc *= np.take(cb, fillers[:, 0], axis=0)
        t1 = np.empty_like(acc)
        t2 = np.empty_like(acc)
        for j in range(1, roles.shape[1]):
            np.take(cb, roles[:, j], axis=0, out=t1)
            np.take(cb, fillers[:, j], axis=0, out=t2)
            np.multiply(t1, t2, out=t1)
            acc += t1
        flat = acc.view(np.float32).reshape(b, -1)
        n2 = np.einsum("ij,ij->i", flat, flat, dtype=np.float64)
        scale = np.sqrt(self.dim / np.where(n2 > 0, n2, 1.0)).astype(np.float32)[:, None]
        if self.space.algebra == "fhrr":
            np.multiply(acc.real, scale, out=out[:, : self.dim])
            np.multiply(acc.imag, scale, out=out[:, self.dim:])
        else:
            np.multiply(acc, scale, out=out)

    def _block_bsc(self, roles, fillers, out) -> None:
        # Bit-sliced majority: a ripple-carry counter per bit position over the
        # XOR-bound pairs, then "more ones than zeros" (5 terms: never a tie).
        cb = self.cb
        k = roles.shape[1]
        planes: list[np.ndarray] = []
        for j in range(k):
            x = np.take(cb, roles[:, j], axis=0)
            np.bitwise_xor(x, np.take(cb, fillers[:, j], axis=0), out=x)
            carry = x
            for p in range(len(planes)):
                nxt = planes[p] & carry
                planes[p] ^= carry
                carry = nxt
            planes.append(carry)
        # count >= 3 for k = 5 (planes: 1, 2, 4, …)
        need = k // 2 + 1
        ge = _at_least(planes, need)
        out[:] = ge.view(np.uint8).reshape(len(roles), -1)


def _at_least(planes: list[np.ndarray], value: int) -> np.ndarray:
    """Bit-sliced comparison count >= value for a counter given as bit planes (LSB first)."""
    gt = np.zeros_like(planes[0])
    eq = ~gt
    for p in reversed(range(len(planes))):
        bit = planes[p]
        if (value >> p) & 1:
            eq = eq & bit
        else:
            gt = gt | (eq & bit)
            eq = eq & ~bit
    return gt | eq


def tune_numpy(space, codebook, roles, fillers, threads: int) -> NumpyEncoder:
    best, best_t = None, float("inf")
    sample = min(len(roles), 4096)
    for block in (16, 64, 256, 1024):
        enc = NumpyEncoder(space, codebook, block, threads)
        t = timed(lambda: enc.encode(roles[:sample], fillers[:sample]), 2)[0]
        if t < best_t:
            best, best_t = enc, t
    return best


# ------------------------------------------------------------------ torchhd
def torchhd_encoder(space, codebook):
    import torch
    import torchhd

    torch.set_num_threads(THREADS)
    dim = space.dim
    if space.algebra == "fhrr":
        cb = torch.from_numpy((codebook[:, :dim] + 1j * codebook[:, dim:]).astype(np.complex64))
        cb = torchhd.ensure_vsa_tensor(cb, "FHRR")
    else:
        bits = np.unpackbits(codebook, axis=1, bitorder="little").astype(bool)
        cb = torchhd.ensure_vsa_tensor(torch.from_numpy(bits), "BSC")

    def encode(roles: np.ndarray, fillers: np.ndarray, block: int = 1024):
        outs = []
        with torch.no_grad():
            for s in range(0, len(roles), block):
                r = torch.from_numpy(roles[s:s + block].astype(np.int64))
                f = torch.from_numpy(fillers[s:s + block].astype(np.int64))
                h = torchhd.functional.hash_table(cb[r], cb[f])
                if space.algebra == "fhrr":
                    n2 = (h.real.double() ** 2 + h.imag.double() ** 2).sum(-1, keepdim=True)
                    h = h * torch.sqrt(dim / n2).to(torch.float32)
                outs.append(h)
        return outs

    return encode, torch.__version__, torchhd.__version__


# ------------------------------------------------------------------ parse alone
def parse_rate(target_lines: int, repeat: int) -> tuple[float, int]:
    text = (files("deltaform") / "data" / "outline.df").read_text(encoding="utf-8")
    base = text.rstrip("\n").split("\n")
    copies = max(1, target_lines // len(base))
    data = ("\n".join(base * copies) + "\n").encode("utf-8")
    with tempfile.NamedTemporaryFile("wb", suffix=".df", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        def run():
            with open(path, "rb") as fh:
                _core.formula_parse_text(fh.read(), path, False, False)
        t = timed(run, repeat)[0]
    finally:
        os.unlink(path)
    return len(base) * copies / t, len(base) * copies


# ------------------------------------------------------------------ one space
def run_space(algebra: str, dim: int, rows: int, vocab: list[str], repeat: int, with_torch: bool,
              bandwidth: float) -> dict:
    space = df.Space(dim, algebra)
    lines, role_idx, filler_idx = make_workload(rows, vocab)
    names = ROLES + vocab
    ids = space.atom_ids(names)
    role_ids = ids[role_idx].astype(np.uint32)
    filler_ids = ids[len(ROLES) + filler_idx].astype(np.uint32)
    codebook = space.atoms(names)  # row i = atom i of `names`
    role_rows = role_idx.astype(np.intp)
    filler_rows = (len(ROLES) + filler_idx).astype(np.intp)

    res = {"space": f"{algebra} {dim}", "rows": rows}
    # The numpy reference computes the same vectors (to rounding).
    got = space.encode_records(role_ids, filler_ids, threads=THREADS)[:256]
    want = NumpyEncoder(space, codebook, 64).encode(role_rows[:256], filler_rows[:256])
    if algebra == "bsc":
        assert np.array_equal(got, want), "numpy bsc reference disagrees"
    else:
        assert np.allclose(got, want, atol=1e-4), "numpy reference disagrees"
    np1 = tune_numpy(space, codebook, role_rows, filler_rows, 1)
    np2 = tune_numpy(space, codebook, role_rows, filler_rows, THREADS)
    res["numpy_1t_block"], res["numpy_2t_block"] = np1.block, np2.block
    # Each contender reuses a buffer of its own, its pages touched before timing (as a caller
    # that encodes batch after batch would): sharing one would leave each contender the cache
    # state of the one before it.
    buf = {k: np.ones((rows, space.width), space.dtype) for k in ("text", "records", "np1", "np2")}
    contenders = {
        "text": lambda: space.encode_many(lines, threads=THREADS),
        "text_1t": lambda: space.encode_many(lines, threads=1),
        "records": lambda: space.encode_records(role_ids, filler_ids, threads=THREADS),
        "numpy_1t": lambda: np1.encode(role_rows, filler_rows),
        "numpy_2t": lambda: np2.encode(role_rows, filler_rows),
        "text_out": lambda: space.encode_many(lines, threads=THREADS, out=buf["text"]),
        "records_out": lambda: space.encode_records(role_ids, filler_ids, threads=THREADS, out=buf["records"]),
        "numpy_1t_out": lambda: np1.encode(role_rows, filler_rows, out=buf["np1"]),
        "numpy_2t_out": lambda: np2.encode(role_rows, filler_rows, out=buf["np2"]),
    }
    scale = {}
    if with_torch and algebra in ("fhrr", "bsc"):
        # torchhd is slow: it runs on the first rows only, its time scaled to all rows.
        encode_t, *_ = torchhd_encoder(space, codebook)
        sub = min(rows, 4000)
        contenders["torchhd"] = lambda: encode_t(role_rows[:sub], filler_rows[:sub])
        scale["torchhd"] = rows / sub
    res.update(interleaved(contenders, repeat, scale))
    res["numpy"] = min(res["numpy_1t"], res["numpy_2t"], key=lambda t: t[0])
    res["numpy_out"] = min(res["numpy_1t_out"], res["numpy_2t_out"], key=lambda t: t[0])
    out_bytes = rows * (space.width * space.dtype.itemsize)
    moved = out_bytes * (1 + LAYERS)  # output written + 5 filler vectors read
    for name in ("text", "records", "text_out", "records_out"):
        res["bw_" + name] = moved / res[name][0] / bandwidth
    return res


def fmt_rate(rows: int, t: tuple[float, float, float]) -> str:
    return f"{rows / t[0] / 1e3:,.0f}k ({rows / t[2] / 1e3:,.0f}–{rows / t[1] / 1e3:,.0f}k)"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rows and repeats")
    ap.add_argument("--no-torch", action="store_true", help="skip torchhd")
    ap.add_argument("--spaces", default="fhrr:256,fhrr:1024,fhrr:4096,bsc:1024,bsc:4096")
    args = ap.parse_args(argv)
    repeat = 3 if args.quick else 7
    base_rows = 4000 if args.quick else 20000  # rows at dim 1024; scaled to keep bytes constant
    with_torch = not args.no_torch
    try:
        import torchhd  # noqa: F401
    except ImportError:
        with_torch = False
        print("torchhd is not installed: its column is left out", file=sys.stderr)

    load = os.getloadavg()
    vocab = make_vocabulary(VOCAB)
    bandwidth = memory_bandwidth(256 if args.quick else 512)
    results = []
    for spec in args.spaces.split(","):
        algebra, dim = spec.split(":")
        dim = int(dim)
        rows = max(1000, base_rows * 1024 // dim) if algebra != "bsc" else base_rows * 4
        results.append(run_space(algebra, dim, rows, vocab, repeat, with_torch, bandwidth))
        print(f"done {spec}", file=sys.stderr)
    prate, plines = parse_rate(50_000 if args.quick else 400_000, repeat)

    print(f"deltaform {df.__version__}, SIMD {df.simd_path()}, {os.cpu_count()} cores, "
          f"threads={THREADS}; memory bandwidth (copy) {bandwidth / 1e9:.1f} GB/s; "
          f"load average at start {load[0]:.1f}, at end {os.getloadavg()[0]:.1f} (above {os.cpu_count()}: "
          "other work shared the cores, so wall-clock figures are pessimistic)")
    print(f"workload: {LAYERS} role–filler layers per formula, {len(ROLES)} roles, {VOCAB} fillers; "
          "rows/s as median (min–max) of repeats\n")
    print("Into a fresh array per call:\n")
    head = ("| space | rows | deltaform text (rows/s) | deltaform ids | numpy vector-only (best of 1/2 threads) "
            "| torchhd hash_table | text ÷ numpy | ids ÷ numpy | text ÷ torchhd | ids ÷ torchhd "
            "| bandwidth used text / ids |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in results:
        n = r["rows"]
        tt = r.get("torchhd")
        np_note = f"{fmt_rate(n, r['numpy'])} [1t {n / r['numpy_1t'][0] / 1e3:,.0f}k, 2t {n / r['numpy_2t'][0] / 1e3:,.0f}k]"
        cells = [
            r["space"], f"{n:,}", fmt_rate(n, r["text"]), fmt_rate(n, r["records"]), np_note,
            fmt_rate(n, tt) if tt else "–",
            f"{r['numpy'][0] / r['text'][0]:.1f}×", f"{r['numpy'][0] / r['records'][0]:.1f}×",
            f"{tt[0] / r['text'][0]:.1f}×" if tt else "–", f"{tt[0] / r['records'][0]:.1f}×" if tt else "–",
            f"{100 * r['bw_text']:.0f}% / {100 * r['bw_records']:.0f}%",
        ]
        print("| " + " | ".join(cells) + " |")
    print("\nInto a reused buffer (out=), deltaform and numpy alike (torchhd's hash_table has no out=; its "
          "time is the one above):\n")
    head = ("| space | rows | deltaform text (rows/s) | deltaform ids | numpy vector-only (best of 1/2 threads) "
            "| text ÷ numpy | ids ÷ numpy | text ÷ torchhd | ids ÷ torchhd | bandwidth used text / ids |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in results:
        n = r["rows"]
        tt = r.get("torchhd")  # torchhd has no out= for hash_table: it allocates as it does above
        cells = [
            r["space"], f"{n:,}", fmt_rate(n, r["text_out"]), fmt_rate(n, r["records_out"]),
            f"{fmt_rate(n, r['numpy_out'])} [1t {n / r['numpy_1t_out'][0] / 1e3:,.0f}k, "
            f"2t {n / r['numpy_2t_out'][0] / 1e3:,.0f}k]",
            f"{r['numpy_out'][0] / r['text_out'][0]:.1f}×", f"{r['numpy_out'][0] / r['records_out'][0]:.1f}×",
            f"{tt[0] / r['text_out'][0]:.1f}×" if tt else "–", f"{tt[0] / r['records_out'][0]:.1f}×" if tt else "–",
            f"{100 * r['bw_text_out']:.0f}% / {100 * r['bw_records_out']:.0f}%",
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print("| space | deltaform text, 1 thread (rows/s) | 2 threads ÷ 1 thread |")
    print("|---|---|---|")
    for r in results:
        print(f"| {r['space']} | {fmt_rate(r['rows'], r['text_1t'])} | {r['text_1t'][0] / r['text'][0]:.2f}× |")
    print()
    print("CPU time per row (µs, all threads of the process; not inflated when other work shares the cores):\n")
    print("| space | deltaform text | deltaform text 1 thread | deltaform ids | numpy (best) | torchhd "
          "| numpy ÷ text | numpy ÷ ids |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        n = r["rows"]
        us = lambda t: f"{t.cpu / n * 1e6:.1f}" if t else "–"  # noqa: E731
        print(f"| {r['space']} | {us(r['text'])} | {us(r['text_1t'])} | {us(r['records'])} | {us(r['numpy'])} "
              f"| {us(r.get('torchhd'))} | {r['numpy'].cpu / r['text'].cpu:.1f}× | {r['numpy'].cpu / r['records'].cpu:.1f}× |")
    print(f"\nparse alone (built-in outline corpus repeated to {plines:,} lines, one thread): "
          f"{prate / 1e6:.2f} M lines/s")


if __name__ == "__main__":
    main()

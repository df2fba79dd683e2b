"""Batches: encode_many, encode_file and encode_records — same bits on every
thread count and SIMD path, every bad item reported with its position, good
items kept."""

from __future__ import annotations

import random
import time
import warnings

import numpy as np
import pytest

import deltaform as df
from deltaform import _core
from deltaform.encoding import EncodeErrors, EncodeWarning
from encode_helpers import ALGEBRA_SPACES, assert_matches_reference, assert_same_bits


def role_filler_lines(n: int, seed: int = 0, vocab: int = 500) -> list[str]:
    """Formulas like the text side makes: a few layers, weights, now and then a flow or a bind."""
    rng = random.Random(seed)
    roles = ["образ", "эмоция", "действие", "объект", "поле", "место"]
    out = []
    for i in range(n):
        k = rng.randint(1, 5)
        terms = []
        for r in rng.sample(roles, k):
            filler = f"w{rng.randrange(vocab)}"
            w = rng.choice(["", "", "0.5*", "0.8*", "0.25*"])
            terms.append(f"{w}{r}: {filler}")
        text = " + ".join(terms)
        shape = rng.random()
        if shape < 0.1:
            text = f"({text}) → w{rng.randrange(vocab)}"
        elif shape < 0.2:
            text = f"w{rng.randrange(vocab)} * w{rng.randrange(vocab)} + {text}"
        out.append(text)
    return out


# ------------------------------------------------------------------ same bits everywhere
@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES + [("fhrr", 100), ("map", 13)])
def test_threads_and_simd_paths_give_the_same_bits(algebra, dim):
    space = df.Space(dim, algebra)
    lines = role_filler_lines(1500, seed=dim) + ["Δ1 = a + b", "Δ1 → c", "ΔF(x) = r: x", "ΔF(Δ1) + d"]
    before = df.simd_path()
    try:
        want = None
        for path in df.supported_simd_paths():
            df.set_simd_path(path)
            for threads in (1, 2, 3):
                got = space.encode_many(lines, threads=threads)
                if want is None:
                    want = got
                else:
                    assert_same_bits(got, want, f"{path} threads={threads}")
    finally:
        df.set_simd_path(before)
    assert len(df.supported_simd_paths()) >= 1


def test_a_warm_space_gives_the_bits_of_a_fresh_one():
    # The Space keeps atom text -> vector caches between calls: a batch on a
    # space that has seen other spellings of the same atoms must not differ
    # from the same batch on a fresh space.
    lines = role_filler_lines(600, seed=11)
    warm = df.Space(256, "fhrr", seed=2)
    spellings = ["Вода + ОБРАЗ: W1", "воДа + образ: w1", "Cafe\u0301 + x", "\"W7\" + w7"]
    for threads in (1, 2):
        warm.encode_many(spellings * 50, threads=threads)
        warm.encode_many(lines[::-1], threads=threads)
    fresh = df.Space(256, "fhrr", seed=2)
    assert_same_bits(warm.encode_many(lines, threads=2), fresh.encode_many(lines, threads=1), "warm vs fresh")
    # Spellings that normalise alike name one atom, whichever was cached first.
    got = warm.encode_many(spellings + ["вода + образ: w1", "caf\u00e9 + X", "w7 + w7"], threads=1)
    assert_same_bits(got[:4], got[[4, 4, 5, 6]], "spellings")


def test_concurrent_batches_on_one_space_agree():
    space = df.Space(128, "map", seed=4)
    parts = [role_filler_lines(400, seed=s, vocab=3000) for s in range(4)]
    want = [df.Space(128, "map", seed=4).encode_many(p, threads=1) for p in parts]
    results: dict[int, np.ndarray] = {}

    def run(i):
        results[i] = space.encode_many(parts[i], threads=2)

    import threading

    workers = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for i in range(4):
        assert_same_bits(results[i], want[i], f"part {i}")


@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_a_batch_equals_the_reference(algebra, dim):
    assert_matches_reference(df.Space(dim, algebra, seed=5), role_filler_lines(150, seed=3), threads=2)


def test_encode_equals_encode_many_row():
    space = df.Space(64)
    lines = role_filler_lines(20)
    rows = space.encode_many(lines)
    for line, row in zip(lines, rows):
        assert_same_bits(space.encode(line), row, line)


def test_syntax_trees_take_the_same_path():
    space = df.Space(64, "map")
    lines = role_filler_lines(30, seed=9)
    trees = [df.parse_expr(x) for x in lines]
    assert_same_bits(space.encode_many(trees), space.encode_many(lines))
    assert_same_bits(space.encode(trees[0]), space.encode(lines[0]))


# ------------------------------------------------------------------ errors of a batch
def test_errors_raise_lists_every_bad_item_with_its_position():
    lines = ["a + b", "a + + b", "Δ404 + c", "schema s(x, y)", "s(a)", "nope(a, b)", "c * d",
             "ΔF(x, y) = x * y", "ΔF(a)", "ΔF + a", "", "Δ1 = Δ2 + a", "Δ2 = b + Δ1", "r: Δ1"]
    with pytest.raises(EncodeErrors) as info:
        df.Space(64).encode_many(lines)
    errors = info.value.errors
    by_line = {e.line: e for e in errors}
    assert sorted(by_line) == [2, 3, 5, 6, 9, 10, 11, 12, 13, 14]
    expect = {
        2: (5, "expected a formula after '+'"),
        3: (1, "unknown reference Δ404"),
        5: (1, "schema s has 2 role(s), but 1 argument(s) were given"),
        6: (1, "unknown schema 'nope'"),
        9: (1, "ΔF takes 2 argument(s), but 1 were given"),
        10: (1, "ΔF is a parametric formula of 2 parameter(s)"),
        11: (1, "empty line"),
        12: (6, "cyclic reference: Δ2 → Δ1 → Δ2"),
        13: (10, "cyclic reference: Δ1 → Δ2 → Δ1"),
        14: (4, "cyclic reference"),
    }
    for line, (column, text) in expect.items():
        e = by_line[line]
        assert e.column == column, (line, str(e))
        assert text in str(e), (line, str(e))
        assert e.source_line == lines[line - 1]
        assert f"<string>:{line}:{column}: error:" in str(e)
    assert f"{len(errors)} of {len(lines)} formulas could not be encoded" in str(info.value)


def test_errors_through_a_definition_point_at_the_reference():
    lines = ["Δ1 = Δ9 + b", "x + Δ1", "ΔT(x) = x + Δ8", "y + ΔT(a)", "Δ5 = 1e300*a", "z + Δ5"]
    with pytest.raises(EncodeErrors) as info:
        df.Space(64).encode_many(lines)
    by_line = {e.line: e for e in info.value.errors}
    assert sorted(by_line) == [1, 2, 3, 4, 5, 6]  # a template's own vector needs Δ8 too
    assert by_line[1].column == 6 and "unknown reference Δ9" in str(by_line[1])
    assert by_line[2].column == 5 and "Δ9" in str(by_line[2]) and "Δ1" in str(by_line[2])
    assert "unknown reference Δ8" in str(by_line[4])
    assert by_line[5].column == 6 and "overflows float32" in str(by_line[5])
    assert by_line[6].column == 5 and "Δ5" in str(by_line[6]) and "overflows" in str(by_line[6])


def test_errors_zero_leaves_zero_rows():
    space = df.Space(64, "bsc")
    lines = ["a + b", "a + + b", "Δ404", "c"]
    rows = space.encode_many(lines, errors="zero")
    assert rows.shape == (4, 8)
    assert not rows[1].any() and not rows[2].any()
    assert_same_bits(rows[0], space.encode("a + b"))
    assert_same_bits(rows[3], space.atom("c"))
    with pytest.raises(ValueError, match="errors must be"):
        space.encode_many(lines, errors="ignore")


def test_bad_items_are_type_and_line_break_errors():
    space = df.Space(64)
    with pytest.raises(TypeError, match="item 1"):
        space.encode_many(["a", 3])
    with pytest.raises(ValueError, match="item 2: one formula per item"):
        space.encode_many(["a", "b", "c\nd"])
    with pytest.raises(ValueError, match="item 0"):
        space.encode_many(["c\r"])
    assert space.encode_many([]).shape == (0, 128)


# ------------------------------------------------------------------ warnings
@pytest.mark.parametrize("algebra,dim", [("map", 64), ("bsc", 64)])
def test_role_bound_to_itself_warns(algebra, dim):
    space = df.Space(dim, algebra)
    with pytest.warns(EncodeWarning, match="role 'Вода' is bound to itself") as record:
        rows = space.encode_many(["a + b", "Вода: вода + c", "Δ1 = r: R", "Δ1 + d"])
    text = str(record[0].message)
    assert "<string>:2:1: warning:" in text and "<string>:3:6: warning:" in text
    assert text.count("bound to itself") == 2  # a definition used twice warns once
    assert rows.shape[0] == 4
    with pytest.warns(EncodeWarning):
        space.encode("r: r")


def test_no_warning_in_fhrr_or_for_other_roles():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df.Space(64, "fhrr").encode_many(["r: r", "r: s"])
        df.Space(64, "map").encode_many(["r: s", "r: (r + s)", "r: s * r", "r: ?r"])


def test_encode_file_reports_warnings():
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.df")
        with open(path, "w", encoding="utf-8") as f:
            f.write("a + b\n# comment\nr: r\n")
        result = df.Space(64, "bsc").encode_file(path)
    assert [w.line for w in result.warnings] == [3]


# ------------------------------------------------------------------ files
def test_encode_file_keeps_good_lines_and_reports_every_bad_one(tmp_path):
    n = 100_000
    rng = random.Random(42)
    good_lines = role_filler_lines(n, seed=1, vocab=2000)
    broken_kinds = ["{} + + x", "({}", "Δmissing{} + x", "nope{}(a)", "ΔT(a, b) + {}", "1e300*({}) + y"]
    lines, bad = [], {}
    lines.append("ΔT(x) = r: x")
    for i in range(1, n):
        if rng.random() < 0.01:
            kind = rng.choice(broken_kinds)
            lines.append(kind.format(i) if "{}" in kind else kind)
            bad[i + 1] = kind
        else:
            lines.append(good_lines[i])
    path = tmp_path / "big.df"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    space = df.Space(64, "fhrr")
    start = time.perf_counter()
    result = space.encode_file(path, threads=2)
    elapsed = time.perf_counter() - start
    assert 800 < len(bad) < 1200
    assert sorted(e.line for e in result.errors) == sorted(bad)
    assert all(str(path) in str(e) for e in result.errors)
    good = [i + 1 for i in range(n) if i + 1 not in bad]
    assert result.lines.tolist() == good
    assert result.vectors.shape == (len(good), space.width)
    check = rng.sample(range(1, len(good)), 200)
    want = space.encode_many([lines[good[j] - 1] for j in check])
    assert_same_bits(result.vectors[check], want)
    assert_same_bits(result.vectors[0], space.encode_many(["ΔT(x) = r: x"])[0])
    assert elapsed < 15, f"encoding a 100 000-line file took {elapsed:.1f} s"


# ------------------------------------------------------------------ records
@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES + [("fhrr", 13)])
@pytest.mark.parametrize("with_weights", [False, True])
def test_records_equal_the_text_formula(algebra, dim, with_weights):
    space = df.Space(dim, algebra)
    rng = np.random.default_rng(3)
    names = [f"role{i}" for i in range(6)] + [f"Слово{i}" for i in range(40)]
    ids = space.atom_ids(names)
    for k in (1, 2, 5):
        n = 41  # odd: rows go in pairs, and one is left over
        roles = ids[rng.integers(0, 6, size=(n, k))]
        fillers = ids[rng.integers(6, len(names), size=(n, k))]
        weights = None
        if with_weights:
            weights = rng.choice(np.array([0.0, 0.1, 0.5, 1.0, 2.5, 1e-3], np.float32), size=(n, k))
            weights[0, 0] = np.float32(1 / 3)
        runs = [(path, threads) for path in df.supported_simd_paths() for threads in (1, 2)]
        texts = []
        for i in range(n):
            terms = []
            for j in range(k):
                w = "" if weights is None else repr(float(weights[i, j])) + "*"
                terms.append(f"{w}{names[list(ids).index(roles[i, j])]}: {names[list(ids).index(fillers[i, j])]}")
            texts.append(" + ".join(terms))
        want = space.encode_many(texts)
        before = df.simd_path()
        try:
            for path, threads in runs:
                df.set_simd_path(path)
                got = space.encode_records(roles, fillers, weights, threads=threads)
                assert_same_bits(got, want, f"k={k} {path} threads={threads}")
        finally:
            df.set_simd_path(before)


def test_records_bad_input():
    space = df.Space(64)
    ids = space.atom_ids(["a", "b"])
    with pytest.raises(ValueError, match="shape"):
        space.encode_records(ids[None, :], ids[None, :1])
    with pytest.raises(ValueError, match="unknown"):
        space.encode_records(np.array([[10**6]]), np.array([[0]]))
    with pytest.raises(ValueError, match="at least one"):
        space.encode_records(np.zeros((3, 0)), np.zeros((3, 0)))
    with pytest.raises(ValueError, match="weights"):
        space.encode_records(ids[None, :], ids[None, :], np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="overflows float32"):
        space.encode_records(ids[None, :], ids[None, :], np.full((1, 2), 3e38, np.float32))
    # The first row that overflows is named, whichever of a pair of rows it is.
    big = np.ones((5, 2), np.float32)
    big[3] = big[4] = 3e38
    with pytest.raises(ValueError, match="record 3 overflows"):
        space.encode_records(np.tile(ids, (5, 1)), np.tile(ids, (5, 1)), big, threads=1)
    assert space.encode_records(np.zeros((0, 2)), np.zeros((0, 2))).shape == (0, 128)


def test_scope_from_a_parent_registry():
    space = df.Space(64)
    parent = _core.EncodeScope()
    doc, _, errs = _core.formula_parse_text("Δ1 = a + b\nschema s(x)\n".encode(), "reg.df", False, False)
    assert not errs
    parent.add_document(doc)
    rows = space.encode_many(["Δ1 + c", "s(d)", "S(d)"], registry=parent)
    assert_same_bits(rows[1], rows[2])
    assert_same_bits(rows[0], space.encode_many(["Δ1 = a + b", "Δ1 + c"])[1])


# ------------------------------------------------------------------ out=
@pytest.mark.parametrize("algebra,dim", ALGEBRA_SPACES)
def test_out_receives_the_same_bits(algebra, dim):
    space = df.Space(dim, algebra)
    lines = role_filler_lines(37, seed=5)
    want = space.encode_many(lines)
    buf = np.full_like(want, 7)   # stale content that every row must overwrite
    got = space.encode_many(lines, threads=2, out=buf)
    assert got is buf
    assert_same_bits(buf, want)
    # Rows of a larger array (a slice of whole rows is C-contiguous) receive them in place.
    big = np.zeros((len(lines) + 10,) + want.shape[1:], want.dtype)
    space.encode_many(lines, out=big[4:4 + len(lines)])
    assert_same_bits(big[4:4 + len(lines)], want)
    assert not big[:4].any() and not big[4 + len(lines):].any()
    ids = space.atom_ids(["r1", "r2", "f1", "f2", "f3"])
    rng = np.random.default_rng(0)
    roles, fillers = ids[rng.integers(0, 2, (9, 2))], ids[rng.integers(2, 5, (9, 2))]
    want = space.encode_records(roles, fillers)
    buf = np.full_like(want, 7)
    assert space.encode_records(roles, fillers, threads=2, out=buf) is buf
    assert_same_bits(buf, want)


@pytest.mark.parametrize("dim", [1024, 100])
def test_out_at_any_float_offset_from_a_cache_line(dim, simd_path):
    # Rows stream to memory from the first 64-byte boundary on; what comes before it
    # (numpy's large arrays start 16 bytes past one) and the tail take plain stores.
    # Every SIMD path gives the bits of the reference encoder.
    space = df.Space(dim, "fhrr")
    lines = role_filler_lines(9, seed=2)
    want = assert_matches_reference(space, lines)
    raw = np.full(want.nbytes + 128, 0xAB, np.uint8)
    start = (-raw.ctypes.data) % 64
    for shift in range(0, 64, 4):
        at = start + shift
        buf = raw[at:at + want.nbytes].view(np.float32).reshape(want.shape)
        space.encode_many(lines, threads=2, out=buf)
        assert_same_bits(buf, want)
        assert (raw[:at] == 0xAB).all() and (raw[at + want.nbytes:] == 0xAB).all()
        raw[:] = 0xAB


def test_out_with_errors_zero_clears_the_bad_rows():
    space = df.Space(64)
    buf = np.full((3, space.width), 5, np.float32)
    space.encode_many(["a + b", "a + + b", "c"], errors="zero", out=buf)
    assert not buf[1].any()
    assert_same_bits(buf[2], space.atom("c"))


def test_out_bad_buffers_say_what_is_wrong():
    space = df.Space(64)
    lines = ["a", "b"]
    with pytest.raises(TypeError, match="dtype float32"):
        space.encode_many(lines, out=np.zeros((2, space.width), np.float64))
    with pytest.raises(TypeError, match="numpy array"):
        space.encode_many(lines, out=[[0.0] * space.width] * 2)
    with pytest.raises(ValueError, match=r"shape \(2, 128\), got \(3, 128\)"):
        space.encode_many(lines, out=np.zeros((3, space.width), np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        space.encode_many(lines, out=np.zeros((space.width, 2), np.float32).T)
    ro = np.zeros((2, space.width), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        space.encode_many(lines, out=ro)
    ids = space.atom_ids(["a", "b"])
    with pytest.raises(ValueError, match=r"encode_records: out must have shape \(1, 128\)"):
        space.encode_records(ids[None, :], ids[None, :], out=np.zeros((2, space.width), np.float32))
    # A buffer over the id tables themselves would be overwritten while it is read.
    raw = np.zeros(4 * space.width, np.float32)
    table = raw[:2].view(np.uint32).reshape(1, 2)
    table[:] = ids
    with pytest.raises(ValueError, match="overlaps"):
        space.encode_records(table, table, out=raw[: space.width].reshape(1, -1))


def test_atom_texts_of_every_length_resolve_to_their_own_vectors():
    # The encoder's lookup of atom text reads a text's last bytes in overlapping words:
    # texts that share all but one byte, at every length around those word sizes,
    # must still find their own vectors (in one batch and across batches).
    space = df.Space(64)
    names = []
    for n in range(1, 41):
        base = "a" * n
        names += [base, base[:-1] + "b", "b" + base[1:], base[: n // 2] + "c" + base[n // 2 + 1:]]
    names = list(dict.fromkeys(names))
    lines = [f'"{w}"' for w in names]
    for _ in range(2):
        got = space.encode_many(lines, threads=2)
        assert_same_bits(got, space.atoms(names))


@pytest.mark.parametrize("algebra", ["fhrr", "map"])
def test_a_failing_formula_leaves_its_neighbours_exact(algebra):
    # Statements are encoded two at a time (their norms in one pass); when one of
    # the two fails, each is encoded alone. Failures at every position, in every
    # kind of statement around them, and the good rows stay the bits of one-by-one.
    space = df.Space(64, algebra)
    good = role_filler_lines(40, seed=9)
    bad = ["Δ404 + вода", "1e300*a + 1e300*b", "s(a)"]   # unknown reference, overflow, wrong arity
    lines = ["schema s(x, y)", "ΔF(x) = x + тень", "Δ7 = свет + ΔF(тень)"]
    for i, line in enumerate(good):
        lines.append(line)
        if i % 3 == 1:
            lines.append(bad[i % len(bad)])
        if i % 7 == 3:
            lines.append("ΔF(дождь) + Δ7")
    want_bad = [i for i, line in enumerate(lines) if line in bad]
    alone = {i: space.encode_many(lines[:3] + [line])[-1] for i, line in enumerate(lines) if i not in want_bad}
    for threads in (1, 2):
        with pytest.raises(EncodeErrors) as info:
            space.encode_many(lines, threads=threads)
        assert sorted(e.line - 1 for e in info.value.errors) == want_bad
        rows = space.encode_many(lines, threads=threads, errors="zero")
        for i in want_bad:
            assert not rows[i].any()
        for i, want in alone.items():
            assert_same_bits(rows[i], want, f"line {i + 1}: {lines[i]}")

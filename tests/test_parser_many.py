"""Many lines: every good line kept, every bad line reported with its number."""

import random
import time

import pytest

from deltaform import FormulaError, parse_file, parse_many
from deltaform.ast import Anonymous, Atom, to_text

GOOD = [
    "вода + боль → плавная память",
    "Δ{n} = (вода + весна + неясность) = сцена про влечение и расцвет",
    "Δ{n} = сцена(вода, весна, неясность) = про влечение и расцвет",
    "ΔF{n}(x, y) = (действие: x → результат) + поле: y",
    "Δ{n} = 0.8*жар + 0.2*тишина + вспышка # комментарий",
    "Δ{n} = Δ12 * ~объект",
    'Δ{n} = ?x + боль → ?y память',
    '@{n} = "жартишинавспышка" -> пробуждение',
    "schema сцена{n}(объект, напряжение, переход)",
    "",
    "# comment",
]
BROKEN = [
    "Δ{n} = (вода + + весна)",
    "вода + (боль",
    "0.8 жар",
    'Δ{n} = "unclosed',
    "a b(c) + d",
]


def make_corpus(lines: int, broken_share: float, seed: int = 7):
    rng = random.Random(seed)
    text, bad = [], []
    for i in range(1, lines + 1):
        if rng.random() < broken_share:
            text.append(rng.choice(BROKEN).format(n=i))
            bad.append(i)
        else:
            text.append(rng.choice(GOOD).format(n=i))
    return text, bad


def test_hundred_thousand_lines_with_one_percent_broken():
    lines, bad = make_corpus(100_000, 0.01)
    start = time.perf_counter()
    result = parse_many(lines, filename="big.df")
    elapsed = time.perf_counter() - start
    assert [e.line for e in result.errors] == bad
    assert all(e.file == "big.df" for e in result.errors)
    broken = set(bad)
    expected_good = [i for i, l in enumerate(lines, 1)
                     if i not in broken and l.strip() and not l.startswith("#")]
    assert [s.line for s in result] == expected_good
    # each good line parses alone to the same statement
    for located in result.statements[::997]:
        assert parse_many([lines[located.line - 1]]).statements[0].statement == located.statement
    assert elapsed < 10, f"parsing 100 000 lines took {elapsed:.1f}s"


def test_strict_raises_the_first_error():
    with pytest.raises(FormulaError) as info:
        parse_many(["a", "b +", "c +"], filename="x.df", strict=True)
    assert (info.value.file, info.value.line) == ("x.df", 2)


def test_lines_as_text_bytes_or_list_agree():
    lines, _ = make_corpus(300, 0.1, seed=3)
    text = "\n".join(lines)
    a, b, c = parse_many(lines), parse_many(text), parse_many(text.encode())
    assert a.statements == b.statements == c.statements
    assert [str(e) for e in a.errors] == [str(e) for e in b.errors] == [str(e) for e in c.errors]


def test_a_line_with_a_newline_inside_is_refused():
    with pytest.raises(ValueError, match="newline"):
        parse_many(["a", "b\nc"])


def test_parse_file(tmp_path):
    path = tmp_path / "scenes.df"
    path.write_bytes("вода\nΔ1 = (a + + b)\n\xff\n".encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    result = parse_file(path)
    assert result.statements[0].statement == Anonymous(Atom("вода"))
    assert [(e.file, e.line, e.column) for e in result.errors] == [
        (str(path), 2, 11), (str(path), 3, 1)]
    assert not result.ok


def test_result_round_trips_through_the_printer():
    lines, _ = make_corpus(500, 0.0, seed=11)
    result = parse_many(lines)
    again = parse_many([to_text(s.statement) for s in result])
    assert [s.statement for s in again] == [s.statement for s in result]

"""Fuzzing: whatever the input, the parser returns a tree or a positioned
FormulaError, in bounded time; huge and deeply nested lines included."""

import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltaform import FormulaError, parse, parse_expr, parse_many
from deltaform.formula import MAX_DEPTH
from deltaform.ast import to_text
from strategies import statements

FUZZ = settings(max_examples=150, deadline=timedelta(seconds=2),
                suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to the lexer, plus anything at all.
_SPECIAL = list("+-*~→:=(),\"\\#?@Δ ⟁\t0.e>_'") + ["->", "schema ", "Δ1", "0.8*", "\u0301", "\ufe0f"]
fuzz_text = st.lists(
    st.one_of(st.sampled_from(_SPECIAL), st.characters(blacklist_categories=("Cs",)),
              st.sampled_from(["вода", "a", "x1", "боль"])),
    max_size=40,
).map("".join)


def check_outcome(text, result_or_error, line=1):
    """A statement (which prints and re-parses to itself) or a well-formed error."""
    if isinstance(result_or_error, FormulaError):
        e = result_or_error
        assert e.file == "<string>" and e.line == line
        assert 1 <= e.column <= len(e.source_line) + 1
        assert e.expected and "\n" not in e.expected
        assert str(e).splitlines()[0].startswith(f"<string>:{line}:{e.column}: error: ")
    else:
        assert parse(to_text(result_or_error)) == result_or_error


def outcome(text):
    try:
        return parse(text)
    except FormulaError as e:
        return e


@FUZZ
@given(fuzz_text)
def test_random_text(text):
    check_outcome(text, outcome(text.replace("\n", " ")))


@FUZZ
@given(st.binary(max_size=60))
def test_random_bytes(data):
    data = data.replace(b"\n", b" ")
    result = outcome(data)
    if isinstance(result, FormulaError):
        assert 1 <= result.column <= len(result.source_line) + 1
    else:
        data.decode("utf-8")  # only valid UTF-8 parses
        check_outcome(data, result)


@st.composite
def mutated(draw):
    text = to_text(draw(statements))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        action = draw(st.integers(0, 2))
        piece = draw(st.sampled_from(_SPECIAL))
        if action == 0:
            text = text[:i] + piece + text[i:]
        elif action == 1:
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + piece + text[i + 1:]
    return text.replace("\n", " ")


@settings(FUZZ, max_examples=80)
@given(mutated())
def test_mutated_formulas(text):
    check_outcome(text, outcome(text))


@settings(max_examples=12, deadline=timedelta(seconds=5))
@given(st.lists(st.one_of(mutated(), fuzz_text.map(lambda s: s.replace("\n", " "))), max_size=30))
def test_mutated_files_keep_line_numbers(lines):
    result = parse_many(lines)
    for e in result.errors:
        assert e.source_line == lines[e.line - 1] or "\ufffd" in e.source_line
    reported = {e.line for e in result.errors} | {s.line for s in result}
    for i, line in enumerate(lines, 1):
        if i not in reported:
            assert line.split("#")[0].strip() == "" or line.lstrip().startswith("#"), line


MB = 1 << 20


def timed(fn, *args):
    start = time.perf_counter()
    try:
        value = fn(*args)
    except FormulaError as e:
        value = e
    return value, time.perf_counter() - start


_HUGE = [
    ("long bundle", "a + " * (MB // 4) + "b"),
    ("long flow", "a → " * (MB // 6) + "b"),
    ("long phrase", "слово " * (MB // 12) + "конец"),
    ("long quoted", '"' + "x" * MB + '"'),
    ("long scene", "Δ1 = a = " + "сцена " * (MB // 12)),
    ("error at the end", "a + " * (MB // 4) + "+"),
    ("open parentheses", "(" * MB),
    ("tildes", "~" * MB + "x"),
    ("weights", "0.5*" * (MB // 4) + "x"),
    ("roles", "r: " * (MB // 3) + "x"),
    ("invalid bytes", "\udcff" * (MB // 3)),
    ("many arguments", "f(" + "a, " * (MB // 3) + "b)"),
]


@pytest.mark.parametrize("name, text", _HUGE, ids=[name for name, _ in _HUGE])
def test_one_megabyte_lines(name, text):
    value, elapsed = timed(parse, text)
    assert elapsed < 5, f"{name}: {elapsed:.2f}s"
    if isinstance(value, FormulaError):
        assert value.line == 1 and value.column >= 1
        assert len(str(value)) < 1000  # the message shows a window, not the megabyte


def test_nesting_limit():
    ok = "(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1)
    assert parse_expr(ok).name == "a"
    deep = "(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH
    with pytest.raises(FormulaError, match="nested too deeply") as info:
        parse_expr(deep)
    assert info.value.column == MAX_DEPTH + 1
    tree = parse_expr("~" * (MAX_DEPTH - 1) + "a")
    assert to_text(tree) == "~" * (MAX_DEPTH - 1) + "a"
    for deep in ["~" * MAX_DEPTH + "a", "f(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH,
                 "r: " * MAX_DEPTH + "a", "ΔF(" * 300 + "a" + ")" * 300]:
        with pytest.raises(FormulaError, match="nested too deeply"):
            parse_expr(deep)


def test_deep_nesting_in_a_file_only_breaks_its_line():
    lines = ["a", "(" * 100_000, "b", "~" * 5000 + "c"]
    result = parse_many(lines)
    assert [s.line for s in result] == [1, 3]
    assert [e.line for e in result.errors] == [2, 4]

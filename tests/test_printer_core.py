"""The core's canonical printer and fact scanner: the same rules for Python trees and parsed text.

The old Python printer and scanner (tests/reference_printer.py) are the oracle.
"""

from __future__ import annotations

import itertools
import json
import math
import struct

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deltaform import _core, ast
from deltaform.ast import Anonymous, Atom, Bind, Bundle, Definition, Flow, Ref, Schema, Weight, to_text
from deltaform.formula import MAX_DEPTH, parse, parse_many
from deltaform.memory.records import Facts, scan, terms_of

import reference_printer as ref
from strategies import expressions, statements

STORE_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))   # how the store writes facts

EDGE_FLOATS = [0.0, -0.0, 1.0, 0.1, 0.5, 1e-4, 9.999e-5, 1e-5, 1e-05 * 3, 1e15, 9999999999999998.0, 1e16,
               1.5e16, 1e22, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 123456789.125,
               0.30000000000000004, 2.0 ** 53, 2.0 ** 63, 100.0, 1e-3, math.pi, float("nan"), float("inf"),
               float("-inf"), -1.0, -1e-7]


@pytest.mark.parametrize("x", EDGE_FLOATS)
def test_float_repr_edges(x: float) -> None:
    assert _core.formula_float_repr(x) == repr(x)


@settings(max_examples=1000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_float_repr_equals_python_repr(x: float) -> None:
    assert _core.formula_float_repr(x) == repr(x)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2 ** 64 - 1))
def test_float_repr_over_bit_patterns(bits: int) -> None:
    x = struct.unpack("<d", bits.to_bytes(8, "little"))[0]
    assert _core.formula_float_repr(x) == repr(x)


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=0.0, allow_nan=False, allow_infinity=True))
def test_format_weight_equals_reference(w: float) -> None:
    if math.isinf(w):
        with pytest.raises(ValueError, match="finite number >= 0"):
            _core.formula_format_weight(w)
    else:
        assert _core.formula_format_weight(w) == ref.format_weight(w)


@settings(max_examples=150, deadline=None)
@given(statements)
def test_to_text_equals_reference_printer(statement) -> None:
    assert to_text(statement) == ref.to_text(statement)


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_expression_text_equals_reference_printer(tree) -> None:
    assert to_text(tree) == ref.to_text(tree)


@settings(max_examples=120, deadline=None)
@given(statements)
def test_scan_equals_reference_scanner(statement) -> None:
    facts, applied = scan(statement)
    atoms, roles, schemas, refs, vars_, ref_applied, _ = ref.scan(statement)
    assert (facts.atoms, facts.roles, facts.schemas, list(facts.refs), facts.vars) == (atoms, roles, schemas, refs,
                                                                                       vars_)
    assert applied == ref_applied


@settings(max_examples=60, deadline=None)
@given(st.lists(statements, min_size=1, max_size=4))
def test_digest_equals_printer_and_scanner_of_the_parsed_tree(items) -> None:
    lines = [to_text(s) for s in items]
    assume(not any("\n" in line or "\r" in line for line in lines))   # a quoted atom may hold a line break
    _, cols, errors = _core.formula_digest(lines)
    assert errors == []
    assert cols["slot"] == list(range(len(items)))
    any_refs = False
    for j, line in enumerate(lines):
        tree = parse(line)
        assert cols["kind"][j] == type(tree).__name__.lower()
        if isinstance(tree, Schema):
            assert (cols["name"][j], cols["names"][j], cols["expr"][j]) == (tree.name, tree.roles, "")
            continue
        assert cols["expr"][j] == to_text(tree.expr) == ref.to_text(tree.expr)
        assert cols["scene"][j] == tree.scene
        if isinstance(tree, Definition):
            assert (cols["name"][j], cols["names"][j]) == (tree.target, tree.params)
        else:
            assert cols["name"][j] is None
        r_atoms, r_roles, r_schemas, r_refs, r_vars, r_applied, r_plain = ref.scan(tree)
        got = [list(cols[k][j]) for k in ("atoms", "roles", "schemas", "refs", "vars", "plain")]
        assert got == [r_atoms, r_roles, r_schemas, r_refs, r_vars, r_plain]
        assert set(cols["applied"][j]) == r_applied and len(cols["applied"][j]) == len(r_applied)
        facts, _ = scan(tree)
        if r_refs or r_vars:
            any_refs = True
            assert cols["facts_json"][j] is None
        else:
            assert json.loads(cols["facts_json"][j]) == facts.to_json()
            assert cols["facts_json"][j] == STORE_JSON.encode(facts.to_json())
    formulas = [j for j, k in enumerate(cols["kind"]) if k != "schema"]
    if any_refs:
        assert cols["terms"] is None
    else:
        names, counts, indices = cols["terms"]
        expected: dict[str, list[int]] = {}
        for position, j in enumerate(formulas):
            facts = Facts(list(cols["atoms"][j]), list(cols["roles"][j]), list(cols["schemas"][j]))
            for t in terms_of(facts):
                expected.setdefault(t, []).append(position)
        ends = list(itertools.accumulate(counts))
        got = {name: indices[end - c:end].tolist() for name, c, end in zip(names, counts, ends)}
        assert got == expected and len(names) == len(expected)


def test_canonical_examples() -> None:
    cases = [
        "Δ12 = (вода + боль) * 0.5*весна → тишина = сцена",
        "schema сцена(объект, напряжение)",
        "(Δ1) = a scene",
        "(⟁) = a scene",
        'ΔF(x, y) = x * "a\\"b\\\\" + ~y',
        "a - (b + c) → образ: ?x",
        "1e-05*a + 1e+16*b + 0.0001*c",
        "(schema x) = y",
        "сцена(a, b * c, Δ3(d))",
        "~(a * b) * (c * d)",
    ]
    for text in cases:
        assert to_text(parse(text)) == text


def test_subclasses_print_and_non_nodes_fail() -> None:
    class MyAtom(Atom):
        __slots__ = ()

    assert to_text(Bind((MyAtom("a"), Atom("b")))) == "a * b"
    assert to_text(Anonymous(Flow((MyAtom("x"), Bundle((Atom("y"), Atom("z")), (1, -1)))))) == "x → y - z"
    with pytest.raises(TypeError, match="not a formula node: 42"):
        to_text(42)
    with pytest.raises(TypeError, match="not a formula node: 'text'"):
        to_text(Bind((Atom("a"), "text")))
    for w in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=f"finite number >= 0, got {w!r}"):
            to_text(Weight(w, Atom("a")))
    # A tree built in code may be deeper than the parser allows; very deep is an error, not a crash.
    deep = Atom("a")
    for _ in range(5000):
        deep = Ref("ΔF", (deep,))
    with pytest.raises(RecursionError):
        to_text(deep)


def test_a_field_that_is_not_a_str_prints_as_str_does() -> None:
    # str() of such a field prints a node again while the outer node is being printed.
    from deltaform.ast import Layer
    role = Bind((Atom("x"), Atom("y")))
    tree = Bundle((Layer(role, Bind((Atom("a"), Atom("b")))), Atom("c")), (1, -1))
    assert to_text(tree) == ref.to_text(tree) == "x * y: (a * b) - c"
    assert to_text(Atom(42)) == "42"


def test_lone_surrogates_survive_printing() -> None:
    assert to_text(Atom("a\udc80b", quoted=True)) == '"a\udc80b"'


# ---------------------------------------------------------------- bad input to the digest
def _errors_of(lines):
    _, cols, errors = _core.formula_digest(lines)
    return cols, errors


def test_digest_errors_equal_parse_many() -> None:
    lines = ["вода + боль", "Δ1 = (a + ", "schema s(", "a → → b", "ok = scene"]
    rows, errors = _errors_of(lines)
    expected = parse_many(lines).errors
    assert [e[:5] for e in errors] == [(e.file, e.line, e.column, e.expected, e.source_line) for e in expected]
    assert rows["slot"] == [0, 4]


def test_digest_invalid_utf8_is_a_positioned_error() -> None:
    rows, errors = _errors_of([b"a + b", b"abc \xff\xfe def", "ok"])
    assert rows["slot"] == [0, 2]
    assert len(errors) == 1 and errors[0][1] == 2 and errors[0][2] == 5
    assert "UTF-8" in errors[0][3]


def test_digest_long_line_and_deep_nesting() -> None:
    long_line = " + ".join(f"w{i}" for i in range(150_000))   # about 1 MB
    assert len(long_line) > 1_000_000
    deep = "(" * (MAX_DEPTH + 10) + "a" + ")" * (MAX_DEPTH + 10)
    rows, errors = _errors_of([long_line, deep, "a" * 1_000_000 + " +"])
    assert rows["slot"] == [0]
    assert len(rows["atoms"][0]) == 150_000
    assert [e[1] for e in errors] == [2, 3]
    assert "deep" in errors[0][3] or "nest" in errors[0][3]
    assert errors[1][2] == 1_000_003


def test_digest_empty_and_comment_items_are_errors() -> None:
    rows, errors = _errors_of(["a", "", "# only a comment", "b"])
    assert rows["slot"] == [0, 3]
    assert [(e[1], e[3]) for e in errors] == [(2, "expected a formula, found an empty line"),
                                              (3, "expected a formula, found an empty line")]


def test_digest_rejects_line_breaks_and_other_types() -> None:
    with pytest.raises(ValueError, match="item 1: one statement per item"):
        _core.formula_digest(["a", "b\nc"])
    with pytest.raises(TypeError, match="item 0: expected str or bytes"):
        _core.formula_digest([3])


def test_digest_is_the_same_on_any_number_of_threads() -> None:
    lines = [f"w{i % 37} + Вода{i % 5} * сцена(a, b) → образ: x{i % 11}" for i in range(3000)]
    lines[1234] = "Δ1 = Δ2 + ?x"    # one formula with refs and vars: no grouped terms
    one = _core.formula_digest(lines, "<string>", 1)[1]
    many = _core.formula_digest(lines, "<string>", 4)[1]
    assert one.keys() == many.keys() and all(one[k] == many[k] for k in one)
    assert one["terms"] is None and one["facts_json"][1234] is None
    one = _core.formula_digest(lines[:1000], "<string>", 1)[1]["terms"]
    many = _core.formula_digest(lines[:1000], "<string>", 4)[1]["terms"]
    assert one[0] == many[0] and one[1] == many[1] and (one[2] == many[2]).all()

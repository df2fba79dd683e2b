"""parse(to_text(t)) == t for generated trees; printing parsed text is idempotent."""

from hypothesis import given, settings
from hypothesis import strategies as st

from deltaform import parse, parse_expr, parse_many
from deltaform.ast import Anonymous, to_text
from strategies import expressions, statements

SETTINGS = settings(max_examples=120, deadline=None)


@SETTINGS
@given(expressions())
def test_expression_round_trip(tree):
    assert parse_expr(to_text(tree)) == tree


@SETTINGS
@given(statements)
def test_statement_round_trip(statement):
    assert parse(to_text(statement)) == statement


@SETTINGS
@given(expressions())
def test_expression_alone_is_anonymous(tree):
    assert parse(to_text(tree)) == Anonymous(tree)


@settings(max_examples=30, deadline=None)
@given(st.lists(statements, min_size=1, max_size=20))
def test_many_statements_keep_their_lines(items):
    text = "\n".join(to_text(s) for s in items)
    result = parse_many(text)
    assert result.errors == []
    assert [located.statement for located in result] == items
    assert [located.line for located in result] == list(range(1, len(items) + 1))


@SETTINGS
@given(statements)
def test_canonical_printing_is_idempotent(statement):
    once = to_text(parse(to_text(statement)))
    assert to_text(parse(once)) == once

"""Bad input gives a FormulaError with file, line, column, message and a caret."""

import pickle

import pytest

from deltaform import FormulaError, parse, parse_expr, parse_many

# (text, column, message start)
BAD = [
    ("Δ12 = (вода + + весна)", 15, "expected a formula after '+'"),
    ("вода +", 7, "expected a formula after '+'"),
    ("a →", 4, "expected a formula after '→'"),
    ("a -> -> b", 6, "expected a formula after '->'"),
    ("a ** b", 4, "expected a formula after '*'"),
    ("a -- b", 4, "expected a formula after '-'"),
    ("(вода", 6, "expected ')' to close the '(' at column 1"),
    ("x + (a * (b)", 13, "expected ')' to close the '(' at column 5"),
    ("вода)", 5, "there is no '(' to match this ')'"),
    ("a b(c)", 4, "a schema name is a single word"),
    ("a b: c", 4, "a role is a single word"),
    ("?x: c", 3, "a role must be a word, not a variable"),
    ("?x ?y", 1, "a phrase needs at least one word that is not a variable"),
    ("2x + a", 1, 'a word must start with a letter; write "2x" in quotes'),
    ("0.8 жар", 5, "expected '*' after the number 0.8"),
    ("0.8*", 5, "expected a formula after '*'"),
    ("1e999*x", 1, "the weight 1e999 is out of range"),
    ("~", 2, "expected a formula after '~'"),
    ("r:", 3, "expected a formula after ':'"),
    ("Δ + a", 1, "expected an address after 'Δ'"),
    ("@ 12", 1, "expected an address after '@'"),
    ("a = ", 4, "expected a scene"),
    ("a = # only a comment", 4, "expected a scene"),
    ("= a", 1, "expected a formula before '='"),
    ("Δ1 = ", 6, "expected a formula after '='"),
    ('"abc', 1, "a quoted atom is not closed"),
    ('"a\\nb"', 3, "unknown escape '\\n' in a quoted atom"),
    ('""', 1, "a quoted atom cannot be empty"),
    ("a ! b", 3, "unexpected character '!'"),
    ("a ; b", 3, "unexpected character ';'"),
    ("a , b", 3, "',' separates arguments"),
    ("f(a b c", 8, "expected ',' or ')' in the arguments of 'f' (opened at column 2)"),
    ("f(a,)", 5, "expected a formula after ','"),
    ("f()", 3, "expected a formula after '('"),
    ("ΔF(x, x) = x", 7, "the parameter 'x' is listed twice"),
    ("ΔF(Вода, вода) = x", 10, "the parameter 'вода' is listed twice"),
    ("⟁(x) = a", 2, "only a Δ-address can take parameters"),
    ("⟁(a)", 2, "a glyph takes no arguments"),
    ("schema s", 9, "expected '(' and the roles after the schema name"),
    ("schema s(a, a)", 13, "the role 'a' is listed twice"),
    ("schema s()", 10, "expected a role (a word) after '('"),
    ("schema s(a) + b", 13, "expected the end of the line after the schema declaration"),
    ("schema s(?a)", 10, "a role is a word, not a variable"),
    ("schema s(a b)", 12, "a role is a single word"),
    ("a\x01b", 2, "unexpected control character U+0001"),
    ("\u0301x", 1, "a combining mark (U+0301) must follow a letter"),
    ("_a", 1, "a word must start with a letter, not '_'"),
    ("Δ1 Δ2", 4, "expected an operator (+, -, *, →), '=' and a scene, or the end of the line"),
    ("вода \"x\"", 6, "expected an operator"),
    ("(a))", 4, "there is no '(' to match this ')'"),
    ("a\t+ +", 5, "expected a formula after '+'"),
    ("a \udc80 b", 3, "invalid UTF-8 byte 0xED"),
]


@pytest.mark.parametrize("text, column, message", BAD, ids=[repr(t) for t, _, _ in BAD])
def test_bad_statement(text, column, message):
    with pytest.raises(FormulaError) as info:
        parse(text)
    e = info.value
    assert (e.file, e.line, e.column) == ("<string>", 1, column)
    assert e.expected.startswith(message)
    lines = str(e).split("\n")
    assert lines[0] == f"<string>:1:{column}: error: {e.expected}"
    assert lines[1] == "  " + e.source_line
    # the caret sits under the spot (tabs copied so that it lines up)
    assert lines[2] == "  " + "".join("\t" if c == "\t" else " " for c in e.source_line[:column - 1]) + "^"
    assert e.message == str(e)
    assert isinstance(e, ValueError)


def test_the_documented_message_format():
    text = "# scenes\nΔ1 = a\nΔ12 = (вода + + весна)\n"
    result = parse_many(text, filename="scenes.df")
    [e] = result.errors
    assert str(e) == (
        "scenes.df:3:15: error: expected a formula after '+'\n"
        "  Δ12 = (вода + + весна)\n"
        "                ^"
    )


@pytest.mark.parametrize("data, column", [
    (b"a \xff b", 3), (b"\xe2\x82 x", 1), (b"a = \xff", 5), (b'"\xc3(" + a', 2), (b"\xc0\xaf", 1),
])
def test_invalid_utf8_is_positioned(data, column):
    with pytest.raises(FormulaError) as info:
        parse(data)
    assert info.value.column == column
    assert "invalid UTF-8 byte" in info.value.expected
    assert "\ufffd" in info.value.source_line


def test_expression_mode_rejects_statements():
    with pytest.raises(FormulaError, match="expected an operator .* or the end of the formula"):
        parse_expr("a = scene")
    with pytest.raises(FormulaError, match="one line"):
        parse_expr("a\nb")


def test_one_statement_only():
    with pytest.raises(FormulaError) as info:
        parse("a\n\nb")
    assert info.value.line == 3 and "expected one statement" in info.value.expected
    with pytest.raises(FormulaError, match="expected a statement"):
        parse("# nothing here\n")
    assert parse("\n# note\nвода   # comment\n\n") == parse("вода")


def test_errors_pickle():
    try:
        parse("a +")
    except FormulaError as e:
        copy = pickle.loads(pickle.dumps(e))
        assert (copy.file, copy.line, copy.column, copy.expected, str(copy)) == (
            e.file, e.line, e.column, e.expected, str(e))


def test_long_line_is_shown_around_the_caret():
    line = "a + " * 100 + "+ b"
    with pytest.raises(FormulaError) as info:
        parse(line)
    e = info.value
    assert e.column == 401 and e.source_line == line
    shown, caret = str(e).split("\n")[1:]
    assert len(shown) < 140 and shown.startswith("  ...")
    assert shown[caret.index("^")] == "+"

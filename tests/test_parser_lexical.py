"""The fine points of words, phrases, quotes, addresses, glyphs, comments and keywords."""

import pytest

from deltaform import FormulaError, parse, parse_expr, parse_many
from deltaform.ast import (
    Anonymous, Atom, Bundle, Definition, Flow, Glyph, Layer, Ref, Schema, SchemaCall, Var,
)

A = Atom


@pytest.mark.parametrize("text, tree", [
    ("a->b", Flow((A("a"), A("b")))),
    ("a-b", A("a-b")),
    ("water-lily + x", Bundle((A("water-lily"), A("x")), (1, 1))),
    ("a - b", Bundle((A("a"), A("b")), (1, -1))),
    ("a -b", Bundle((A("a"), A("b")), (1, -1))),
    ("x-1", A("x-1")),
    ("don't", A("don't")),
    ("don\u2019t", A("don\u2019t")),
    ("snow_2", A("snow_2")),
    ("cafe\u0301", A("cafe\u0301")),            # combining mark inside a word
    ("می\u200cخواهم", A("می\u200cخواهم")),        # ZWNJ inside a word
    ("a-", None), ("a'", None),                 # a joiner must be followed by a letter or digit
])
def test_words(text, tree):
    if tree is None:
        with pytest.raises(FormulaError):
            parse_expr(text)
    else:
        assert parse_expr(text) == tree


def test_phrase_spaces_are_normalised():
    assert parse_expr("плавная   \t память") == A("плавная память")
    assert parse_expr("плавная\u00a0память") == A("плавная память")  # any space separator
    assert parse_expr("  вода  ") == A("вода")


def test_case_is_kept_and_folded_for_identity():
    atom = parse_expr("Вода")
    assert atom == A("Вода") and atom.key == "вода"


def test_variables_in_phrases():
    assert parse_expr("?x") == Var("x")
    assert parse_expr("?y память") == A("?y память")
    assert parse_expr("память ?y ?z") == A("память ?y ?z")


def test_quoted_atoms_and_escapes():
    assert parse_expr('"a \\"b\\" \\\\ c"') == A('a "b" \\ c', quoted=True)
    assert parse_expr('"x # not a comment" # comment') == A("x # not a comment", quoted=True)
    assert parse_expr('"  spaced  "') == A("  spaced  ", quoted=True)
    assert parse_expr('"2x"') == A("2x", quoted=True)


def test_addresses():
    assert parse_expr("@12") == Ref("Δ12")
    assert parse_expr("Δwater_pain") == Ref("Δwater_pain")
    assert parse_expr("@F(a, b)") == Ref("ΔF", (A("a"), A("b")))
    assert parse("@F(x) = x") == Definition("ΔF", A("x"), ("x",))
    assert str(parse("@7 = a")) == "Δ7 = a"


def test_glyphs():
    assert parse_expr("⟁") == Glyph("⟁")
    assert parse_expr("🜁 + ☉") == Bundle((Glyph("🜁"), Glyph("☉")), (1, 1))
    assert parse_expr("𓂀") == Glyph("𓂀")             # a hieroglyph is a glyph, not a letter
    assert parse_expr("☉\ufe0f") == Glyph("☉")        # variation selector dropped
    assert parse_expr("∞→☉") == Flow((Glyph("∞"), Glyph("☉")))
    with pytest.raises(FormulaError):
        parse_expr("a < b")                          # ASCII symbols are never glyphs


def test_comments():
    assert parse_many("# only a comment\n\n   # indented\n").statements == []
    assert parse("Δ1 = a = сцена # note") == Definition("Δ1", A("a"), scene="сцена")
    assert parse('Δ1 = a = он сказал "# да"') == Definition("Δ1", A("a"), scene='он сказал "# да"')


def test_scene_is_verbatim_and_trimmed():
    assert parse("a =   x = y → z  ").scene == "x = y → z"
    assert parse("Δ1 = a = 0.8*(странный) текст").scene == "0.8*(странный) текст"


def test_schema_keyword_only_at_statement_start_before_a_word():
    assert parse("schema s(a, b)") == Schema("s", ("a", "b"))
    assert parse("schema") == Anonymous(A("schema"))
    assert parse("schema + x") == Anonymous(Bundle((A("schema"), A("x")), (1, 1)))
    assert parse("schema: x") == Anonymous(Layer("schema", A("x")))
    assert parse("schema(x)") == Anonymous(SchemaCall("schema", (A("x"),)))
    assert parse("Δ1 = schema x") == Definition("Δ1", A("schema x"))
    assert parse("(schema x)") == Anonymous(A("schema x"))


def test_definition_or_anonymous():
    assert parse("Δ1 = a") == Definition("Δ1", A("a"))
    assert parse("Δ1 + a = s") == Anonymous(Bundle((Ref("Δ1"), A("a")), (1, 1)), "s")
    assert parse("ΔF(a, b) + c = s") == Anonymous(Bundle((Ref("ΔF", (A("a"), A("b"))), A("c")), (1, 1)), "s")
    assert parse("ΔF(a b) = s") == Anonymous(Ref("ΔF", (A("a b"),)), "s")
    assert parse("ΔF(a, b) = s") == Definition("ΔF", A("s"), ("a", "b"))
    assert parse("(Δ1) = s") == Anonymous(Ref("Δ1"), "s")


def test_line_endings_and_bom():
    result = parse_many("\ufeffa\r\nb\r\n\r\nc")
    assert [(s.line, s.statement) for s in result] == [
        (1, Anonymous(A("a"))), (2, Anonymous(A("b"))), (4, Anonymous(A("c")))]


def test_weights():
    assert parse_expr("2*x").weight == 2.0
    assert parse_expr("1e-3*x").weight == 0.001
    assert parse_expr("1.5E+2 * x").weight == 150.0
    assert str(parse_expr("0.50*x")) == "0.5*x"
    for text in ["5e-324", "2.2250738585072014e-308", "1.7976931348623157e+308"]:
        assert parse_expr(text + "*x").weight == float(text)
    with pytest.raises(FormulaError, match="out of range"):
        parse_expr("1e-400*x")

"""Every example of FORMULA.md parses to the tree written out here by hand."""

import pytest

from deltaform import parse, parse_expr, parse_many
from deltaform.ast import (
    Anonymous, Atom, Bind, Bundle, Definition, Flow, Glyph, Inverse, Layer, Ref, Schema,
    SchemaCall, Var, Weight, to_text,
)

A = Atom

EXAMPLES = [
    ("вода + боль → плавная память",
     Anonymous(Flow((Bundle((A("вода"), A("боль")), (1, 1)), A("плавная память"))))),
    ("Δ12 = (вода + весна + неясность) = сцена про влечение и расцвет",
     Definition("Δ12", Bundle((A("вода"), A("весна"), A("неясность")), (1, 1, 1)),
                scene="сцена про влечение и расцвет")),
    ("schema сцена(объект, напряжение, переход)",
     Schema("сцена", ("объект", "напряжение", "переход"))),
    ("Δ13 = сцена(вода, весна, неясность) = про влечение и расцвет",
     Definition("Δ13", SchemaCall("сцена", (A("вода"), A("весна"), A("неясность"))),
                scene="про влечение и расцвет")),
    ("завихрение + жар = толчок к смыслу",
     Anonymous(Bundle((A("завихрение"), A("жар")), (1, 1)), scene="толчок к смыслу")),
    ("ΔF(x, y) = (действие: x → результат) + поле: y",
     Definition("ΔF", Bundle((Flow((Layer("действие", A("x")), A("результат"))),
                              Layer("поле", A("y"))), (1, 1)), params=("x", "y"))),
    ("Δ14 = ΔF(таяние, память)",
     Definition("Δ14", Ref("ΔF", (A("таяние"), A("память"))))),
    ("⟁ = внутреннее восхождение через распад",
     Definition("⟁", A("внутреннее восхождение через распад"))),
    ("Δ15 = (образ: вода + эмоция: боль + действие: таяние)",
     Definition("Δ15", Bundle((Layer("образ", A("вода")), Layer("эмоция", A("боль")),
                               Layer("действие", A("таяние"))), (1, 1, 1)))),
    ("Δ16 = тревога → надежда → покой",
     Definition("Δ16", Flow((A("тревога"), A("надежда"), A("покой"))))),
    ("Δ17 = 0.8*жар + 0.2*тишина + вспышка",
     Definition("Δ17", Bundle((Weight(0.8, A("жар")), Weight(0.2, A("тишина")), A("вспышка")),
                              (1, 1, 1)))),
    ("Δ18 = (Δ12 + солнце) → ⟁",
     Definition("Δ18", Flow((Bundle((Ref("Δ12"), A("солнце")), (1, 1)), Glyph("⟁"))))),
    ("Δ19 = Δ12 * ~объект",
     Definition("Δ19", Bind((Ref("Δ12"), Inverse(A("объект")))))),
    ("Δmeta = ?x + боль → ?y память",
     Definition("Δmeta", Flow((Bundle((Var("x"), A("боль")), (1, 1)), A("?y память"))))),
    ('@20 = "жартишинавспышка" -> пробуждение',
     Definition("Δ20", Flow((A("жартишинавспышка", quoted=True), A("пробуждение"))))),
]

CANONICAL = {
    "Δ12 = (вода + весна + неясность) = сцена про влечение и расцвет":
        "Δ12 = вода + весна + неясность = сцена про влечение и расцвет",
    "Δ15 = (образ: вода + эмоция: боль + действие: таяние)":
        "Δ15 = образ: вода + эмоция: боль + действие: таяние",
    "Δ18 = (Δ12 + солнце) → ⟁": "Δ18 = Δ12 + солнце → ⟁",
    '@20 = "жартишинавспышка" -> пробуждение': 'Δ20 = "жартишинавспышка" → пробуждение',
}


@pytest.mark.parametrize("text, tree", EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_example_parses_to_its_tree(text, tree):
    assert parse(text) == tree


@pytest.mark.parametrize("text, tree", EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_example_prints_canonically(text, tree):
    assert to_text(parse(text)) == CANONICAL.get(text, text)
    assert parse(to_text(tree)) == tree


def test_the_whole_example_block_as_one_file():
    text = "# from the source outline\n" + "\n".join(t for t, _ in EXAMPLES) + "\n"
    result = parse_many(text, filename="outline.df")
    assert result.errors == []
    assert [s.statement for s in result] == [tree for _, tree in EXAMPLES]
    assert [s.line for s in result] == list(range(2, len(EXAMPLES) + 2))


def test_precedence_role_binds_tighter_than_bundle():
    assert parse_expr("объект: вода + весна") == Bundle((Layer("объект", A("вода")), A("весна")), (1, 1))
    assert parse_expr("объект: (вода + весна)") == Layer("объект", Bundle((A("вода"), A("весна")), (1, 1)))


def test_precedence_ladder():
    # → loosest, then + -, then *, then prefix weight, ~, role:
    assert parse_expr("a + b * c → d - e") == Flow((
        Bundle((A("a"), Bind((A("b"), A("c")))), (1, 1)),
        Bundle((A("d"), A("e")), (1, -1)),
    ))
    assert parse_expr("0.5*~r: x * y") == Bind((Weight(0.5, Inverse(Layer("r", A("x")))), A("y")))
    assert parse_expr("r: 0.5*x") == Layer("r", Weight(0.5, A("x")))


def test_chains_are_one_node_and_parentheses_nest():
    assert parse_expr("a + b - c") == Bundle((A("a"), A("b"), A("c")), (1, 1, -1))
    assert parse_expr("a * b * c") == Bind((A("a"), A("b"), A("c")))
    assert parse_expr("a → b → c") == Flow((A("a"), A("b"), A("c")))
    assert parse_expr("(a + b) - c") == Bundle((Bundle((A("a"), A("b")), (1, 1)), A("c")), (1, -1))
    assert parse_expr("a * (b * c)") == Bind((A("a"), Bind((A("b"), A("c")))))
    assert parse_expr("a → (b → c)") == Flow((A("a"), Flow((A("b"), A("c")))))
    assert parse_expr("((a))") == A("a")

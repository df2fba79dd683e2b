"""The registry of definitions: lookups, order, expansion and every kind of problem."""

import pytest

from deltaform import FormulaError, Registry, parse_expr, parse_many
from deltaform.ast import Atom, Bundle, Definition, Schema

OUTLINE = """\
Δ12 = (вода + весна + неясность) = сцена про влечение и расцвет
schema сцена(объект, напряжение, переход)
Δ13 = сцена(вода, весна, неясность) = про влечение и расцвет
ΔF(x, y) = (действие: x → результат) + поле: y
Δ14 = ΔF(таяние, память)
⟁ = внутреннее восхождение через распад
Δ18 = (Δ12 + солнце) → ⟁
Δ19 = Δ12 * ~объект
Δmeta = ?x + боль → ?y память
"""


def registry(*texts: str) -> Registry:
    reg = Registry()
    for i, text in enumerate(texts):
        result = reg.add(text, filename=f"f{i}.df")
        assert result.errors == []
    return reg


def problems(reg: Registry) -> list[tuple[str, int, int, str]]:
    return [(e.file, e.line, e.column, e.expected) for e in reg.check()]


def test_the_outline_is_consistent():
    reg = registry(OUTLINE)
    assert reg.check() == []
    assert len(reg) == 8 and "Δ12" in reg and "@14" in reg and "Δ99" not in reg
    assert reg.definition("Δ12").scene == "сцена про влечение и расцвет"
    assert reg.definition("⟁") == Definition("⟁", Atom("внутреннее восхождение через распад"))
    assert reg.schema("Сцена") == Schema("сцена", ("объект", "напряжение", "переход"))
    assert reg.schema("нет") is None and reg.definition("Δ0") is None


def test_definitions_in_any_order_and_dependency_order():
    reg = registry("Δ3 = Δ2 + ⟁\nΔ2 = Δ1 * x\n⟁ = Δ1\nΔ1 = a\nΔ4 = b")
    assert reg.check() == []
    order = reg.order()
    assert sorted(order) == sorted(["Δ1", "Δ2", "Δ3", "⟁", "Δ4"])
    for before, after in [("Δ1", "Δ2"), ("Δ2", "Δ3"), ("⟁", "Δ3"), ("Δ1", "⟁")]:
        assert order.index(before) < order.index(after)


def test_definitions_across_files():
    reg = registry("Δ2 = Δ1 + b", "Δ1 = a")
    assert reg.check() == [] and reg.order() == ["Δ1", "Δ2"]


def test_unknown_reference_symbol_and_schema():
    reg = registry("Δ1 = Δ99 + ⟁ + сцена(a)")
    assert problems(reg) == [
        ("f0.df", 1, 6, "unknown reference Δ99: no statement defines it"),
        ("f0.df", 1, 12, "unknown symbol ⟁: no statement defines it"),
        ("f0.df", 1, 16, "unknown schema 'сцена': declare it first, as in schema сцена(объект, напряжение)"),
    ]
    reg.known("Δ99", "⟁")
    assert [p[2] for p in problems(reg)] == [16]


def test_anonymous_formulas_are_checked_too():
    reg = registry("Δ5 + a = сцена")
    assert problems(reg) == [("f0.df", 1, 1, "unknown reference Δ5: no statement defines it")]


def test_cycles():
    reg = registry("Δ1 = Δ2 + a\nΔ2 = Δ1\nΔ3 = Δ3\nΔ4 = Δ1\nΔ5 = x")
    assert problems(reg) == [
        ("f0.df", 1, 6, "Δ1 is defined in terms of itself: Δ1 → Δ2 → Δ1"),
        ("f0.df", 3, 6, "Δ3 is defined in terms of itself: Δ3 → Δ3"),
    ]
    assert reg.order() == ["Δ5"]  # Δ4 depends on the cycle


def test_cycle_through_a_glyph_and_a_parametric_formula():
    reg = registry("⟁ = ΔF(a)\nΔF(x) = x + ⟁")
    [e] = reg.check()
    assert e.expected == "⟁ is defined in terms of itself: ⟁ → ΔF → ⟁"
    assert reg.expand("ΔF(b)") == parse_expr("b + ⟁")  # a glyph stays a reference
    reg = registry("ΔF(x) = ΔG(x, x)\nΔG(x, y) = ΔF(y) + x")
    assert [e.expected for e in reg.check()] == ["ΔF is defined in terms of itself: ΔF → ΔG → ΔF"]
    with pytest.raises(FormulaError, match="ΔF is defined in terms of itself") as info:
        reg.expand("ΔF(b)")
    assert info.value.line == 2 and info.value.column == 12


def test_arity():
    reg = registry(OUTLINE, "Δ30 = ΔF(a) + Δ12(x) + ΔF + сцена(a, b)")
    assert problems(reg) == [
        ("f1.df", 1, 7, "ΔF takes 2 arguments (x, y), but 1 is given"),
        ("f1.df", 1, 15, "Δ12 takes no arguments (it is not a parametric formula), but 1 is given"),
        ("f1.df", 1, 24, "ΔF takes 2 arguments (x, y); write ΔF(…)"),
        ("f1.df", 1, 29, "the schema сцена has 3 roles (объект, напряжение, переход), but 2 arguments are given"),
    ]


def test_redefinition():
    reg = registry("Δ1 = a\nschema s(a)", "Δ1 = b\nschema S(b)")
    assert problems(reg) == [
        ("f1.df", 1, 1, "Δ1 is already defined at f0.df:1"),
        ("f1.df", 2, 8, "the schema S is already declared at f0.df:2"),
    ]
    assert reg.definition("Δ1").expr == Atom("a")  # the first one stays


def test_variables_where_they_do_not_belong():
    reg = registry(OUTLINE, "Δ32 = Δmeta + a\nΔ33 = Δmeta + ?z\nΔG(x) = ?x + x")
    assert problems(reg) == [
        ("f1.df", 1, 7, "Δmeta is a pattern (it contains variables); only a pattern may refer to it"),
        ("f1.df", 3, 9, "?x is a variable, but x is a parameter of ΔG; write it without '?'"),
    ]


def test_expansion_substitutes_arguments():
    reg = registry(OUTLINE, "ΔH(a) = ΔF(a, \"a\") * 2*a + a b")
    assert reg.check() == []
    assert reg.expand("ΔF(таяние, память)") == parse_expr("(действие: таяние → результат) + поле: память")
    assert reg.body("Δ14") == parse_expr("(действие: таяние → результат) + поле: память")
    # a parameter is replaced where it is a whole unquoted atom, and arguments keep their grouping
    assert reg.expand("ΔH(Δ12 + вода)") == parse_expr(
        '((действие: (Δ12 + вода) → результат) + поле: "a") * 2*(Δ12 + вода) + a b')
    # plain references stay references
    assert reg.expand("Δ12 + ΔF(a, b)") == Bundle((parse_expr("Δ12"), reg.expand("ΔF(a, b)")), (1, 1))
    # case-folded parameter names: ΔK(Вода) binds 'вода'
    reg.add("ΔK(Вода) = вода + x")
    assert reg.expand("ΔK(y)") == parse_expr("y + x")


def test_expansion_errors_are_positioned():
    reg = registry(OUTLINE)
    for text, column, message in [
        ("a + ΔF(a)", 5, "ΔF takes 2 arguments, but 1 is given"),
        ("Δ99(a)", 1, "unknown reference Δ99"),
        ("a * Δ12(x)", 5, "Δ12 takes no arguments, but 1 is given"),
        ("ΔF", 1, "ΔF takes 2 arguments, but 0 are given"),
    ]:
        with pytest.raises(FormulaError) as info:
            reg.expand(text)
        assert info.value.column == column and info.value.expected.startswith(message)


def test_expansion_size_is_bounded():
    lines = ["ΔA0(x) = x + y"] + [f"ΔA{i}(x) = ΔA{i - 1}(x) * ΔA{i - 1}(x)" for i in range(1, 40)]
    reg = registry("\n".join(lines))
    assert reg.check() == []
    assert reg.expand("ΔA3(z)") == reg.expand("ΔA3(z)")
    with pytest.raises(FormulaError, match="more than 1000 nodes"):
        reg.expand("ΔA39(z)", max_nodes=1000)


def test_add_statements_and_parse_results():
    reg = Registry()
    reg.add(Definition("Δ1", Atom("a")))
    reg.add([Definition("Δ2", parse_expr("Δ1 + b")), Schema("s", ("r",))])
    result = reg.add(parse_many("Δ3 = s(Δ2)\nbad +"))
    assert len(result.errors) == 1 and reg.check() == [] and reg.order() == ["Δ1", "Δ2", "Δ3"]


def test_long_chains_do_not_recurse():
    n = 20_000
    text = "\n".join(f"Δ{i} = Δ{i + 1} + a" for i in range(n)) + f"\nΔ{n} = b"
    reg = registry(text)
    assert reg.check() == []
    order = reg.order()
    assert order[0] == f"Δ{n}" and order[-1] == "Δ0"
    reg.add(f"Δ{n + 1} = Δ0\nΔ{n} = Δ{n + 1}")  # a redefinition, ignored for lookups
    assert len(reg.check()) == 1


def test_the_built_in_corpus_is_consistent():
    from importlib import resources
    from pathlib import Path

    files = sorted(Path(str(resources.files("deltaform") / "data")).glob("*.df"))
    if not files:
        pytest.skip("this install has no built-in corpus")
    reg = Registry()
    for path in files:
        assert reg.add_file(path).errors == []
    assert [str(e) for e in reg.check()] == []
    assert len(reg.order()) == len(reg)

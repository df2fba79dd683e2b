"""Near neighbours of atoms in render: beside the atom, never in its place, grammatical, filtered, deterministic;
and measured on the formula corpus with the real groundings (navec, WordLlama)."""

import functools
import re

import numpy as np
import pytest

from deltaform.grounding import Embeddings
from deltaform.text import morph_ru as M
from deltaform.text import quality as Q
from deltaform.text import render
from deltaform.text.scene import concepts, flows
from deltaform.text.neighbours import Neighbours, _variant

from text_helpers import formulas, renderings


def near(table):
    return lambda atom: table.get(atom, [])


def test_without_neighbours_render_is_unchanged():
    for f, lang in (("образ: вода + эмоция: боль", "ru"), ("water → ice", "en")):
        base = render(f, lang, n=5, seed=4)
        assert render(f, lang, n=5, seed=4, neighbours=None) == base
        assert render(f, lang, n=5, seed=4, neighbours=False) == base


def test_neighbour_stands_beside_the_atom_and_is_deterministic():
    nb = near({"вода": ["река"]})
    got = [p for s in range(4) for p in render("образ: вода + эмоция: боль", "ru", n=5, seed=s, neighbours=nb)]
    assert got == [p for s in range(4) for p in render("образ: вода + эмоция: боль", "ru", n=5, seed=s, neighbours=nb)]
    with_river = [p for p in got if re.search(r"\bрек[аиуео]", p)]
    assert 0 < len(with_river) < len(got)           # some phrasings, not all
    for p in got:
        assert re.search(r"\bвод[аыеуо]", p), p      # the atom itself is always there
        assert any(Q.matches("вода", c.name, "ru") for c in concepts(p, "ru")), p    # and extraction reads it


def test_russian_comparison_agrees_with_its_noun():
    nb = near({"вода": ["река"], "камни": ["скалы"], "огонь": ["пламя"]})
    seen = 0
    for f in ("вода + огонь", "образ: камни + эмоция: тревога", "огонь → вода", "вода"):
        for s in range(8):
            for p in render(f, "ru", n=5, seed=s, neighbours=nb):
                assert not Q.agreement_errors(p), p
                for noun, adj in re.findall(r"(\w+), (похож\w+) на", p):
                    seen += 1
                    assert any(M.agree(a, n) for a in M.parses(adj) for n in M.parses(noun)
                               if n.tag.POS == "NOUN"), p
    assert seen > 0


def test_english_neighbour_takes_its_article():
    got = " ".join(p for s in range(6)
                   for p in render("water + stone", "en", n=5, seed=s, neighbours=near({"water": ["river"], "stone": ["snow"]})))
    assert re.search(r"\b(like|almost|nearly|something like) a river\b", got)
    assert re.search(r"\b(like|almost|nearly|something like) snow\b", got)
    assert not re.search(r"\ba snow\b", got)


def test_atoms_of_the_formula_are_never_neighbours():
    got = [p for s in range(6) for p in render("вода + боль", "ru", n=5, seed=s, neighbours=near({"вода": ["боль"]}))]
    assert not any(re.search(r"(почти|словно|похож\w+ на|или даже) бол", p) for p in got)


def test_variants_are_not_neighbours():
    assert _variant("вода", "водица", "ru") and _variant("река", "речка", "ru") and _variant("вода", "воды", "ru")
    assert _variant("river", "rivers", "en") and _variant("snow", "snowy", "en")
    assert not _variant("вода", "река", "ru") and not _variant("water", "lake", "en")


def test_neighbour_filters_on_a_small_table():
    rng = np.random.default_rng(5)
    words = ["вода", "река", "озеро", "воды", "водный", "москва", "налог", "и"]
    fillers = "стол книга окно город утро письмо дерево голос лицо рука сад поле дверь стена небо".split()
    base = {w: np.eye(40)[i + 10] for i, w in enumerate(fillers)}
    water = np.eye(40)[0]
    table = {"вода": water, "река": water + 0.5 * np.eye(40)[1], "озеро": water + 0.8 * np.eye(40)[2],
             "воды": water, "водный": water, "москва": water, "налог": np.eye(40)[3], "и": water, **base}
    nb = Neighbours(Embeddings.from_dict(table, lang="ru"), "ru", threshold=0.5, k=2)
    assert nb.of("вода") == ("река", "озеро")      # not its own form, an adjective, a name, a stop word
    assert nb.of("налог") == ()                    # nothing close enough
    assert nb.of("плавная память") == ()           # only one-word nouns get neighbours
    assert words  # the table holds each kind the filters must drop


def test_a_russian_neighbour_has_the_atoms_animacy():
    bird = np.eye(40)[0]
    table = {"птица": bird, "продукция": bird + 0.3 * np.eye(40)[1], "курица": bird + 0.6 * np.eye(40)[2],
             **{w: np.eye(40)[i + 10] for i, w in enumerate("стол книга окно город утро письмо дерево".split())}}
    nb = Neighbours(Embeddings.from_dict(table, lang="ru"), "ru", threshold=0.5, k=2)
    # продукция is nearer, but inanimate: the living bird keeps only the living neighbour
    assert nb.of("птица") == ("курица",)


def test_a_grounded_space_gives_its_neighbours():
    from deltaform import Space
    from deltaform.grounding import Grounding
    water = np.eye(40)[0]
    table = {"вода": water, "река": water + 0.5 * np.eye(40)[1],
             **{w: np.eye(40)[i + 10] for i, w in enumerate("стол книга окно город утро письмо дерево".split())}}
    space = Space(256, grounding=Grounding(Embeddings.from_dict(table, lang="ru"), weight=0.5))
    got = [p for s in range(6) for p in render("вода + стол", "ru", n=5, seed=s, neighbours=space)]
    assert any(re.search(r"\bрек[аиуео]", p) for p in got)
    with pytest.raises(ValueError, match="not grounded"):
        render("вода", "ru", neighbours=Space(256))


# ---- measured with the real groundings ---------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def near_renderings():
    return [(e, render(e["formula"], e["lang"], n=5, seed=7, neighbours=True)) for e in formulas()]


def test_real_neighbours_keep_the_measured_quality():
    base = dict((e["text"] + e["lang"], set(p)) for e, p in renderings())
    hits = total = changed = n = 0
    jac_near, jac_base = [], []
    for (e, ph), (_, ph0) in zip(near_renderings(), renderings()):
        assert len(ph) == 5 and len(set(ph)) == 5, e["text"]
        jac_near.append(Q.mean_pairwise_jaccard(ph))
        jac_base.append(Q.mean_pairwise_jaccard(ph0))
        atoms = Q.atoms_of(e["formula"])
        for text in ph:
            n += 1
            changed += text not in base[e["text"] + e["lang"]]
            found = [c.name for c in concepts(text, e["lang"])]
            hits += sum(any(Q.matches(a, f, e["lang"]) for f in found) for a in atoms)
            total += len(atoms)
            if e["lang"] == "ru":
                assert not Q.agreement_errors(text), text
    assert hits / total >= 0.9, f"round trip with neighbours {hits / total:.3f}"
    assert sum(jac_near) / len(jac_near) <= 0.6
    assert sum(jac_near) <= sum(jac_base)            # neighbours add variety, never take it away
    assert changed / n >= 0.15, f"only {changed}/{n} phrasings bring a neighbour"


def test_real_neighbours_keep_the_flow_round_trip():
    good = total = 0
    for e, ph in near_renderings():
        gold = Q.flows_of(e["formula"])
        if not gold:
            continue
        for text in ph:
            a, b, _, _ = Q.flow_hits(gold, flows(text, e["lang"]), e["lang"])
            good, total = good + (a == b), total + 1
    assert good / total >= 0.85, f"flow round trip with neighbours {good / total:.3f}"


def test_cli_render_with_neighbours():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "deltaform.cli", "render", "image: water + emotion: fear", "--lang", "en",
                          "-n", "5", "--seed", "1", "--neighbours"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 5 and all("water" in line.lower() for line in lines)
    assert any(re.search(r", (like|nearly|almost|something like) ", line) for line in lines), lines

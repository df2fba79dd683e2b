"""Pictures: fonts for glyphs (including fonts installed after matplotlib's cache) and big graphs kept readable."""

from __future__ import annotations

import os
import re

import pytest

pytest.importorskip("matplotlib")

from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

from deltaform.thinking import draw  # noqa: E402
from deltaform.thinking.graph import Graph, Node  # noqa: E402

ARC = "\u2312"          # in STIX General (shipped with matplotlib), not in DejaVu Sans
AIR = "\U0001F701"      # an alchemical symbol: Noto Sans Symbols has it, when installed


def _svg_fonts(path) -> set[str]:
    """Fonts whose glyphs an SVG drawn by matplotlib embeds (glyph ids are ``<PostScript name>-<code>``),
    without the style (``STIXGeneral-Regular`` → ``STIXGeneral``)."""
    text = open(path, encoding="utf-8").read()
    return {name.split("-")[0] for name in re.findall(r'<path id="([A-Za-z][A-Za-z-]*?)-[0-9a-f]+"', text)}


def _symbol_graph(glyph: str) -> Graph:
    g = Graph()
    g.nodes[glyph] = Node(glyph, "symbol", glyph, f"{glyph} = Δ1 = вода")
    g.nodes["Δ1"] = Node("Δ1", "formula", "Δ1", "Δ1 = вода + весна")
    return g


@pytest.fixture
def fresh_fonts():
    """Forget what the font lookups learnt, before and after (the test changes which fonts are known)."""
    draw._family_with.cache_clear()
    draw._add_system_fonts.cache_clear()
    yield
    draw._family_with.cache_clear()
    draw._add_system_fonts.cache_clear()


def test_a_font_installed_after_the_cache_was_built_is_used(fresh_fonts, monkeypatch, tmp_path):
    import matplotlib
    stix = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "STIXGeneral.ttf")
    assert ord(ARC) in FT2Font(stix).get_charmap()
    # A stale cache that knows DejaVu Sans only, and a system with STIX General (family STIXGeneral) on it.
    stale = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", list(stale))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [stix])
    families, missing = draw._fonts_for([f"{ARC} вода"])
    assert families == ["DejaVu Sans", "STIXGeneral"] and missing == {}
    draw.draw_graph(_symbol_graph(ARC), str(tmp_path / "g.svg"), engine="matplotlib")
    assert _svg_fonts(tmp_path / "g.svg") == {"DejaVuSans", "STIXGeneral"}
    assert draw._add_system_fonts() == 1                  # registered once, not again per picture


def test_without_such_a_font_the_glyph_is_written_as_its_code(fresh_fonts, monkeypatch):
    stale = [f for f in font_manager.fontManager.ttflist if f.name == "DejaVu Sans"]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", list(stale))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    families, missing = draw._fonts_for([f"{ARC} вода"])
    assert families == ["DejaVu Sans"] and missing == {ARC: "U+2312"}
    assert draw._readable(f"{ARC} вода", missing) == "U+2312 вода"


def test_alchemical_glyphs_use_a_system_font_when_one_has_them(fresh_fonts, tmp_path):
    # Whether this system has such a font is read here straight from the font files.
    having = []
    for path in sorted(font_manager.findSystemFonts()):
        try:
            if ord(AIR) in FT2Font(path).get_charmap():
                having.append(path)
        except Exception:
            continue
    families, missing = draw._fonts_for([f"{AIR} воздух"])
    if having:
        assert missing == {} and len(families) == 2
        chosen = [f.fname for f in font_manager.fontManager.ttflist if f.name == families[1]]
        assert any(ord(AIR) in FT2Font(p).get_charmap() for p in chosen)
        draw.draw_graph(_symbol_graph(AIR), str(tmp_path / "g.svg"), engine="matplotlib")
        assert len(_svg_fonts(tmp_path / "g.svg")) == 2          # DejaVu Sans and the symbol font
    else:
        assert missing == {AIR: "U+1F701"} and families == ["DejaVu Sans"]


# ---------------------------------------------------------------- overview of a big graph
def _small_world() -> Graph:
    """A symbol holding Δ1 and Δ2, three other formulas, four atoms (see the expected overviews below)."""
    from deltaform.thinking.graph import Edge
    g = Graph()
    g.nodes["S"] = Node("S", "symbol", "S", "S = Δ1 + Δ2 = вода, свет")
    for a in ("Δ1", "Δ2", "Δ3", "Δ4", "Δ5"):
        g.nodes[a] = Node(a, "formula", a, f"{a} = …")
    for atom in ("вода", "свет", "огонь", "лёд"):
        g.nodes["a:" + atom] = Node("a:" + atom, "atom", atom, atom)
    g.edges = [Edge("S", "Δ1", "member"), Edge("S", "Δ2", "member"),
               Edge("Δ1", "a:вода", "atom"), Edge("Δ2", "a:вода", "atom"), Edge("Δ2", "a:свет", "atom"),
               Edge("Δ3", "a:вода", "atom"), Edge("Δ3", "a:огонь", "atom"), Edge("Δ4", "a:огонь", "atom"),
               Edge("Δ5", "a:лёд", "atom"), Edge("Δ4", "Δ1", "ref"), Edge("Δ3", "Δ4", "shared", 1.0)]
    return g


def _edges(g: Graph) -> set:
    return {(e.source, e.target, e.kind, e.weight) for e in g.edges}


def test_overview_folds_members_keeps_shared_atoms_and_counts_the_rest():
    from deltaform.thinking.overview import overview
    g = _small_world()
    assert overview(g, max_nodes=10) is g                      # small enough: drawn as it is
    o = overview(g, max_nodes=6)
    # Δ1, Δ2 fold into S; Δ5 links to nothing shared; свет (S only) and лёд (Δ5 only) are not shared
    assert list(o.nodes) == ["S", "Δ3", "Δ4", "a:вода", "a:огонь"]
    assert o.nodes["S"].text == "S = 2: вода, свет"
    assert _edges(o) == {("S", "a:вода", "atom", 2.0), ("Δ3", "a:вода", "atom", 1.0), ("Δ3", "a:огонь", "atom", 1.0),
                         ("Δ4", "a:огонь", "atom", 1.0), ("Δ4", "S", "ref", 1.0), ("Δ3", "Δ4", "shared", 1.0)}
    assert o.note.startswith("overview: 2 formulas folded into their symbols; 1 more formulas; 2 more atoms")
    # room for one atom: of the two shared by two nodes, the first in graph order
    assert list(overview(g, max_nodes=4).nodes) == ["S", "Δ3", "Δ4", "a:вода"]
    # one atom per node: S keeps вода (two of its formulas), Δ3 вода (graph order), Δ4 огонь — then held by one
    o = overview(g, max_nodes=6, atoms_per_node=1)
    assert list(o.nodes) == ["S", "Δ3", "Δ4", "a:вода"]
    assert _edges(o) == {("S", "a:вода", "atom", 2.0), ("Δ3", "a:вода", "atom", 1.0), ("Δ4", "S", "ref", 1.0),
                         ("Δ3", "Δ4", "shared", 1.0)}
    with pytest.raises(ValueError, match="max_nodes"):
        overview(g, max_nodes=0)


def test_a_big_graph_is_drawn_as_its_overview(monkeypatch, tmp_path):
    from deltaform.thinking.graph import Edge
    g = Graph()
    for i in range(300):                      # a chain of 300 formulas, each with its own atom and a shared one
        g.nodes[f"Δ{i}"] = Node(f"Δ{i}", "formula", f"Δ{i}", f"Δ{i} = а{i} + общее{i // 10}")
    for i in range(300):
        for atom in (f"а{i}", f"общее{i // 10}"):
            g.nodes.setdefault("a:" + atom, Node("a:" + atom, "atom", atom, atom))
            g.edges.append(Edge(f"Δ{i}", "a:" + atom, "atom"))
        if i:
            g.edges.append(Edge(f"Δ{i}", f"Δ{i - 1}", "ref"))
    drawn = []
    monkeypatch.setattr(draw, "_draw_matplotlib", lambda graph, path, labels: drawn.append(graph) or path)
    draw.draw_graph(g, str(tmp_path / "g.png"), engine="matplotlib", max_nodes=60)
    (o,) = drawn
    assert len(o.nodes) <= 60 and "more formulas" in o.note and "more atoms" in o.note
    assert all(n.kind == "formula" or n.label.startswith("общее") for n in o.nodes.values())
    draw.draw_graph(g, str(tmp_path / "g.png"), engine="matplotlib", max_nodes=0)       # 0: everything
    assert drawn[1] is g


def test_a_symbol_left_without_links_stays_in_the_whole_picture_not_around_a_centre():
    from deltaform.thinking.graph import Edge
    from deltaform.thinking.overview import overview
    g = _small_world()
    g.nodes["T"] = Node("T", "symbol", "T", "T = Δ5 = лёд")
    g.edges.append(Edge("T", "Δ5", "member"))       # Δ5 folds into T, whose only atom (лёд) is its own
    assert list(overview(g, max_nodes=6).nodes) == ["S", "T", "Δ3", "Δ4", "a:вода", "a:огонь"]
    g.center = "Δ3"
    o = overview(g, max_nodes=6)
    assert list(o.nodes) == ["Δ3", "S", "Δ4", "a:вода", "a:огонь"] and o.note.startswith("overview: 1 more symbols")


def test_a_tree_with_many_children_folds_the_rest_into_one_leaf(tmp_path):
    from deltaform.thinking.draw import _tree, fold_children, tree_layout
    from deltaform.formula import parse
    members = " + ".join(f"Δ{i}" for i in range(1, 44))       # a symbol bound to 43 members
    tree = fold_children(_tree(parse(f"⟁ = {members}")), 12)
    nodes = tree_layout(tree)
    leaves = [label for label, *_ in nodes if label.startswith("Δ") or label.startswith("…")]
    assert leaves == [f"Δ{i}" for i in range(1, 12)] + ["… 32 more"]
    # the picture keeps a readable width: 12 leaves, not 43
    fig = draw.draw_tree(f"⟁ = {members}")
    assert fig.get_size_inches()[0] < 30
    full = draw.draw_tree(f"⟁ = {members}", max_children=0)
    assert full.get_size_inches()[0] > 2.5 * fig.get_size_inches()[0]

"""condense (clusters → symbols), graph (exports and pictures), show_tree, and their commands."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

import deltaform as df
from deltaform.cli import app
from deltaform.thinking import ALCHEMICAL, Graph, condense, graph
from deltaform.thinking.condense import agglomerate, kmeans, unit_rows

# Three groups of formulas that share most of their atoms inside a group and none across.
GROUPS = {
    "water": ["Δ1 = вода + весна + река", "Δ2 = вода + весна + дождь", "Δ3 = вода + река + дождь",
              "Δ4 = весна + река + дождь"],
    "fire": ["Δ5 = огонь + жар + искра", "Δ6 = огонь + жар + пепел", "Δ7 = огонь + искра + пепел"],
    "mind": ["Δ8 = мысль + память + сон", "Δ9 = мысль + память + тишина", "Δ10 = память + сон + тишина",
             "Δ11 = мысль + сон + тишина"],
}
EXPECTED = [{"Δ1", "Δ2", "Δ3", "Δ4"}, {"Δ8", "Δ9", "Δ10", "Δ11"}, {"Δ5", "Δ6", "Δ7"}]   # biggest first, then by row


@pytest.fixture(params=["fhrr", "bsc"])
def grouped(tmp_path, request):
    mem = df.Memory.create(tmp_path / "m", df.Space(dim=1024, algebra=request.param, seed=3))
    # A glyph the memory uses already: condense must not hand it out again.
    mem.add_many([ALCHEMICAL[0] + " = огонь + тишина"] + [f for group in GROUPS.values() for f in group])
    yield mem
    mem.close()


@pytest.mark.parametrize("how", [{"k": 3}, {"threshold": 0.4}])
def test_condense_finds_the_groups(grouped, how):
    result = condense(grouped, store=False, **how)
    assert [set(s.members) for s in result.symbols] == EXPECTED
    assert result.method == ("kmeans" if "k" in how else "agglomerative")
    assert result.formulas == 11 and not result.left_out and not result.stored
    glyphs = [s.glyph for s in result.symbols]
    assert glyphs == list(ALCHEMICAL[1:4])            # from the pool, in order, skipping the used one
    for s in result.symbols:
        assert 0.5 < s.cohesion <= 1.0
    water = result.symbols[0]
    assert set(water.atoms) <= {"вода", "весна", "река", "дождь"} and len(water.atoms) == 3
    assert water.formula == f"{water.glyph} = {' + '.join(water.members)} = {water.scene}"


def test_condense_stores_symbols_that_hold_their_members(grouped):
    result = condense(grouped, k=3)
    assert result.stored
    for s in result.symbols:
        e = grouped.get(s.glyph)
        assert e.kind == "symbol" and set(e.facts.refs) == set(s.members) and e.scene == s.scene
        sym = unit_rows(grouped.vector(s.glyph)[None], grouped.space.algebra)[0]
        rows = unit_rows(np.stack([grouped.vector(m) for m in s.members]), grouped.space.algebra)
        others = [a for other in result.symbols if other is not s for a in other.members]
        outside = unit_rows(np.stack([grouped.vector(m) for m in others]), grouped.space.algebra)
        assert (rows @ sym).min() > 0.4 > (outside @ sym).max()
    # Symbols are not clustered again, and the next run takes the next free glyphs.
    again = condense(grouped, k=3, store=False)
    assert [set(s.members) for s in again.symbols] == EXPECTED
    assert [s.glyph for s in again.symbols] == list(ALCHEMICAL[4:7])


def test_condense_errors(grouped):
    with pytest.raises(ValueError, match="not both"):
        condense(grouped, k=2, threshold=0.5, store=False)
    with pytest.raises(ValueError, match="pool has only 1 free"):
        condense(grouped, k=3, pool=ALCHEMICAL[:2], store=False)
    with pytest.raises(ValueError, match="not a glyph"):
        condense(grouped, k=3, pool=["x"], store=False)
    with pytest.raises(ValueError, match="k must be between 1 and"):
        condense(grouped, k=50, store=False)


def test_min_size_leaves_small_clusters_out(grouped):
    result = condense(grouped, threshold=0.4, min_size=4, store=False)
    assert [set(s.members) for s in result.symbols] == EXPECTED[:2]
    assert result.left_out == ["Δ5", "Δ6", "Δ7"]


def test_kmeans_and_agglomerate_are_deterministic():
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((4, 64))
    X = np.repeat(centres, 25, axis=0) + 0.3 * rng.standard_normal((100, 64))
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    a, b = kmeans(X, 4, seed=7), kmeans(X, 4, seed=7)
    assert np.array_equal(a, b)
    truth = np.repeat(np.arange(4), 25)
    # Same partition as the truth, whatever the label numbers.
    assert len({(int(x), int(y)) for x, y in zip(a, truth)}) == 4
    labels = agglomerate(X, 0.5)
    assert len({(int(x), int(y)) for x, y in zip(labels, truth)}) == 4 and labels.max() == 3


# ---------------------------------------------------------------- graph
SMALL = ["Δ1 = вода + весна + река", "Δ2 = вода + весна + дождь", "Δ3 = огонь + жар", "Δ4 = Δ1 + свет",
         "⟁ = Δ1 + Δ2 = вода, весна"]


@pytest.fixture
def small(tmp_path):
    mem = df.Memory.create(tmp_path / "g", df.Space(dim=256))
    mem.add_many(SMALL)
    yield mem
    mem.close()


def _kinds(items, key="kind"):
    out: dict[str, int] = {}
    for item in items:
        out[item[key]] = out.get(item[key], 0) + 1
    return out


def test_graph_of_the_whole_memory(small, tmp_path):
    g = graph(small)
    data = g.to_json()
    # 5 stored (4 formulas, 1 symbol) + 7 atoms: вода весна река дождь огонь жар свет
    assert _kinds(data["nodes"]) == {"formula": 4, "symbol": 1, "atom": 7}
    # atoms 3+3+2+1, Δ4→Δ1, ⟁→Δ1 and ⟁→Δ2, Δ1–Δ2 share вода and весна
    assert _kinds(data["edges"]) == {"atom": 9, "ref": 1, "member": 2, "shared": 1}
    shared = [e for e in data["edges"] if e["kind"] == "shared"]
    assert shared == [{"source": "Δ1", "target": "Δ2", "kind": "shared", "weight": 2.0}]
    assert {(e["source"], e["target"]) for e in data["edges"] if e["kind"] == "member"} == {("⟁", "Δ1"), ("⟁", "Δ2")}
    # the files: JSON and GraphML read back with the same counts, DOT names every node
    g.write(tmp_path / "g.json")
    back = Graph.from_json(json.loads((tmp_path / "g.json").read_text(encoding="utf-8")))
    assert back.to_json() == data
    g.write(tmp_path / "g.graphml")
    root = ET.parse(tmp_path / "g.graphml").getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = root.findall("g:graph/g:node", ns)
    edges = root.findall("g:graph/g:edge", ns)
    assert len(nodes) == 12 and len(edges) == 13
    assert {n.get("id") for n in nodes} == {n["id"] for n in data["nodes"]}
    kinds = [e.find("g:data[@key='ekind']", ns).text for e in edges]
    assert kinds.count("member") == 2
    g.write(tmp_path / "g.dot")
    dot = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph memory {") and dot.count(" -> ") == 13 and '"a:вода"' in dot
    with pytest.raises(ValueError, match="unknown graph format"):
        g.write(tmp_path / "g.txt")


def test_graph_around_an_address(small):
    g = graph(small, around="Δ3")
    assert set(g.nodes) == {"Δ3", "a:огонь", "a:жар"} and len(g.edges) == 2
    g = graph(small, around="@4", depth=1)
    assert set(g.nodes) == {"Δ4", "Δ1", "a:свет", "a:вода", "a:весна", "a:река"}
    assert _kinds(g.to_json()["edges"]) == {"ref": 1, "atom": 4}
    g = graph(small, around="Δ4", depth=2, atoms=False)
    assert set(g.nodes) == {"Δ4", "Δ1", "Δ2", "⟁"} and g.center == "Δ4"
    assert _kinds(g.to_json()["edges"]) == {"ref": 1, "member": 2, "shared": 1}
    assert len(graph(small, around="Δ4", depth=2, shared=None, atoms=False).nodes) == 3   # Δ2 only via ⟁
    with pytest.raises(df.memory.UnknownAddressError):
        graph(small, around="Δ99")


def test_to_networkx_matches(small):
    nx = pytest.importorskip("networkx")
    g = graph(small).to_networkx()
    assert isinstance(g, nx.MultiDiGraph) and g.number_of_nodes() == 12 and g.number_of_edges() == 13


def _is_png(path) -> bool:
    data = path.read_bytes()
    return len(data) > 2000 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_drawing(small, tmp_path):
    pytest.importorskip("matplotlib")
    from deltaform.thinking import show_tree
    g = graph(small)
    assert g.draw(tmp_path / "g.png", engine="matplotlib") == str(tmp_path / "g.png")
    assert _is_png(tmp_path / "g.png")
    g.draw(tmp_path / "g.svg", engine="matplotlib")
    assert "<svg" in (tmp_path / "g.svg").read_text(encoding="utf-8")[:2000]
    show_tree("Δ17 = 0.8*жар + 0.2*тишина - (образ: вода → ~боль) = пробуждение", tmp_path / "t.png")
    assert _is_png(tmp_path / "t.png")
    with pytest.raises(ValueError, match="a picture is one of"):
        show_tree("a + b", tmp_path / "t.txt")


def test_tree_layout_puts_parents_over_children():
    from deltaform.thinking.draw import _tree, tree_layout
    nodes = tree_layout(_tree(df.parse("Δ1 = (a + b) → c")))
    labels = [n[0] for n in nodes]
    assert labels == ["Δ1 =", "→", "+", "a", "b", "c"]
    x = {label: n[1] for label, n in zip(labels, nodes)}
    assert (x["a"], x["b"], x["c"]) == (0.0, 1.0, 2.0) and x["+"] == 0.5 and x["→"] == 1.25


# ---------------------------------------------------------------- commands
runner = CliRunner()


def test_commands(tmp_path):
    mem = tmp_path / "m"
    r = runner.invoke(app, ["add", str(mem), "--dim", "512"] + [f for g in GROUPS.values() for f in g])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["condense", str(mem), "-k", "3", "--dry-run", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [set(s["members"]) for s in out["symbols"]] == EXPECTED and not out["stored"]
    r = runner.invoke(app, ["condense", str(mem), "-k", "3"])
    assert r.exit_code == 0 and "3 symbols from 11 formulas (kmeans, stored)" in r.output
    r = runner.invoke(app, ["graph", str(mem), "--around", "Δ1", "--depth", "2", "-o", str(tmp_path / "g.json"),
                            "-o", str(tmp_path / "g.dot")])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    ids = {n["id"] for n in data["nodes"]}
    assert {"Δ1", "Δ2", "Δ3", "Δ4", ALCHEMICAL[0]} <= ids and "Δ5" not in ids
    r = runner.invoke(app, ["graph", str(mem), "--around", "Δ99", "-o", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "Δ99 is not in the memory" in r.output
    r = runner.invoke(app, ["condense", str(mem), "-k", "3", "--threshold", "0.3"])
    assert r.exit_code == 2 and "not both" in r.output
    r = runner.invoke(app, ["show-tree", "вода + + боль", "-o", str(tmp_path / "t.png")])
    assert r.exit_code == 2 and "expected" in r.output


def test_auto_engine_draws_with_what_is_installed(small, tmp_path):
    pytest.importorskip("matplotlib")
    graph(small, around="Δ1").draw(tmp_path / "auto.png")     # Graphviz when installed, else matplotlib
    assert _is_png(tmp_path / "auto.png")


def test_drawing_without_matplotlib_says_how_to_install(small, tmp_path, monkeypatch):
    import sys
    from deltaform.thinking.draw import need_matplotlib
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"deltaform\[pictures\]"):
        need_matplotlib()
    with pytest.raises(ImportError, match=r"deltaform\[pictures\]"):
        graph(small).draw(tmp_path / "g.png", engine="matplotlib")
    assert not (tmp_path / "g.png").exists()


def _link(e):
    """An edge as a comparable value; a shared link has no direction (the picture's order sets it)."""
    ends = frozenset((e.source, e.target)) if e.kind == "shared" else (e.source, e.target)
    return ends, e.kind, e.weight


def test_graph_around_reads_only_the_neighbourhood_and_agrees_with_the_whole(tmp_path, monkeypatch):
    mem = df.Memory.create(tmp_path / "n", df.Space(dim=256))
    mem.add_many(SMALL + ["Δ5 = вода + огонь + пар", "Δ6 = пар + жар + огонь", "Δ7 = Δ6 + туман",
                          "Δ8 = река + дождь + весна", "Δ9 = все + пар", "Δ10 = все + жар", "Δ11 = все + река"])
    mem.add("Δ3 = огонь + жар + пепел", replace=True)       # a replaced version stays in the postings
    for depth in (1, 2, 3):
        for max_posting in (2, 200):
            whole = graph(mem, max_posting=max_posting)
            adj: dict[str, set[str]] = {}
            for e in whole.edges:
                if e.kind != "atom":
                    adj.setdefault(e.source, set()).add(e.target)
                    adj.setdefault(e.target, set()).add(e.source)
            monkeypatch.setattr(type(mem), "entries", lambda self, *a: pytest.fail("read every entry"))
            for center in [n for n, v in whole.nodes.items() if v.kind != "atom"]:
                near, frontier = {center}, {center}
                for _ in range(depth):
                    frontier = {b for a in frontier for b in adj.get(a, ())} - near
                    near |= frontier
                part = graph(mem, around=center, depth=depth, max_posting=max_posting)
                assert {n for n, v in part.nodes.items() if v.kind != "atom"} == near, (center, depth)
                inside = {_link(e) for e in whole.edges if e.source in near and (e.target in near or e.kind == "atom")}
                assert {_link(e) for e in part.edges} == inside
            monkeypatch.undo()
    mem.close()

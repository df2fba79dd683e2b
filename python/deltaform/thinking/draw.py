"""Pictures of the memory graph and of a formula's tree.

Graphviz (``twopi``, else ``dot``) draws the graph when it is installed; otherwise (or with
``engine="matplotlib"``) matplotlib does, with a radial layout computed here:
the centre (or the symbols) in the middle, each ring one link further out,
every node placed near the nodes it hangs from, labels written along the radius
so that a ring of many nodes does not pile its labels up. Labels use a font
with Cyrillic (DejaVu Sans, which matplotlib ships) and, when one is installed,
a font that has the glyphs of symbols (such as Noto Sans Symbols for the
alchemical block; fonts installed after matplotlib built its font cache are
found too); a glyph no font has is written U+XXXX.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections import deque
from typing import TYPE_CHECKING, Any

import numpy as np

from deltaform.thinking.graph import PICTURES, display_label

if TYPE_CHECKING:
    from deltaform.thinking.graph import Graph

__all__ = ["draw_graph", "draw_tree", "radial_layout", "tree_layout", "need_matplotlib"]

_NODE_STYLE = {  # colour, marker size (points²)
    "symbol": ("#f2c14e", 900.0),
    "formula": ("#4c78a8", 90.0),
    "parametric": ("#8e6cc4", 90.0),
    "atom": ("#59a14f", 30.0),
}
_EDGE_STYLE = {  # colour, width, alpha
    "member": ("#c8961e", 1.2, 0.8),
    "ref": ("#333333", 1.0, 0.8),
    "atom": ("#8fbf7a", 0.6, 0.6),
    "shared": ("#e07070", 0.6, 0.45),
}


def need_matplotlib() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("drawing needs matplotlib: pip install 'deltaform[pictures]' "
                          "(or pip install matplotlib)") from e
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


# ---------------------------------------------------------------- fonts
def _font_files() -> list[tuple[str, str]]:
    """(family, file) of the fonts matplotlib knows: DejaVu Sans first, then symbol fonts, then by name."""
    from matplotlib import font_manager
    files = {(f.name, f.fname) for f in font_manager.fontManager.ttflist}
    return sorted(files, key=lambda nf: (nf[0] != "DejaVu Sans", "symbol" not in nf[0].lower(), nf))


@functools.lru_cache(maxsize=None)
def _add_system_fonts() -> int:
    """Register the system's fonts that matplotlib's font cache does not list; once per process.

    matplotlib builds its cache once, so a font installed later (say, Noto Sans
    Symbols for the alchemical glyphs) is unknown to it until the cache is
    rebuilt. Returns how many files were added.
    """
    from matplotlib import font_manager
    known = {f.fname for f in font_manager.fontManager.ttflist}
    added = 0
    for path in sorted(font_manager.findSystemFonts()):
        if path in known or not path.lower().endswith((".ttf", ".otf", ".ttc")):
            continue
        try:
            font_manager.fontManager.addfont(path)
            added += 1
        except Exception:       # an unreadable font file is just not a candidate
            continue
    return added


@functools.lru_cache(maxsize=4096)
def _family_with(char: str) -> str | None:
    """A font family (DejaVu Sans first) that has ``char``; None when no font has it.

    The fonts in matplotlib's cache are tried first; only when none has the
    character are the system's other fonts registered (once) and tried.
    """
    found = _first_with(char, _font_files())
    if found is None and _add_system_fonts():
        found = _first_with(char, _font_files())
    return found


def _first_with(char: str, files: list[tuple[str, str]]) -> str | None:
    for name, fname in files:
        if name.startswith("Last Resort"):      # draws every code point as a placeholder box
            continue
        try:
            if ord(char) in _charmap(fname):
                return name
        except Exception:       # an unreadable font file is just not a candidate
            continue
    return None


@functools.lru_cache(maxsize=None)
def _charmap(fname: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font
    return frozenset(FT2Font(fname).get_charmap())


def _fonts_for(labels: list[str]) -> tuple[list[str], dict[str, str]]:
    """(font families to use, replacements for characters no font has)."""
    families = ["DejaVu Sans"]
    missing: dict[str, str] = {}
    for ch in sorted({c for text in labels for c in text if ord(c) > 0x2000}):
        fam = _family_with(ch)
        if fam is None:
            missing[ch] = f"U+{ord(ch):04X}"
        elif fam not in families:
            families.append(fam)
    return families, missing


def _readable(text: str, missing: dict[str, str]) -> str:
    return "".join(missing.get(c, c) for c in text)


# ---------------------------------------------------------------- graph layout
def _undirected(graph: "Graph") -> dict[str, list[str]]:
    adj: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for e in graph.edges:
        if e.source in adj and e.target in adj and e.source != e.target:
            adj[e.source].append(e.target)
            adj[e.target].append(e.source)
    return adj


def radial_layout(graph: "Graph", *, step: float = 2.0, spacing: float = 0.24) -> dict[str, tuple[float, float]]:
    """Positions (in inches) on rings: ring k holds the nodes k links from the roots.

    Roots: the graph's centre, else its symbols, else one node per component (the
    one with most links). Each ring is ordered by the mean angle of the nodes one
    ring in that a node hangs from, and spread evenly; a ring's radius grows so
    that its nodes are at least ``spacing`` apart.
    """
    adj = _undirected(graph)
    order = list(graph.nodes)
    rank = {n: i for i, n in enumerate(order)}
    degree = {n: len(v) for n, v in adj.items()}
    if graph.center in adj:
        roots = [graph.center]
    else:
        roots = [n for n in order if graph.nodes[n].kind == "symbol"]
    ring: dict[str, int] = {}

    def bfs(starts: list[str]) -> None:
        queue = deque(starts)
        for s in starts:
            ring[s] = 0
        while queue:
            a = queue.popleft()
            for b in sorted(adj[a], key=rank.__getitem__):
                if b not in ring:
                    ring[b] = ring[a] + 1
                    queue.append(b)

    if roots:
        bfs(roots)
    for n in sorted(order, key=lambda n: (-degree[n], rank[n])):   # components not reached yet
        if n not in ring:
            roots.append(n)
            bfs([n])
    # Components without links to the roots also start at ring 0 (their own root).
    levels: dict[int, list[str]] = {}
    for n in order:
        levels.setdefault(ring[n], []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    angle: dict[str, float] = {}
    width = {n: spacing * (2.0 if graph.nodes[n].kind == "symbol" else 1.0) for n in order}
    radius_before = 0.0
    for k in sorted(levels):
        nodes = levels[k]
        if k == 0 and len(nodes) == 1:
            pos[nodes[0]] = (0.0, 0.0)       # the centre has no angle: ring 1 spreads all round
            continue
        desired = {n: _mean_angle([angle[p] for p in adj[n] if p in angle and ring[p] < k]) for n in nodes}
        if k == 0 or all(a is None for a in desired.values()):
            nodes = sorted(nodes, key=rank.__getitem__)
            desired = {n: None for n in nodes}
        else:
            nodes = sorted(nodes, key=lambda n: (desired[n] if desired[n] is not None else 0.0, rank[n]))
        total = sum(width[n] for n in nodes)
        radius = max(radius_before + step if (k or radius_before) else 0.0, total / math.tau, step * 0.6)
        for n, a in zip(nodes, _spread(nodes, desired, width, radius)):
            angle[n] = a
            pos[n] = (radius * math.cos(a), radius * math.sin(a))
        radius_before = radius
    return pos


def _mean_angle(angles: list[float]) -> float | None:
    if not angles:
        return None
    return math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles)) % math.tau


def _spread(nodes: list[str], desired: dict[str, float | None], width: dict[str, float],
            radius: float) -> list[float]:
    """Angles on a ring of ``radius``: each node as near its desired angle as the gaps allow.

    Nodes come sorted by desired angle; neighbours keep at least half their widths
    apart. When the ring is (nearly) full, or nothing is desired, they are spread evenly.
    """
    n = len(nodes)
    gaps = [(width[nodes[i]] + width[nodes[(i + 1) % n]]) / 2 / radius for i in range(n)]
    even = []
    acc = 0.0
    scale = math.tau / sum(gaps)
    for g in gaps:
        even.append(acc)
        acc += g * scale
    if n == 1 or sum(gaps) > 0.8 * math.tau or any(desired[x] is None for x in nodes):
        start = desired[nodes[0]] or 0.0
        return [(start + a) % math.tau for a in even]
    want = [desired[x] for x in nodes]
    a = list(want)
    for _ in range(4):
        for i in range(1, n):                         # push apart forwards
            a[i] = max(a[i], a[i - 1] + gaps[i - 1])
        shift = sum(x - w for x, w in zip(a, want)) / n
        a = [x - shift for x in a]                    # and centre the displacement
        for i in range(n - 2, -1, -1):                # and backwards
            a[i] = min(a[i], a[i + 1] - gaps[i])
    if a[-1] + gaps[-1] - a[0] > math.tau + 1e-9:     # wrapped onto itself: spread evenly
        return [(want[0] + x) % math.tau for x in even]
    return [x % math.tau for x in a]


def _label_choice(graph: "Graph", limit: int) -> set[str]:
    """Which nodes get a label: all when few; else symbols, the centre, then the best linked."""
    if len(graph.nodes) <= limit:
        return set(graph.nodes)
    adj = _undirected(graph)
    first = [n for n, v in graph.nodes.items() if v.kind == "symbol" or n == graph.center]
    rest = sorted((n for n in graph.nodes if n not in first), key=lambda n: -len(adj[n]))
    return set(first[:limit]) | set(rest[:max(0, limit - len(first))])


def _draw_matplotlib(graph: "Graph", path: str, labels: int) -> str:
    plt = need_matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D
    pos = radial_layout(graph)
    labelled = _label_choice(graph, labels)
    texts = {n: display_label(graph.nodes[n]) for n in labelled}
    families, missing = _fonts_for(list(texts.values()))
    xs = np.array([p[0] for p in pos.values()]) if pos else np.zeros(1)
    ys = np.array([p[1] for p in pos.values()]) if pos else np.zeros(1)
    margin = 2.2                                  # room for the labels of the outer ring
    width = float(xs.max() - xs.min()) + 2 * margin
    height = float(ys.max() - ys.min()) + 2 * margin + 0.6
    scale = min(1.0, 60.0 / max(width, height))   # keep very large graphs within 60 inches
    fig = plt.figure(figsize=(max(6.0, width * scale), max(5.0, height * scale)))
    ax = fig.add_axes((0, 0, 1, 0.96 if height * scale > 5 else 0.92))
    ax.set_axis_off()
    ax.set_xlim(xs.min() - margin, xs.max() + margin)
    ax.set_ylim(ys.min() - margin, ys.max() + margin)
    ax.set_aspect("equal")
    for kind, (colour, lw, alpha) in _EDGE_STYLE.items():
        links = [e for e in graph.edges if e.kind == kind and e.source != e.target]
        segs = [(pos[e.source], pos[e.target]) for e in links]
        # a merged link (an overview's) is as much wider as it counts links, on a log scale
        widths = [lw * scale * (1.0 + math.log2(max(e.weight, 1.0)) if kind != "shared" else lw * scale)
                  for e in links]
        if segs:
            ax.add_collection(LineCollection(segs, colors=colour, linewidths=widths, alpha=alpha,
                                             linestyles="dashed" if kind == "shared" else "solid", zorder=1))
    for kind, (colour, size) in _NODE_STYLE.items():
        ids = [n for n, v in graph.nodes.items() if v.kind == kind]
        if ids:
            ax.scatter([pos[n][0] for n in ids], [pos[n][1] for n in ids], s=size * scale * scale, c=colour,
                       edgecolors="white", linewidths=0.5, zorder=3 if kind != "atom" else 2)
    font = {"family": families, "fontsize": max(5.0, 8.0 * scale)}
    for n in labelled:
        x, y = pos[n]
        text = _readable(texts[n], missing)
        node = graph.nodes[n]
        if node.kind == "symbol":      # the glyph inside its circle, the scene beside it
            glyph = _readable(node.label, missing)
            ax.text(x, y, glyph, ha="center", va="center", zorder=5,
                    **{**font, "fontsize": max(5.0, (15.0 if len(glyph) == 1 else 6.0) * scale)})
            text = text[len(glyph):].strip() if text.startswith(glyph) else text
            if not text:
                continue
        r = math.hypot(x, y)
        if r < 1e-9:
            ax.text(x, y + 0.25, text, ha="center", va="bottom", zorder=4, **font,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="#999999", lw=0.5))
            continue
        deg = math.degrees(math.atan2(y, x))
        offset = 0.26 if node.kind == "symbol" else 0.14
        tx, ty = x + offset * x / r, y + offset * y / r
        if 90 < deg % 360 < 270:
            ax.text(tx, ty, text, rotation=deg + 180, ha="right", va="center", rotation_mode="anchor",
                    zorder=4, **font)
        else:
            ax.text(tx, ty, text, rotation=deg, ha="left", va="center", rotation_mode="anchor", zorder=4, **font)
    handles = [Line2D([], [], marker="o", ls="", color=_NODE_STYLE[k][0], label=k)
               for k in _NODE_STYLE if any(v.kind == k for v in graph.nodes.values())]
    handles += [Line2D([], [], color=_EDGE_STYLE[k][0], ls="--" if k == "shared" else "-", label=f"{k} link")
                for k in _EDGE_STYLE if any(e.kind == k for e in graph.edges)]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, prop={"family": families})
    title = f"{len(graph.nodes)} nodes, {len(graph.edges)} links"
    if graph.center:
        title = f"around {graph.center}: " + title
    if len(labelled) < len(graph.nodes):
        title += f" ({len(labelled)} labelled)"
    if graph.note:
        title += "\n" + graph.note
    fig.suptitle(_readable(title, missing), fontsize=10, family=families)
    fig.savefig(path, dpi=110 if path.lower().endswith(".png") else 72)
    plt.close(fig)
    return path


def _draw_graphviz(graph: "Graph", path: str) -> bool:
    # twopi draws rings around a root, like the matplotlib layout; dot (layers) when it is missing.
    program = shutil.which("twopi") or shutil.which("dot")
    if program is None:
        return False
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    options = []
    if os.path.basename(program).startswith("twopi"):
        options.append("-Granksep=2")
        root = graph.center or next((n for n, v in graph.nodes.items() if v.kind == "symbol"), None)
        if root is not None:
            options.append(f"-Groot={root}")
    with tempfile.NamedTemporaryFile("w", suffix=".dot", encoding="utf-8", delete=False) as f:
        f.write(graph.to_dot())
        source = f.name
    try:
        done = subprocess.run([program, *options, f"-T{fmt}", "-o", path, source], capture_output=True, timeout=300)
        return done.returncode == 0 and os.path.getsize(path) > 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        os.unlink(source)


def draw_graph(graph: "Graph", path: str, *, engine: str = "auto", labels: int = 100,
               max_nodes: int | None = None) -> str:
    """Draw ``graph`` to ``path`` (.svg, .png or .pdf); returns the path.

    More than ``max_nodes`` nodes (default ``overview.MAX_NODES``; 0: no limit):
    the picture is of the graph's overview (members folded into symbols, shared
    atoms only, the best linked formulas), with a note of what it left out.
    """
    ext = os.path.splitext(path)[1].lower()
    if ext not in PICTURES:
        raise ValueError(f"{path}: a picture is one of {', '.join(PICTURES)}")
    if engine not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"engine is auto, graphviz or matplotlib, got {engine!r}")
    if max_nodes is None or max_nodes > 0:
        from deltaform.thinking.overview import MAX_NODES, overview
        graph = overview(graph, MAX_NODES if max_nodes is None else max_nodes)
    if engine in ("auto", "graphviz") and _draw_graphviz(graph, path):
        return path
    if engine == "graphviz":
        raise RuntimeError("Graphviz `dot` is not installed or failed; install graphviz or use engine='matplotlib'")
    return _draw_matplotlib(graph, path, labels)


# ---------------------------------------------------------------- formula trees
def _tree(node: Any, prefix: str = "") -> tuple[str, list]:
    """(label, children) of a syntax tree node, for drawing."""
    from deltaform import ast
    t = type(node)
    if t is ast.Definition:
        head = node.target + (f"({', '.join(node.params)})" if node.params else "")
        return prefix + head + " =", [_tree(node.expr)]
    if t is ast.Anonymous:
        return _tree(node.expr, prefix)
    if t is ast.Schema:
        return prefix + f"schema {node.name}", [(r, []) for r in node.roles]
    if t is ast.Bundle:
        return prefix + "+", [_tree(term, "− " if s < 0 else "") for term, s in zip(node.terms, node.signs)]
    if t is ast.Bind:
        return prefix + "∗", [_tree(f) for f in node.factors]
    if t is ast.Flow:
        return prefix + "→", [_tree(s) for s in node.steps]
    if t is ast.Weight:
        return prefix + f"×{ast.to_text(ast.Weight(node.weight, ast.Atom('x')))[:-2]}", [_tree(node.expr)]
    if t is ast.Inverse:
        return prefix + "~", [_tree(node.expr)]
    if t is ast.Layer:
        return prefix + f"{node.role}:", [_tree(node.filler)]
    if t is ast.Ref:
        return prefix + node.address + ("( )" if node.args else ""), [_tree(a) for a in node.args]
    if t is ast.SchemaCall:
        return prefix + f"{node.schema}( )", [_tree(a) for a in node.args]
    return prefix + ast.to_text(node), []


#: A node's children drawn side by side at most; the rest are folded into one "… N more" leaf, so a
#: symbol bound to dozens of members stays a picture one can read (the title keeps the whole formula).
MAX_TREE_CHILDREN = 12


def fold_children(tree: tuple[str, list], limit: int = MAX_TREE_CHILDREN) -> tuple[str, list]:
    """The tree with each node's children beyond ``limit`` folded into one "… N more" leaf."""
    label, children = tree
    children = [fold_children(c, limit) for c in children]
    if limit > 0 and len(children) > limit:
        children = children[: limit - 1] + [(f"… {len(children) - limit + 1} more", [])]
    return label, children


def tree_layout(tree: tuple[str, list]) -> list[tuple[str, float, int, int]]:
    """(label, x, depth, parent index) per node: leaves one apart, a parent over the middle of its children."""
    out: list[tuple[str, float, int, int]] = []
    next_leaf = [0.0]

    def place(node: tuple[str, list], depth: int, parent: int) -> float:
        label, children = node
        me = len(out)
        out.append((label, 0.0, depth, parent))
        if not children:
            x = next_leaf[0]
            next_leaf[0] += 1.0
        else:
            xs = [place(c, depth + 1, me) for c in children]
            x = (xs[0] + xs[-1]) / 2
        out[me] = (label, x, depth, parent)
        return x

    place(tree, 0, -1)
    return out


def draw_tree(formula: Any, path: str | None = None, *, max_children: int = MAX_TREE_CHILDREN) -> Any:
    """Draw a formula's syntax tree; ``formula`` is text or an ast node. Returns the path or the figure.

    A node with more than ``max_children`` children shows the first ones and a "… N more" leaf
    (0 draws them all)."""
    from deltaform import ast
    from deltaform.formula import parse
    node = parse(formula) if isinstance(formula, str) else formula
    plt = need_matplotlib()
    nodes = tree_layout(fold_children(_tree(node), max_children))
    scene = getattr(node, "scene", None)
    labels = [label for label, *_ in nodes] + [scene or ""]
    families, missing = _fonts_for(labels)
    leaves = max(1.0, max(x for _, x, _, _ in nodes) + 1)
    depth = max(d for _, _, d, _ in nodes) + 1
    longest = max(len(label) for label, *_ in nodes)
    unit = max(1.0, min(2.2, 0.11 * longest + 0.3))          # inches per leaf, wide enough for the labels
    fig_width = max(4.0, leaves * unit + 0.6)
    title = ast.to_text(node)
    title_lines = textwrap.wrap(title, max(30, int(fig_width * 10)), break_long_words=True)[:3]
    top = 0.3 + 0.22 * len(title_lines)                    # inches above the tree for the title
    fig_height = max(2.0, depth * 0.85 + 0.4) + top
    fig = plt.figure(figsize=(fig_width, fig_height))
    ax = fig.add_axes((0, 0, 1, 1 - top / fig_height))
    ax.set_axis_off()
    ax.set_xlim(-0.6, leaves - 0.4)
    ax.set_ylim(-depth + 0.4, 0.6)
    for label, x, d, parent in nodes:
        if parent >= 0:
            _, px, pd, _ = nodes[parent]
            ax.plot([px, x], [-pd, -d], color="#777777", lw=1, zorder=1)
    inner = {parent for _, _, _, parent in nodes}
    for i, (label, x, d, parent) in enumerate(nodes):
        colour = "#dbe8f6" if i in inner else "#e3f2d9"      # operators blue, leaves green
        ax.text(x, -d, _readable(label, missing), ha="center", va="center", fontsize=10, family=families,
                zorder=2, bbox=dict(boxstyle="round,pad=0.3", fc=colour, ec="#888888", lw=0.6))
    fig.suptitle(_readable("\n".join(title_lines), missing), fontsize=10, family=families,
                 y=1 - 0.12 / fig_height, va="top")
    if path is None:
        return fig
    if os.path.splitext(path)[1].lower() not in PICTURES:
        raise ValueError(f"{path}: a picture is one of {', '.join(PICTURES)}")
    fig.savefig(path, dpi=110 if path.lower().endswith(".png") else 72)
    plt.close(fig)
    return path

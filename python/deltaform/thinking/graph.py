"""The memory as a graph (§9.8.2): formulas, symbols and atoms, and what links them.

    g = graph(mem)                          # the whole memory
    g = graph(mem, around="Δ12", depth=2)   # Δ12 and what is at most two links from it
    g.write("memory.graphml")               # .graphml, .dot, .json (or .svg/.png: drawn)
    g.draw("memory.png")                    # Graphviz `dot` when installed, else matplotlib

Nodes: ``formula`` (a Δ-address), ``parametric`` (ΔF(x)), ``symbol`` (a glyph) and
``atom`` (a concept written in a formula; its id is ``a:<atom>``).
Edges, directed from the formula that mentions:
``ref`` (a formula refers to another), ``member`` (a symbol's definition refers
to a formula: the formula belongs to the symbol), ``atom`` (a formula is written
with an atom) and ``shared`` (two formulas have at least ``shared`` atoms in common;
weight = how many). The exports are written here with the standard library; no
graph package is needed (``to_networkx`` uses networkx when it is installed).
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

if TYPE_CHECKING:
    from deltaform.memory import Memory
    from deltaform.memory.entries import Entry

__all__ = ["Node", "Edge", "Graph", "graph", "show_tree", "EXPORTS", "PICTURES"]

EXPORTS = (".graphml", ".dot", ".json")
PICTURES = (".svg", ".png", ".pdf")
NODE_KINDS = ("symbol", "formula", "parametric", "atom")
EDGE_KINDS = ("member", "ref", "atom", "shared")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str           # symbol | formula | parametric | atom
    label: str          # short: the address, glyph or atom
    text: str = ""      # the full formula (or scene) for a tooltip


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str           # member | ref | atom | shared
    weight: float = 1.0


@dataclass
class Graph:
    """Nodes by id (in the order they were added) and edges."""
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    center: str | None = None
    note: str = ""          # what a picture of it left out (see overview); not exported

    def __len__(self) -> int:
        return len(self.nodes)

    def counts(self) -> dict[str, int]:
        out = {f"{k} nodes": sum(1 for n in self.nodes.values() if n.kind == k) for k in NODE_KINDS}
        out.update({f"{k} edges": sum(1 for e in self.edges if e.kind == k) for k in EDGE_KINDS})
        return out

    # ------------------------------------------------------------ exports
    def to_json(self) -> dict[str, Any]:
        return {"directed": True, "center": self.center,
                "nodes": [{"id": n.id, "kind": n.kind, "label": n.label, "text": n.text}
                          for n in self.nodes.values()],
                "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "weight": e.weight}
                          for e in self.edges]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Graph":
        g = cls(center=data.get("center"))
        for n in data["nodes"]:
            g.nodes[n["id"]] = Node(n["id"], n["kind"], n["label"], n.get("text", ""))
        g.edges = [Edge(e["source"], e["target"], e["kind"], float(e.get("weight", 1.0))) for e in data["edges"]]
        return g

    def to_graphml(self) -> str:
        ns = "http://graphml.graphdrawing.org/xmlns"
        root = ET.Element("graphml", {"xmlns": ns})
        for key, what, kind in (("kind", "node", "string"), ("label", "node", "string"),
                                ("text", "node", "string"), ("ekind", "edge", "string"),
                                ("weight", "edge", "double")):
            ET.SubElement(root, "key", {"id": key, "for": what, "attr.name": key.lstrip("e") if what == "edge"
                                        else key, "attr.type": kind})
        g = ET.SubElement(root, "graph", {"id": "memory", "edgedefault": "directed"})
        for n in self.nodes.values():
            el = ET.SubElement(g, "node", {"id": n.id})
            for key, value in (("kind", n.kind), ("label", n.label), ("text", n.text)):
                ET.SubElement(el, "data", {"key": key}).text = value
        for i, e in enumerate(self.edges):
            el = ET.SubElement(g, "edge", {"id": f"e{i}", "source": e.source, "target": e.target})
            ET.SubElement(el, "data", {"key": "ekind"}).text = e.kind
            ET.SubElement(el, "data", {"key": "weight"}).text = repr(float(e.weight))
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def to_dot(self, *, fontname: str = "DejaVu Sans") -> str:
        style = {"symbol": 'shape=box, style="rounded,filled,bold", fillcolor="#f2c14e", fontsize=16',
                 "formula": 'shape=box, style="rounded,filled", fillcolor="#a8c8ec"',
                 "parametric": 'shape=box, style="rounded,filled", fillcolor="#c9b3e6"',
                 "atom": 'shape=ellipse, style=filled, fillcolor="#b9e0a5", fontsize=10'}
        edge_style = {"member": 'color="#c8961e", penwidth=1.6', "ref": 'color="#444444"',
                      "atom": 'color="#8fbf7a", arrowhead=none',
                      "shared": 'color="#e8a0a0", style=dashed, dir=none'}
        lines = ["digraph memory {", f'  graph [overlap=false, splines=true, fontname="{fontname}"];',
                 f'  node [fontname="{fontname}"];', f'  edge [fontname="{fontname}"];']
        for n in self.nodes.values():
            lines.append(f"  {_dot_id(n.id)} [label={_dot_id(display_label(n))}, tooltip={_dot_id(n.text)}, "
                         f"{style.get(n.kind, '')}];")
        if self.note:
            lines.append(f"  label={_dot_id(self.note)}; labelloc=t; fontsize=12;")
        for e in self.edges:
            extra = f", penwidth={1 + e.weight / 2:.2g}" if e.kind == "shared" or e.weight > 1 else ""
            lines.append(f"  {_dot_id(e.source)} -> {_dot_id(e.target)} [{edge_style.get(e.kind, '')}{extra}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def to_networkx(self) -> Any:
        """A ``networkx.MultiDiGraph`` (needs networkx: ``pip install 'deltaform[graph]'``)."""
        try:
            import networkx as nx
        except ImportError as e:
            raise ImportError("to_networkx needs networkx: pip install 'deltaform[graph]'") from e
        g = nx.MultiDiGraph()
        for n in self.nodes.values():
            g.add_node(n.id, kind=n.kind, label=n.label, text=n.text)
        for e in self.edges:
            g.add_edge(e.source, e.target, kind=e.kind, weight=e.weight)
        return g

    def write(self, path: str | os.PathLike, **draw_options: Any) -> str:
        """Write by extension: .graphml, .dot, .json, or draw to .svg/.png/.pdf."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext in PICTURES:
            return self.draw(path, **draw_options)
        if ext == ".graphml":
            text = self.to_graphml()
        elif ext == ".dot" or ext == ".gv":
            text = self.to_dot()
        elif ext == ".json":
            text = json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"
        else:
            raise ValueError(f"{path}: unknown graph format {ext or '(no extension)'}; "
                             f"use one of {', '.join(EXPORTS + PICTURES)}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def draw(self, path: str | os.PathLike, *, engine: str = "auto", labels: int = 100,
             max_nodes: int | None = None) -> str:
        """Draw to .svg/.png/.pdf: Graphviz ``dot`` when installed (engine auto or graphviz), else matplotlib.

        A graph of more than ``max_nodes`` nodes (default ``overview.MAX_NODES``;
        0: no limit) is drawn as its :func:`~deltaform.thinking.overview.overview`.
        """
        from deltaform.thinking.draw import draw_graph
        return draw_graph(self, os.fspath(path), engine=engine, labels=labels, max_nodes=max_nodes)


def display_label(node: Node, width: int = 24) -> str:
    """What a picture writes on a node: the glyph or address with the start of its formula."""
    if node.kind == "atom":
        return _shorten(node.label, width)
    parts = node.text.split(" = ", 2)
    if node.kind == "symbol":          # the glyph and its scene (or its formula when it has none)
        return _shorten(f"{node.label} {parts[-1]}" if len(parts) > 1 else node.label, width + 2)
    body = parts[1] if len(parts) > 1 else ""
    return _shorten(f"{node.label}: {body}" if body else node.label, width)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---------------------------------------------------------------- building
class _Index:
    """Every current entry with the lookups the graph needs: by address, who refers to whom, atom postings.

    Used for the whole memory. An atom is *too common* to link formulas by when
    more than ``max_posting`` formulas hold it, written or inherited through a
    reference (the count the catalogue's postings give, so that
    :class:`_Neighbourhood` judges it the same way).
    """

    def __init__(self, entries: list["Entry"], max_posting: int) -> None:
        self.by_address = {e.address: e for e in entries}
        self.referrers: dict[str, list[str]] = {}
        self.postings: dict[str, list[str]] = {}
        self.held: dict[str, int] = {}
        for e in entries:
            for r in e.facts.refs:
                if r in self.by_address:
                    self.referrers.setdefault(r, []).append(e.address)
            for a in dict.fromkeys(e.facts.atoms):
                self.postings.setdefault(a, []).append(e.address)
            for a in set(e.facts.atoms) | set(e.facts.inherited):
                self.held[a] = self.held.get(a, 0) + 1
        self.max_posting = max_posting

    def entry(self, address: str) -> "Entry | None":
        return self.by_address.get(address)

    def holders(self, atom: str) -> list[str] | None:
        """The formulas written with ``atom`` (by row); None when it is too common."""
        return None if self.held.get(atom, 0) > self.max_posting else self.postings.get(atom, [])

    def referring(self, address: str) -> list[str]:
        return self.referrers.get(address, [])

    def shared(self, address: str, minimum: int) -> dict[str, int]:
        """Formulas that share at least ``minimum`` atoms with ``address`` (too common atoms skipped)."""
        return _shared(self, address, minimum)

    def neighbours(self, address: str, shared: int | None) -> Iterable[str]:
        e = self.entry(address)
        yield from (r for r in e.facts.refs if self.entry(r) is not None)
        yield from self.referring(address)
        if shared is not None:
            yield from self.shared(address, shared)


class _Neighbourhood(_Index):
    """The same lookups, read from the catalogue on demand: only the entries near the centre.

    An entry is read by address, the formulas referring to it from the
    ``d:Δ…`` posting and the formulas holding an atom from the ``a:…`` posting
    (rows of current versions only); a posting longer than ``max_posting``
    is not read at all. Cost grows with the neighbourhood, not the memory.
    """

    def __init__(self, memory: "Memory", max_posting: int) -> None:
        self.catalog = memory._store.catalog
        _count, replaced = memory._store.state()
        self.dead = set(self.catalog.dead_rows()) if replaced else set()
        self.max_posting = max_posting
        self.by_address = {}
        self._by_row: dict[int, "Entry"] = {}
        self._postings: dict[str, list[int]] = {}

    def entry(self, address: str) -> "Entry | None":
        if address not in self.by_address:
            from deltaform.memory.entries import entry_from_row
            found = self.catalog.current_many([address]).get(address)
            self.by_address[address] = None if found is None else entry_from_row(found)
            if found is not None:
                self._by_row[found[0]] = self.by_address[address]
        return self.by_address[address]

    def _rows(self, term: str) -> list[int]:
        if term not in self._postings:
            rows = np.unique(self.catalog.term_rows(term)).tolist()
            self._postings[term] = [r for r in rows if r not in self.dead]
        return self._postings[term]

    def _entries(self, rows: list[int]) -> list["Entry"]:
        from deltaform.memory.entries import entry_from_row
        missing = [r for r in rows if r not in self._by_row]
        for r, t in self.catalog.by_rows(missing).items():
            e = entry_from_row(t)
            self._by_row[r] = e
            self.by_address[e.address] = e
        return [self._by_row[r] for r in rows if r in self._by_row and self._by_row[r].current]

    def holders(self, atom: str) -> list[str] | None:
        rows = self._rows("a:" + atom)
        if len(rows) > self.max_posting:
            return None
        return [e.address for e in self._entries(rows) if atom in e.facts.atoms]

    def referring(self, address: str) -> list[str]:
        return [e.address for e in self._entries(self._rows("d:" + address)) if address in e.facts.refs]


def _shared(index: _Index, address: str, minimum: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in dict.fromkeys(index.entry(address).facts.atoms):
        for other in index.holders(a) or ():
            if other != address:
                counts[other] = counts.get(other, 0) + 1
    return {o: c for o, c in counts.items() if c >= minimum}


def graph(memory: "Memory", around: str | None = None, depth: int = 1, *, atoms: bool = True,
          shared: int | None = 2, max_posting: int = 200) -> Graph:
    """The memory (or the part ``depth`` links ``around`` an address) as a :class:`Graph`.

    Links followed from ``around``: references both ways, symbol membership and
    shared atoms; the atoms of every formula reached are added as ``atom`` nodes
    when ``atoms``. ``shared``: the fewest atoms two formulas must share for a
    ``shared`` edge (None: no such edges); atoms held by more than
    ``max_posting`` formulas are too common to link formulas by. With
    ``around`` only the neighbourhood is read from the catalogue (its postings
    by atom and by reference), so the cost does not grow with the memory.
    """
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    if shared is not None and shared < 1:
        raise ValueError(f"shared must be >= 1 (or None), got {shared}")
    if around is None:
        index: _Index = _Index(list(memory.entries()), max_posting)
        chosen = list(index.by_address)
    else:
        index = _Neighbourhood(memory, max_posting)
        center = around.strip()
        if center.startswith("@"):
            center = "Δ" + center[1:]
        if index.entry(center) is None:
            from deltaform.memory.errors import UnknownAddressError
            raise UnknownAddressError(f"{around} is not in the memory {memory.path}")
        seen = {center: 0}
        queue = deque([center])
        while queue:
            a = queue.popleft()
            if seen[a] >= depth:
                continue
            for b in index.neighbours(a, shared):
                if b not in seen:
                    seen[b] = seen[a] + 1
                    queue.append(b)
        chosen = sorted(seen, key=lambda a: (seen[a], index.entry(a).row))
    g = Graph(center=None if around is None else chosen[0])
    inside = set(chosen)
    for a in chosen:
        e = index.entry(a)
        g.nodes[a] = Node(a, e.kind, a, e.formula)
    for a in chosen:
        e = index.entry(a)
        for r in e.facts.refs:
            if r in inside:
                g.edges.append(Edge(a, r, "member" if e.kind == "symbol" else "ref"))
        if atoms:
            for atom in dict.fromkeys(e.facts.atoms):
                aid = "a:" + atom
                if aid not in g.nodes:
                    g.nodes[aid] = Node(aid, "atom", atom, atom)
                g.edges.append(Edge(a, aid, "atom"))
    if shared is not None:
        order = {a: i for i, a in enumerate(chosen)}
        for a in chosen:
            for b, count in sorted(index.shared(a, shared).items(), key=lambda kv: order.get(kv[0], -1)):
                if b in inside and order[b] > order[a]:
                    g.edges.append(Edge(a, b, "shared", float(count)))
    return g


def show_tree(formula: Any, path: str | os.PathLike | None = None) -> Any:
    """Draw a formula's syntax tree (text or a tree) with matplotlib; returns the path, or the figure."""
    from deltaform.thinking.draw import draw_tree
    return draw_tree(formula, None if path is None else os.fspath(path))

"""A readable picture of a big graph: members folded into their symbols, only shared atoms, a size limit.

A whole memory drawn node by node is a hairball (the demo corpus: 416 formulas
and symbols, 669 atoms, 1,800 links). :func:`overview` makes the graph a
picture is drawn from, in four steps:

1. **fold**: every formula that belongs to a symbol (a ``member`` link) is
   folded into it (into the first such symbol, in graph order); the symbol's
   label counts what it holds, and the folded formulas' links become the
   symbol's, so a condensed memory is seen as its few dozen symbols;
2. **shared atoms only**: each node keeps its ``atoms_per_node`` strongest
   atom links (the atoms most of its folded formulas write), and an atom is
   kept when at least ``min_shared`` nodes still link to it — the atoms that
   bridge symbols or formulas (an atom of one formula says nothing about
   coupling, and an atom everyone writes would link everything);
3. **limit**: at most ``max_nodes`` nodes: the centre and symbols first, then
   the formulas with most links, then the atoms shared most (about a third of
   the places go to atoms); a formula left with no link is not drawn (nor a
   symbol, in a picture around a centre);
4. **note**: what was folded or left out is counted in the graph's ``note``,
   which the picture prints under its title ("… N more formulas …").

Links between the same two nodes merge into one whose weight counts them.
Ties are broken by graph order, so the overview of a graph is always the same.
The exports (.graphml, .json, .dot) always hold the whole graph.
"""

from __future__ import annotations

from deltaform.thinking.graph import Edge, Graph, Node

__all__ = ["overview", "MAX_NODES"]

MAX_NODES = 100      # a picture stays readable (every node labelled) up to about this many


def overview(graph: Graph, max_nodes: int = MAX_NODES, min_shared: int = 2, atoms_per_node: int = 3) -> Graph:
    """The graph a picture of ``graph`` is drawn from (``graph`` itself when it is small enough)."""
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be >= 1, got {max_nodes}")
    if min_shared < 1:
        raise ValueError(f"min_shared must be >= 1, got {min_shared}")
    if atoms_per_node < 0:
        raise ValueError(f"atoms_per_node must be >= 0, got {atoms_per_node}")
    if len(graph.nodes) <= max_nodes:
        return graph
    order = {n: i for i, n in enumerate(graph.nodes)}
    kinds = {n: v.kind for n, v in graph.nodes.items()}

    # 1. fold members into their (first) symbol
    home: dict[str, str] = {}
    for e in graph.edges:
        if e.kind == "member" and kinds.get(e.source) == "symbol" and kinds.get(e.target) != "symbol" \
                and e.target != graph.center and e.target not in home:
            home[e.target] = e.source
    folded: dict[str, int] = {}
    for member, symbol in home.items():
        folded[symbol] = folded.get(symbol, 0) + 1
    at = lambda n: home.get(n, n)  # noqa: E731  (where a node is drawn)

    merged: dict[tuple[str, str, str], float] = {}
    for e in graph.edges:
        s, t = at(e.source), at(e.target)
        if s == t:
            continue
        kind = e.kind
        if kind == "shared" and order[s] > order[t]:
            s, t = t, s                                  # one undirected link per pair
        key = (s, t, kind)
        merged[key] = merged.get(key, 0.0) + (e.weight if e.kind == "shared" else 1.0)
    nodes = [n for n in graph.nodes if n not in home]
    strongest: dict[str, list[tuple[str, str, str]]] = {}
    for key, w in merged.items():
        if key[2] == "atom":
            strongest.setdefault(key[0], []).append(key)
    for links_of in strongest.values():          # the atoms most of a node's formulas write; ties: graph order
        links_of.sort(key=lambda k: (-merged[k], order[k[1]]))
        for k in links_of[atoms_per_node:]:
            del merged[k]

    # 2. atoms written by at least min_shared of the nodes left
    def atom_holders(keep: set[str]) -> dict[str, set[str]]:
        held: dict[str, set[str]] = {}
        for (s, t, kind) in merged:
            if kind == "atom" and s in keep:
                held.setdefault(t, set()).add(s)
        return held

    others = [n for n in nodes if kinds[n] != "atom"]
    # 3. the limit: centre, symbols (biggest first), then formulas by links
    links: dict[str, int] = {n: 0 for n in nodes}
    shared_atoms = {a for a, h in atom_holders(set(others)).items() if len(h) >= min_shared}
    for (s, t, kind) in merged:
        if kind == "atom" and t not in shared_atoms:
            continue
        links[s] = links.get(s, 0) + 1
        links[t] = links.get(t, 0) + 1
    first = [n for n in others if n == graph.center] + \
        sorted((n for n in others if kinds[n] == "symbol" and n != graph.center),
               key=lambda n: (-folded.get(n, 0), order[n]))
    rest = sorted((n for n in others if n not in first and links[n] > 0), key=lambda n: (-links[n], order[n]))
    room_for_others = max(len(first), max_nodes - max_nodes // 3)
    keep = first[:max_nodes] + rest[:max(0, room_for_others - len(first))]
    kept = set(keep)
    held = {a: h for a, h in atom_holders(kept).items() if len(h) >= min_shared}
    atoms = sorted(held, key=lambda a: (-len(held[a]), order[a]))[:max(0, max_nodes - len(keep))]
    kept |= set(atoms)

    out = Graph(center=graph.center)
    for n in keep + atoms:
        out.nodes[n] = _node_with_count(graph.nodes[n], folded.get(n, 0))
    for (s, t, kind), w in merged.items():
        if s in kept and t in kept:
            out.edges.append(Edge(s, t, kind, w))
    # Nodes whose every link went to a node left out stand alone: not drawn. Symbols stay in a
    # picture of the whole memory (it is seen as its symbols), not around a centre (about its links).
    linked = {e.source for e in out.edges} | {e.target for e in out.edges}
    for n in [n for n in keep if n not in linked and n != graph.center
              and (kinds[n] != "symbol" or graph.center is not None)]:
        del out.nodes[n]
    out.note = _note(graph, out, len(home), kinds, min_shared, atoms_per_node)
    return out


def _node_with_count(node: Node, folded: int) -> Node:
    if not folded:
        return node
    parts = node.text.split(" = ")
    scene = parts[-1] if len(parts) > 1 else ""
    # display_label shows the glyph and the text's last part: put the count in front of the scene
    return Node(node.id, node.kind, node.label, f"{node.label} = {folded}: {scene}".rstrip(": "))


def _note(whole: Graph, drawn: Graph, n_folded: int, kinds: dict[str, str], min_shared: int,
          atoms_per_node: int) -> str:
    def count(g: Graph, kind: str) -> int:
        return sum(1 for n in g.nodes.values() if n.kind == kind)
    formulas = sum(1 for k in kinds.values() if k in ("formula", "parametric"))
    drawn_formulas = count(drawn, "formula") + count(drawn, "parametric")
    more_formulas = formulas - n_folded - drawn_formulas
    more_atoms = count(whole, "atom") - count(drawn, "atom")
    parts = []
    if n_folded:
        parts.append(f"{n_folded} formulas folded into their symbols")
    if more_formulas:
        parts.append(f"{more_formulas} more formulas")
    if more_atoms:
        parts.append(f"{more_atoms} more atoms (an atom is drawn when it is among the {atoms_per_node} strongest "
                     f"of ≥{min_shared} nodes drawn)")
    more_symbols = count(whole, "symbol") - count(drawn, "symbol")
    if more_symbols:
        parts.insert(0, f"{more_symbols} more symbols")
    return "overview: " + "; ".join(parts) + " — the .graphml/.json export holds everything" if parts else ""

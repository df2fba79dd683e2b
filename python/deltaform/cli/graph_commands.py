"""condense, graph, show-tree: the memory as symbols and pictures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from deltaform.cli import app
from deltaform.cli.common import MemoryArgument, console, fail, open_memory

@app.command("condense")
def condense_command(
    memory: Path = MemoryArgument,
    k: Optional[int] = typer.Option(None, "-k", help="Spherical k-means into K clusters."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Agglomerative: merge while centres are this similar."),
    store: bool = typer.Option(True, "--store/--dry-run", help="Add the symbol definitions to the memory."),
    min_size: int = typer.Option(2, "--min-size", help="Smallest cluster that gets a symbol."),
    seed: int = typer.Option(0, "--seed", help="Seed of the k-means start."),
    show: int = typer.Option(8, "--show", help="Members listed per symbol."),
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
) -> None:
    """Cluster the formulas of MEMORY and condense each cluster into a glyph (🜂 = Δ3 + Δ7 + … = scene)."""
    from deltaform.thinking.condense import condense
    mem = open_memory(memory, readonly=not store)
    with mem:
        try:
            result = condense(mem, k=k, threshold=threshold, store=store, seed=seed, min_size=min_size)
        except ValueError as e:
            fail(str(e))
    if as_json:
        console.print(json.dumps(result.to_json(), ensure_ascii=False), markup=False, soft_wrap=True)
        return
    for s in result.symbols:
        more = f" … (+{s.size - show})" if s.size > show else ""
        console.print(f"{s.glyph}  {s.size:5d} formulas  cohesion {s.cohesion:.3f}  = {s.scene}", markup=False,
                      soft_wrap=True)
        console.print(f"    {' '.join(s.members[:show])}{more}", markup=False, soft_wrap=True)
    state = "stored" if result.stored else "not stored"
    console.print(f"{len(result.symbols)} symbols from {result.formulas} formulas ({result.method}, {state}); "
                  f"{len(result.left_out)} formulas in clusters below --min-size", markup=False, soft_wrap=True)


@app.command("graph")
def graph_command(
    memory: Path = MemoryArgument,
    output: List[Path] = typer.Option(..., "-o", "--output", help="out.graphml, .dot, .json, .svg, .png or .pdf (repeatable)."),
    around: Optional[str] = typer.Option(None, "--around", help="Only what is near this address or glyph."),
    depth: int = typer.Option(1, "--depth", help="How many links from --around."),
    atoms: bool = typer.Option(True, "--atoms/--no-atoms", help="Atom nodes for the atoms of each formula."),
    shared: int = typer.Option(2, "--shared", help="Link formulas sharing at least this many atoms (0: never)."),
    engine: str = typer.Option("auto", "--engine", help="Drawing: auto (Graphviz if installed), graphviz, matplotlib."),
    labels: int = typer.Option(100, "--labels", help="Most node labels in a matplotlib picture."),
    max_nodes: int = typer.Option(100, "--max-nodes", help="A bigger graph is drawn as its overview: members "
                                  "folded into symbols, shared atoms only, best linked formulas (0: draw all)."),
) -> None:
    """Export MEMORY (or the part --around an address) as a graph, or draw it."""
    from deltaform.memory import UnknownAddressError
    from deltaform.thinking.graph import graph
    mem = open_memory(memory, readonly=True)
    with mem:
        try:
            g = graph(mem, around=around, depth=depth, atoms=atoms, shared=shared or None)
        except (UnknownAddressError, ValueError) as e:
            fail(str(e))
    for out in output:
        try:
            g.write(out, engine=engine, labels=labels, max_nodes=max_nodes) if out.suffix.lower() in (".svg", ".png", ".pdf") \
                else g.write(out)
        except (ImportError, ValueError, RuntimeError, OSError) as e:
            fail(str(e))
        console.print(f"{out}: {len(g.nodes)} nodes, {len(g.edges)} edges", markup=False, soft_wrap=True)


@app.command("show-tree")
def show_tree_command(
    formula: str = typer.Argument(..., help="A formula or statement, in quotes."),
    output: Path = typer.Option(..., "-o", "--output", help="The picture: .png, .svg or .pdf."),
) -> None:
    """Draw the syntax tree of FORMULA."""
    from deltaform.formula import FormulaError
    from deltaform.thinking.graph import show_tree
    try:
        show_tree(formula, output)
    except FormulaError as e:
        fail(str(e))
    except (ImportError, ValueError) as e:
        fail(str(e))
    console.print(str(output), markup=False, soft_wrap=True)

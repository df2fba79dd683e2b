"""deltaform demo: the whole path on the built-in corpus, shown step by step."""

from __future__ import annotations

from importlib import resources

import numpy as np
import typer
from rich.panel import Panel
from rich.table import Table

from deltaform.ast import to_text
from deltaform.cli import app
from deltaform.cli.common import AlgebraOption, DimOption, SeedOption, console, make_space
from deltaform.formula import parse_file

QUERIES = [
    "вода + весна",
    "тревога → надежда",
    "жар + вспышка",
    "образ: вода + эмоция: боль",
]


def corpus_path():
    return resources.files("deltaform") / "data" / "outline.df"


@app.command("demo")
def demo_command(
    dim: int = DimOption, algebra: str = AlgebraOption, seed: int = SeedOption,
    k: int = typer.Option(3, "-k", help="Neighbours to show per query."),
) -> None:
    """Parse → encode → search the built-in corpus (every example of the source outline)."""
    space = make_space(dim, algebra, seed)
    with resources.as_file(corpus_path()) as path:
        parsed = parse_file(path)
        encoded = space.encode_file(path)
    console.rule("[bold]deltaform demo")
    console.print(f"{space!r}: {len(parsed.statements)} statements from the built-in corpus\n")

    table = Table(title="parse → canonical form", show_lines=False)
    table.add_column("line", justify="right", style="dim")
    table.add_column("formula")
    for located in parsed.statements:
        table.add_row(str(located.line), to_text(located.statement))
    console.print(table)

    rows = {int(line): i for i, line in enumerate(encoded.lines)}
    kept = [loc for loc in parsed.statements if loc.line in rows]
    matrix = encoded.vectors[[rows[loc.line] for loc in kept]]
    console.print(
        f"\nencode → {matrix.shape[0]} vectors of shape {matrix.shape[1:]} {matrix.dtype} "
        f"(errors: {len(encoded.errors)})\n"
    )

    for query in QUERIES:
        q = space.encode(query)
        idx, score = space.topk(q, matrix, k=min(k, len(matrix)))
        result = Table(show_header=True, box=None)
        result.add_column("similarity", justify="right")
        result.add_column("formula")
        for i, s in zip(idx.tolist(), score.tolist()):
            result.add_row(f"{s:+.3f}", to_text(kept[i].statement))
        console.print(Panel(result, title=f"recall: {query}", expand=False))
    raise typer.Exit(0)

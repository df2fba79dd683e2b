"""deltaform demo: the whole path on the built-in corpus, shown step by step.

parse → encode → store (a memory on disk) → recall → decode, on every example
of the source outline plus a few hundred Russian and English scenes.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from deltaform.ast import to_text
from deltaform.cli import app
from deltaform.cli.common import AlgebraOption, DimOption, SeedOption, console, make_space
from deltaform.formula import parse_file

CORPUS = ("outline.df", "scenes_ru.df", "scenes_en.df")

# (what to ask, how it is asked): formula text, an address, or plain words.
QUERIES = [
    "вода + весна",
    "тревога → надежда",
    "образ: вода + эмоция: боль",
    "Δ17",
    "silence + light + memory",
]

DECODE = ("Δ15", "Δ16", "Δ17", "Δ13", "Δ100", "Δ520")


def corpus_files(stack: ExitStack) -> list[Path]:
    root = resources.files("deltaform") / "data"
    return [stack.enter_context(resources.as_file(root / name)) for name in CORPUS]


@app.command("demo")
def demo_command(
    dim: int = DimOption, algebra: str = AlgebraOption, seed: int = SeedOption,
    k: int = typer.Option(3, "-k", help="Neighbours to show per query."),
    path: Path = typer.Option(None, "--path", help="Keep the memory in this new directory (default: a temporary one)."),
) -> None:
    """Parse → encode → store → recall → decode on the built-in corpus (the source outline and its scenes)."""
    from deltaform.memory import Memory

    space = make_space(dim, algebra, seed)
    with ExitStack() as stack:
        files = corpus_files(stack)
        where = path if path is not None else Path(stack.enter_context(tempfile.TemporaryDirectory())) / "memory"
        console.rule("[bold]deltaform demo")
        console.print(f"{space!r}; memory in {where}\n")

        # 1. parse: the outline's examples in canonical form
        parsed = parse_file(files[0])
        table = Table(title="1. parse — the source outline in canonical form")
        table.add_column("line", justify="right", style="dim")
        table.add_column("formula")
        for located in parsed.statements:
            table.add_row(str(located.line), to_text(located.statement))
        console.print(table)

        # 2–3. encode and store every file
        memory = stack.enter_context(Memory.create(where, space))
        console.print("\n[bold]2–3. encode → store[/bold]")
        for f in files:
            start = time.perf_counter()
            report = memory.add_file(f)
            took = time.perf_counter() - start
            console.print(f"  {f.name}: {len(report.added)} formulas, {report.schemas} schemas, "
                          f"{len(report.errors)} bad lines, {took:.2f} s", markup=False)
        stats = memory.stats()
        console.print(f"  the memory holds {stats.get('formulas', stats.get('count', '?'))} formulas "
                      f"({space.width} × {space.dtype} each)\n", markup=False)

        # 4. recall
        console.print("[bold]4. recall — nearest formulas by meaning[/bold]")
        for query in QUERIES:
            result = Table(show_header=True, box=None)
            result.add_column("similarity", justify="right")
            result.add_column("formula = scene")
            for hit in memory.recall(query, k=k):
                result.add_row(f"{hit.similarity:+.3f}", hit.formula)
            console.print(Panel(result, title=f"recall: {query}", expand=False))

        # 5. decode
        console.print("\n[bold]5. decode — each stored vector back to its formula, with confidences[/bold]")
        for address in DECODE:
            try:
                entry = memory.get(address)
            except KeyError:
                continue
            console.print(f"  {address} stored as   {entry.expr}", markup=False)
            console.print(f"  {' ' * len(address)} decoded as  {memory.decode(address).text()}\n", markup=False)
    raise typer.Exit(0)

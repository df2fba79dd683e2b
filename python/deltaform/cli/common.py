"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from deltaform.space import ALGEBRAS, Space

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

DimOption = typer.Option(1024, "--dim", help="Number of components of the vectors.")
AlgebraOption = typer.Option("fhrr", "--algebra", help=f"Vector algebra: {', '.join(ALGEBRAS)}.")
SeedOption = typer.Option(0, "--seed", help="Codebook seed.")
ThreadsOption = typer.Option(0, "--threads", help="Threads for batch work (0: all cores).")


def make_space(dim: int, algebra: str, seed: int) -> Space:
    try:
        return Space(dim=dim, algebra=algebra, seed=seed)
    except (ValueError, TypeError) as e:
        fail(str(e))


def fail(message: str, code: int = 2) -> "typer.Exit":
    errors.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def print_errors(errs, limit: int = 50) -> None:
    for e in errs[:limit]:
        errors.print(str(e), markup=False, soft_wrap=True)
    if len(errs) > limit:
        errors.print(f"… and {len(errs) - limit} more errors", markup=False)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


#: A memory argument for the commands that read or change an existing memory.
MemoryArgument = typer.Argument(..., help="The memory: a directory made by `deltaform add`.")


def open_memory(path, readonly: bool = True):
    """The memory at ``path``, or a clear CLI error when there is none or it cannot be opened."""
    from deltaform.memory import Memory, MemoryStoreError   # the memory loads only for its commands
    if not (path / "catalog.sqlite").exists():
        fail(f"{path}: no memory here (create one with `deltaform add {path} FILE.df`)")
    try:
        return Memory.open(path, readonly=readonly)
    except (MemoryStoreError, ValueError) as e:
        fail(str(e))

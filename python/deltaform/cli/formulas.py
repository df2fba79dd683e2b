"""parse, check, encode: the formula language from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from deltaform.ast import to_text
from deltaform.cli import app
from deltaform.cli.common import (
    AlgebraOption, DimOption, SeedOption, ThreadsOption, console, errors, fail, make_space, print_errors,
)
from deltaform.formula import parse_file


def _existing(path: Path) -> Path:
    if not path.exists():
        fail(f"{path}: no such file")
    if path.is_dir():
        fail(f"{path}: is a directory, expected a .df file")
    return path


@app.command("parse")
def parse_command(file: Path = typer.Argument(..., help="A .df file (UTF-8, one statement per line).")) -> None:
    """Print every statement of FILE in canonical form; errors go to stderr (exit 1 if any)."""
    result = parse_file(_existing(file))
    for located in result.statements:
        console.print(to_text(located.statement), markup=False, soft_wrap=True)
    print_errors(result.errors)
    if result.errors:
        raise typer.Exit(1)


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="A .df file."),
    dim: int = DimOption, algebra: str = AlgebraOption, seed: int = SeedOption,
) -> None:
    """Report every error in FILE — syntax, unknown references, cycles, arity — and exit 1 if any."""
    space = make_space(dim, algebra, seed)
    encoded = space.encode_file(_existing(file))
    print_errors(encoded.errors, limit=10_000)
    n_err = len(encoded.errors)
    (errors if n_err else console).print(
        f"{file}: {len(encoded.lines)} statements fine, {n_err} error{'s' if n_err != 1 else ''}", markup=False
    )
    if n_err:
        raise typer.Exit(1)


@app.command("encode")
def encode_command(
    file: Path = typer.Argument(..., help="A .df file."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the vectors (.npy)."),
    lines_output: Path = typer.Option(None, "--lines", help="Also write the line number of each row (.npy)."),
    dim: int = DimOption, algebra: str = AlgebraOption, seed: int = SeedOption, threads: int = ThreadsOption,
    strict: bool = typer.Option(False, "--strict", help="Stop at the first error."),
) -> None:
    """Encode every statement of FILE into one vector each, saved as a (n, width) .npy array."""
    space = make_space(dim, algebra, seed)
    _existing(file)
    start = time.perf_counter()
    with Progress(
        TextColumn("encoding"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn(),
        console=errors, transient=True, disable=file.stat().st_size < 4_000_000,
    ) as bar:
        task = bar.add_task("encode", total=None)
        try:
            encoded = space.encode_file(
                file, threads=threads, strict=strict, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        except ValueError as e:
            fail(str(e), code=1)
    elapsed = time.perf_counter() - start
    np.save(output, encoded.vectors)
    if lines_output is not None:
        np.save(lines_output, encoded.lines)
    print_errors(encoded.errors)
    n = len(encoded.lines)
    console.print(
        f"{n} formulas → {output} {encoded.vectors.shape} {encoded.vectors.dtype} in {elapsed:.2f} s "
        f"({n / max(elapsed, 1e-9):,.0f} formulas/s), {len(encoded.errors)} errors",
        markup=False,
    )
    if encoded.errors:
        raise typer.Exit(1)

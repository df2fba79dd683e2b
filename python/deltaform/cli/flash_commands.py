"""flash, fuse, consolidate: thinking with the Δ-memory from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from deltaform.cli import app
from deltaform.cli.common import MemoryArgument, console, fail, open_memory
from deltaform.memory import MemoryStoreError, UnknownAddressError

@app.command("flash")
def flash_command(
    memory: Path = MemoryArgument,
    query: str = typer.Argument(..., help="Formula text or a Δ-address."),
    k: int = typer.Option(10, "-k", help="Nearest formulas to light first."),
    steps: int = typer.Option(2, "--steps", help="Rounds of spreading activation."),
    decay: float = typer.Option(0.5, "--decay", help="Scale of each round's activation."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Formulas to show (default: k)."),
) -> None:
    """Associative flash: the formulas QUERY brings to mind, with the path to each."""
    from deltaform.thinking import flash

    with open_memory(memory, readonly=True) as mem:
        try:
            items = flash(mem, query, k=k, steps=steps, decay=decay, limit=limit)
        except (ValueError, UnknownAddressError) as e:
            fail(str(e))
        for item in items:
            console.print(f"{item.activation:.3f}  {item.formula}\n       {item.route}", markup=False,
                          soft_wrap=True)


@app.command("fuse")
def fuse_command(
    memory: Path = MemoryArgument,
    sources: List[str] = typer.Argument(..., help="Two or more Δ-addresses."),
    field: Optional[List[str]] = typer.Option(None, "--field", help="A field role per source, in order."),
    weight: Optional[List[float]] = typer.Option(None, "--weight", help="A weight per source, in order."),
    address: Optional[str] = typer.Option(None, "--address", help="Where to store it (default: next free Δn)."),
    scene: Optional[str] = typer.Option(None, "--scene", help="Its scene text."),
) -> None:
    """Fuse formulas of different fields into a new stored formula."""
    from deltaform.thinking import fuse

    with open_memory(memory, readonly=False) as mem:
        try:
            f = fuse(mem, *sources, fields=field or None, weights=weight or None, address=address, scene=scene)
        except (ValueError, UnknownAddressError, MemoryStoreError) as e:
            fail(str(e))
        console.print(f"{f.formula}   ({f.mode}; from {', '.join(f.sources)})", markup=False, soft_wrap=True)


@app.command("consolidate")
def consolidate_command(
    memory: Path = MemoryArgument,
    min_count: int = typer.Option(5, "--min-count", help="Formulas a coupling must occur in."),
    min_pmi: float = typer.Option(2.0, "--min-pmi", help="Pointwise mutual information, bits."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Mint at most this many (strongest first)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report only; mint nothing."),
) -> None:
    """Mint Δ-formulas for stable couplings of atoms (frequent, high PMI); report each and why."""
    from deltaform.thinking import consolidate

    with open_memory(memory, readonly=dry_run) as mem:
        try:
            report = consolidate(mem, min_count=min_count, min_pmi=min_pmi, limit=limit, dry_run=dry_run)
        except (ValueError, MemoryStoreError) as e:
            fail(str(e))
        for c in report.minted:
            console.print(("would mint " if dry_run else "minted ") + str(c), markup=False, soft_wrap=True)
        for c in report.skipped:
            console.print(f"skipped {c}", markup=False, soft_wrap=True)
        console.print(f"{len(report.minted)} minted, {len(report.skipped)} skipped, {report.total} formulas counted "
                      f"in {report.seconds:.2f} s", markup=False)

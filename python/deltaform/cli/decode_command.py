"""decode: from a vector back to its formula, with a confidence on every part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from deltaform.cli import app
from deltaform.cli.common import console, fail


@app.command("decode")
def decode_command(
    query: str = typer.Argument(..., help="Formula text, a Δ-address, or a .npy file of vectors."),
    memory: Path = typer.Option(..., "--memory", "-m", help="The memory whose atoms, formulas, roles and schemas are the candidates."),
    max_depth: int = typer.Option(2, "--max-depth", help="How deep stored formulas found inside are decoded in turn."),
    report: bool = typer.Option(True, "--report/--formula-only", help="Show confidence, unexplained energy and references."),
) -> None:
    """Recover the formula a vector holds, in canonical form with confidences."""
    from deltaform.memory import Memory, MemoryStoreError

    if not (memory / "catalog.sqlite").exists():
        fail(f"{memory}: no memory here (create one with `deltaform add {memory} FILE.df`)")
    try:
        mem = Memory.open(memory, readonly=True)
    except (MemoryStoreError, ValueError) as e:
        fail(str(e))
    with mem:
        target: object = query
        if query.endswith(".npy"):
            try:
                target = np.load(query, allow_pickle=False)
            except (OSError, ValueError) as e:
                fail(f"{query}: cannot read vectors ({e})")
        try:
            results = mem.decode(target, max_depth=max_depth)
        except (ValueError, KeyError) as e:
            fail(str(e), code=1)
        for i, decoded in enumerate(results if isinstance(results, list) else [results]):
            prefix = f"[{i}] " if isinstance(results, list) else ""
            console.print(prefix + (decoded.report() if report else decoded.text()), markup=False, soft_wrap=True)

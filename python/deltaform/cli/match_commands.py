"""match, generalize: patterns with ?variables over the Δ-memory (metaformulas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from deltaform import ast
from deltaform.cli import app
from deltaform.cli.common import MemoryArgument, console, fail, open_memory
from deltaform.memory import MemoryStoreError, UnknownAddressError
from deltaform.memory.ingest import IngestError


@app.command("match")
def match_command(
    memory: Path = MemoryArgument,
    pattern: str = typer.Argument(..., help="A pattern with ?variables, e.g. \"?x + боль → ?y память\"."),
    similarity: Optional[float] = typer.Option(None, "--similarity",
                                               help="Atoms match when their vectors' similarity is at least this."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many matches."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per match."),
) -> None:
    """The stored formulas of MEMORY that match PATTERN, with the variables' values."""
    from deltaform.formula import FormulaError
    from deltaform.thinking import match

    mem = open_memory(memory)
    try:
        found = match(mem, pattern, similarity=similarity, limit=limit)
    except (FormulaError, ValueError) as e:
        fail(str(e))
    for m in found:
        bindings = {k: ast.to_text(v) for k, v in sorted(m.bindings.items())}
        if as_json:
            console.print(json.dumps({"address": m.address, "formula": m.expr, "bindings": bindings},
                                     ensure_ascii=False), markup=False, soft_wrap=True)
        else:
            b = ", ".join(f"?{k} = {v}" for k, v in bindings.items())
            console.print(f"{m.address} = {m.expr}    {b}", markup=False, soft_wrap=True)
    if not found:
        console.print("no match", markup=False)


@app.command("generalize")
def generalize_command(
    memory: Path = MemoryArgument,
    addresses: List[str] = typer.Argument(..., help="Δ-addresses (or formulas in quotes) to generalise."),
    store_as: Optional[str] = typer.Option(None, "--store-as", help="Store the pattern under this Δ-address."),
) -> None:
    """The least general pattern that matches every given formula."""
    from deltaform.formula import FormulaError
    from deltaform.thinking import generalize

    mem = open_memory(memory, readonly=store_as is None)
    with mem:
        try:
            pattern = generalize(mem, addresses, store_as=store_as)
        except (UnknownAddressError, FormulaError, IngestError, MemoryStoreError, ValueError) as e:
            fail(str(e))
    console.print((f"{store_as} = " if store_as else "") + ast.to_text(pattern), markup=False, soft_wrap=True)

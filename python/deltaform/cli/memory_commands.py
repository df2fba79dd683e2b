"""add, recall, show, stats, export: the Δ-memory from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List, Optional

import typer

from deltaform.cli import app
from deltaform.cli.common import (AlgebraOption, DimOption, MemoryArgument, SeedOption, console, errors, fail,
                                  make_space, open_memory, print_errors)
from deltaform.memory import Memory, MemoryStoreError, UnknownAddressError
from deltaform.memory.ingest import IngestError

NewMemoryArgument = typer.Argument(..., help="The memory: a directory (created by `add` if it does not exist).")


@app.command("add")
def add_command(
    memory: Path = NewMemoryArgument,
    items: List[str] = typer.Argument(..., help=".df files, or formulas in quotes."),
    replace: bool = typer.Option(False, "--replace", help="Store a new version of addresses defined already."),
    strict: bool = typer.Option(False, "--strict", help="Add nothing from a file with any bad line."),
    batch_size: int = typer.Option(10_000, "--batch-size", help="Statements per transaction."),
    dim: int = DimOption, algebra: str = AlgebraOption, seed: int = SeedOption,
) -> None:
    """Add formulas (files or text) to MEMORY; each batch is stored whole or not at all."""
    if (memory / "catalog.sqlite").exists():
        mem = open_memory(memory, readonly=False)
    else:
        mem = Memory.create(memory, make_space(dim, algebra, seed))
    failed = 0
    with mem:
        texts = []
        for item in items:
            if os.path.isfile(item):
                try:
                    report = mem.add_file(item, replace=replace, strict=strict, batch_size=batch_size)
                except (IngestError, MemoryStoreError) as e:
                    errors.print(str(e), markup=False, soft_wrap=True)
                    failed += 1
                    continue
                print_errors(report.errors)
                failed += bool(report.errors)
                span = f" ({report.added[0]} … {report.added[-1]})" if report.added else ""
                console.print(f"{item}: {len(report.added)} formulas{span}, {report.schemas} schemas added; "
                              f"{len(report.errors)} bad lines", markup=False, soft_wrap=True)
            else:
                texts.append(item)
        if texts:
            try:
                for a in mem.add_many(texts, replace=replace):
                    if a is not None:
                        console.print(a, markup=False)
            except (IngestError, MemoryStoreError) as e:
                errors.print(str(e), markup=False, soft_wrap=True)
                failed += 1
    if failed:
        raise typer.Exit(1)


@app.command("recall")
def recall_command(
    memory: Path = MemoryArgument,
    query: str = typer.Argument(..., help="A formula, a Δ-address, or (with --text) a scene in plain words."),
    text: bool = typer.Option(False, "--text", help="QUERY is plain text: recall the core that `extract` finds in it."),
    k: int = typer.Option(10, "-k", help="How many results."),
    ef: Optional[int] = typer.Option(None, "--ef", help="hnswlib search breadth (larger: better recall, slower)."),
    exact: Optional[bool] = typer.Option(None, "--exact/--index", help="Force exact or index search."),
    schema: List[str] = typer.Option([], "--schema", help="Only formulas using this schema (repeatable: any)."),
    source: Optional[str] = typer.Option(None, "--source", help="Only formulas from this file (glob allowed)."),
    atom: List[str] = typer.Option([], "--atom", help="Only formulas containing this atom (repeatable: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per result."),
) -> None:
    """The K stored formulas most similar to QUERY."""
    mem = open_memory(memory)
    filters = dict(ef=ef, exact=exact, schema=schema or None, source=source, atoms=atom or None)
    try:
        if text:
            hits = mem.recall_text(query, k=k, **filters)
        else:
            hits = mem.recall(query, k=k, **filters)
    except UnknownAddressError as e:
        fail(str(e))
    except (IngestError, ValueError) as e:
        fail(str(e))
    except ImportError as e:
        fail(f"--text needs the text extra: pip install 'deltaform[text]' ({e})")
    for h in hits:
        if as_json:
            console.print(json.dumps({"address": h.address, "similarity": h.similarity, "formula": h.formula,
                                      "scene": h.scene}, ensure_ascii=False), markup=False, soft_wrap=True)
        else:
            console.print(f"{h.similarity:+.3f}  {h.formula}", markup=False, soft_wrap=True)


@app.command("show")
def show_command(
    memory: Path = MemoryArgument,
    address: str = typer.Argument(..., help="A Δ-address (Δ12 or @12) or a glyph."),
    history: bool = typer.Option(False, "--history", help="Every version, oldest first."),
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
    tree: Optional[Path] = typer.Option(None, "--tree", help="Also draw the formula's tree to this .png/.svg file."),
) -> None:
    """What is stored at ADDRESS: formula, scene, atoms, references, source."""
    mem = open_memory(memory)
    try:
        entries = mem.history(address) if history else [mem.get(address)]
    except UnknownAddressError as e:
        fail(str(e))
    if tree is not None:
        from deltaform.thinking.graph import show_tree

        try:
            show_tree(entries[-1].expr, tree)
        except ImportError as e:
            fail(f"drawing needs the pictures extra: pip install 'deltaform[pictures]' ({e})")
        console.print(f"tree of {address} → {tree}", markup=False)
    for e in entries:
        if as_json:
            console.print(json.dumps(e.to_json(), ensure_ascii=False), markup=False, soft_wrap=True)
            continue
        console.print(e.formula, markup=False, soft_wrap=True)
        where = f"{e.source}:{e.line}" if e.source else "(no source)"
        state = "current" if e.current else "replaced"
        console.print(f"  version {e.version} ({state}), {e.kind}, row {e.row}, from {where}", markup=False,
                      soft_wrap=True)
        if e.facts.atoms:
            console.print(f"  atoms: {', '.join(e.facts.atoms)}", markup=False, soft_wrap=True)
        if e.facts.inherited:
            console.print(f"  through references: {', '.join(e.facts.inherited)}", markup=False, soft_wrap=True)
        if e.facts.refs:
            console.print(f"  refers to: {', '.join(e.facts.refs)}", markup=False, soft_wrap=True)


@app.command("stats")
def stats_command(memory: Path = MemoryArgument,
                  as_json: bool = typer.Option(False, "--json", help="As JSON.")) -> None:
    """Counts, space, size on disk and index state of MEMORY."""
    st = open_memory(memory).stats()
    if as_json:
        console.print(json.dumps(st, ensure_ascii=False), markup=False, soft_wrap=True)
        return
    for key, value in st.items():
        console.print(f"{key:18s} {value}", markup=False, soft_wrap=True)


@app.command("export")
def export_command(
    memory: Path = MemoryArgument,
    output: Path = typer.Option(..., "-o", "--output", help="The JSON-lines file to write."),
    vectors: str = typer.Option("base64", "--vectors", help="base64 (in each line), npy (a .npy beside) or none."),
    history: bool = typer.Option(False, "--history", help="Also the replaced versions."),
) -> None:
    """Write MEMORY as JSON lines (schemas, then one formula per line)."""
    try:
        n = open_memory(memory).export(output, vectors=vectors, history=history)
    except ValueError as e:
        fail(str(e))
    console.print(f"{output}: {n} formulas", markup=False, soft_wrap=True)

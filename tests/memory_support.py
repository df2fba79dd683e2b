"""Helpers shared by the memory tests (imported by name; pytest puts tests/ on sys.path)."""

from __future__ import annotations

import numpy as np

import deltaform as df


def batch_vectors(space: df.Space, batch: int, size: int) -> np.ndarray:
    """The deterministic vectors of batch ``batch`` (the crash test regenerates them to check)."""
    return space.random(size, seed=1000 + batch)


def batch_exprs(batch: int, size: int) -> list[str]:
    return [f"b{batch} + i{i}" for i in range(size)]


def add_batch(mem: df.Memory, batch: int, size: int) -> list[str]:
    return mem.add_vectors(batch_vectors(mem.space, batch, size), batch_exprs(batch, size),
                           scenes=[f"batch {batch}"] * size,
                           atoms=[(f"b{batch}", f"i{i}") for i in range(size)],
                           source=f"batch{batch}", label=str(batch))


def committed_batches(mem: df.Memory) -> dict[int, tuple[int, int]]:
    """label -> (first row, rows) of every batch in the catalogue."""
    con = mem._store.catalog.con
    return {int(label): (first, rows) for label, first, rows in
            con.execute("SELECT label, first_row, rows FROM batches WHERE label IS NOT NULL")}

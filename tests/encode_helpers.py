"""Shared helpers of the encoder tests: bit comparison and encoding through the reference."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from deltaform import ast, parse
from deltaform.encoding import EncodeErrors, EncodeWarning
from reference_encoder import Overflow, ReferenceEncoder

# Small spaces keep the tests fast; odd sizes exercise the tails of the kernels
# and of the fixed-order squared norm (width not a multiple of 8 or 16).
SPACES = [("fhrr", 64), ("fhrr", 13), ("map", 64), ("map", 37), ("bsc", 128), ("bsc", 64)]
ALGEBRA_SPACES = [("fhrr", 64), ("map", 64), ("bsc", 128)]


def bits(a: np.ndarray) -> np.ndarray:
    """The raw bits of a vector batch (uint8 view), for exact comparison."""
    return np.ascontiguousarray(a).view(np.uint8)


def assert_same_bits(got: np.ndarray, want: np.ndarray, what: str = "") -> None:
    assert got.shape == want.shape and got.dtype == want.dtype, (what, got.shape, want.shape, got.dtype, want.dtype)
    if not np.array_equal(bits(got), bits(want)):
        diff = np.flatnonzero(bits(got) != bits(want))
        raise AssertionError(f"{what}: bits differ at {len(diff)} byte(s), first at byte {diff[0]}; "
                             f"got {got.ravel()[:4]}, want {want.ravel()[:4]}")


def statements_of(lines: Sequence[str]) -> list[ast.Node]:
    return [parse(line) for line in lines]


def reference_for(space, statements: Sequence[ast.Node]) -> ReferenceEncoder:
    """A reference encoder that knows every definition and schema among the statements (later ones win)."""
    defs = {s.target: s for s in statements if isinstance(s, ast.Definition)}
    schemas = {s.name: s for s in statements if isinstance(s, ast.Schema)}
    return ReferenceEncoder(space, defs, schemas)


def reference_rows(space, statements: Sequence[ast.Node]) -> list[np.ndarray | None]:
    """The reference vector of each statement, or None where the reference cannot encode it."""
    ref = reference_for(space, statements)
    out: list[np.ndarray | None] = []
    for s in statements:
        try:
            out.append(ref.encode(s))
        except (KeyError, ValueError, Overflow):
            out.append(None)
    return out


def encode_with_errors(space, lines: Sequence[str], threads: int = 1) -> tuple[np.ndarray, dict[int, str]]:
    """Rows of encode_many (errors left zero) and {item index: message} of the items that failed."""
    failed: dict[int, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EncodeWarning)  # programs bind roles to themselves on purpose
        vectors = space.encode_many(lines, threads=threads, errors="zero")
        try:
            space.encode_many(lines, threads=threads, errors="raise")
        except EncodeErrors as e:
            failed = {err.line - 1: str(err) for err in e.errors}
    return vectors, failed


def assert_matches_reference(space, lines: Sequence[str], threads: int = 1) -> np.ndarray:
    """encode_many of the lines equals the reference row by row; items the reference rejects fail and stay zero."""
    statements = statements_of(lines)
    want = reference_rows(space, statements)
    got, failed = encode_with_errors(space, lines, threads)
    for i, (line, w) in enumerate(zip(lines, want)):
        if w is None:
            assert i in failed, f"the reference rejects item {i} ({line!r}) but the encoder accepted it"
            assert not got[i].any(), f"failed item {i} has a nonzero row"
        else:
            assert i not in failed, f"item {i} ({line!r}) failed: {failed.get(i)}"
            assert_same_bits(got[i], w, f"{space!r} item {i}: {line}")
    return got

"""Formulas to vectors (docs/encoding.md): the Python face of the C++ encoder.

Text goes to the core whole: parsing, resolving references, and the vector
work run in C++ without the GIL and without calling back into Python per
formula. Syntax trees are printed canonically and take the same path, so
there is one encoder.
"""

from __future__ import annotations

import os
import warnings as _warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Sequence, Union

import numpy as np

from deltaform import _core
from deltaform.ast import Node, to_text

if TYPE_CHECKING:
    from deltaform.formula import FormulaError
    from deltaform.space import Space

__all__ = [
    "EncodedFile", "EncodeErrors", "EncodeWarning", "encode", "encode_many", "encode_file", "encode_records",
    "scope_of",
]

Formula = Union[str, Node]


def _error(t: tuple) -> "FormulaError":
    from deltaform.formula import _error as make

    return make(t)


def scope_of(registry: object | None) -> "_core.EncodeScope | None":
    """The encoder scope behind a registry or memory (anything with ``encode_scope``), or a scope itself."""
    if registry is None:
        return None
    if isinstance(registry, _core.EncodeScope):
        return registry
    scope = getattr(registry, "encode_scope", None)
    if scope is None:
        raise TypeError(f"registry must be a deltaform.Registry, a Memory or None, got {type(registry).__name__}")
    return scope() if callable(scope) else scope


def _lines(items: Iterable[Formula]) -> list:
    """Formula text per item; syntax trees are printed. Line breaks inside text are caught by the core."""
    lines = items if isinstance(items, list) else list(items)
    if all(type(x) is str for x in lines):
        return lines
    return [_as_line(x, i) for i, x in enumerate(lines)]


def _as_line(item: Formula, index: int) -> str:
    if isinstance(item, str):
        if "\n" in item or "\r" in item:
            raise ValueError(f"item {index}: one formula per item; found a line break (use encode_file for files)")
        return item
    try:
        return to_text(item)
    except TypeError:
        raise TypeError(f"item {index}: expected formula text or a deltaform.ast node, got {type(item).__name__}") from None


def _threads(threads: int | None) -> int:
    if threads is None:
        return 0
    if threads < 0:
        raise ValueError(f"threads must be >= 0 (0 means all cores), got {threads}")
    return int(threads)


class EncodeWarning(UserWarning):
    """Something encoded but is probably not what was meant (a role bound to itself in map or bsc)."""


def _warn(warns: list, stacklevel: int = 3) -> None:
    if not warns:
        return
    shown = [str(_error(w)).replace(": error: ", ": warning: ", 1) for w in warns[:5]]
    more = f"\n… and {len(warns) - 5} more" if len(warns) > 5 else ""
    _warnings.warn(EncodeWarning("\n".join(shown) + more), stacklevel=stacklevel + 1)


class EncodeErrors(ValueError):
    """Some formulas of a batch could not be encoded; ``errors`` lists each, in line order."""

    def __init__(self, errors: list["FormulaError"], total: int) -> None:
        self.errors = errors
        head = "\n".join(str(e) for e in errors[:5])
        more = f"\n… and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} of {total} formulas could not be encoded:\n{head}{more}")


def encode_many(
    space: "Space",
    items: Iterable[Formula],
    registry: object | None = None,
    threads: int | None = None,
    errors: str = "raise",
    out: np.ndarray | None = None,
) -> np.ndarray:
    """One vector per item, shape ``(n, width)``.

    Items are formula text (one statement each) or syntax-tree nodes.
    Definitions among the items are visible to every item (any order).
    ``errors="raise"`` raises :class:`EncodeErrors` listing every bad item;
    ``errors="zero"`` leaves their rows zero instead. Formulas that encode
    but probably say something else than meant (a role bound to itself in
    map or bsc, where that is the identity) give one :class:`EncodeWarning`.

    ``out``: an array of shape ``(n, width)`` and the space's dtype,
    C-contiguous and writeable, to write the vectors into (returned). Reusing
    one buffer across batches saves the system's zeroing of fresh memory on
    every call. If the batch raises, ``out`` may hold some rows written.
    """
    if errors not in ("raise", "zero"):
        raise ValueError(f"errors must be 'raise' or 'zero', got {errors!r}")
    lines = _lines(items)
    vectors, _, errs, warns = _core.encode_lines(
        space._core, lines, scope_of(registry), "<string>", True, _threads(threads), out
    )
    if errs and errors == "raise":
        raise EncodeErrors([_error(e) for e in errs], len(lines))
    _warn(warns)
    return vectors


def encode(space: "Space", formula: Formula, registry: object | None = None) -> np.ndarray:
    """The vector of one formula, shape ``(width,)``; raises FormulaError if it cannot be encoded."""
    lines = [_as_line(formula, 0)]
    vectors, _, errs, warns = _core.encode_lines(space._core, lines, scope_of(registry), "<string>", True, 1)
    if errs:
        raise _error(errs[0])
    _warn(warns)
    return vectors[0]


@dataclass
class EncodedFile:
    """The result of encoding a file: a row per statement that encoded, and every error."""

    filename: str
    vectors: np.ndarray
    lines: np.ndarray  # 1-based line number of each row
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def encode_file(
    space: "Space",
    path: str | os.PathLike,
    registry: object | None = None,
    threads: int | None = None,
    strict: bool = False,
    chunk: int = 65536,
    progress: Callable[[int, int], None] | None = None,
) -> EncodedFile:
    """Encodes every statement of a ``.df`` file; bad lines are reported, good ones kept.

    The whole file is parsed first, so definitions resolve in any order; then
    statements are encoded in chunks (``progress(done, total)`` after each).
    Rows of statements that could not be encoded (say, an unknown reference)
    are dropped from ``vectors`` and listed in ``errors``, in line order.
    With ``strict=True`` the first error raises.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    document, _, parse_errors = _core.formula_parse_text(data, path, bool(strict), False)
    if parse_errors and strict:
        raise _error(parse_errors[0])
    scope = _core.EncodeScope(scope_of(registry))
    scope.add_document(document)
    total = _core.document_size(document)
    parts, line_parts, errors, warnings = [], [], [_error(e) for e in parse_errors], []
    for start in range(0, max(total, 1), chunk):
        stop = min(total, start + chunk)
        vectors, lines, failed, errs, warns = _core.encode_document(
            space._core, document, scope, start, stop, _threads(threads)
        )
        if failed:
            if strict:
                raise _error(errs[0])
            keep = np.ones(len(lines), dtype=bool)
            keep[np.asarray(failed, dtype=np.int64)] = False
            vectors, lines = vectors[keep], lines[keep]
        parts.append(vectors)
        line_parts.append(lines)
        errors.extend(_error(e) for e in errs)
        warnings.extend(_error(w) for w in warns)
        if progress is not None:
            progress(stop, total)
    errors.sort(key=lambda e: e.line)
    return EncodedFile(path, np.concatenate(parts), np.concatenate(line_parts), errors, warnings)


def encode_records(
    space: "Space",
    roles: np.ndarray | Sequence[Sequence[int]],
    fillers: np.ndarray | Sequence[Sequence[int]],
    weights: np.ndarray | None = None,
    threads: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Role–filler records from tables of codebook ids (``Space.atom_ids``), shape ``(n, p)`` each.

    Row i equals ``encode("w1*r1: f1 + w2*r2: f2 + …")`` for that row's ids.
    ``out``: as in :func:`encode_many`, a buffer of shape ``(n, width)`` to
    write into (it must not overlap the id tables).
    """
    roles = np.ascontiguousarray(roles, dtype=np.uint32)
    fillers = np.ascontiguousarray(fillers, dtype=np.uint32)
    return _core.encode_records(space._core, roles, fillers, weights, _threads(threads), out)

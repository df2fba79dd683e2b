"""Parsing Δ-formula text (docs/language.md) into the nodes of :mod:`deltaform.ast`.

The one parser lives in the C++ core; this module is the Python face of it::

    parse("Δ16 = тревога → надежда → покой")      # one statement
    parse_expr("0.8*жар + 0.2*тишина")             # one expression
    parse_many(lines, filename="scenes.df")        # every line; good ones kept, bad ones reported
    parse_file("scenes.df")

Bad input raises (or, in ``parse_many``/``parse_file``, reports) a
:class:`FormulaError` that names the file, line and column and shows the line
with a caret under the spot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator, NamedTuple, Union

from deltaform import _core
from deltaform.ast import Expr, Statement

__all__ = [
    "FormulaError", "Located", "ParseResult", "parse", "parse_expr", "parse_many", "parse_file",
    "MAX_DEPTH",
]

#: Deepest nesting of parentheses, argument lists and prefix operators accepted.
MAX_DEPTH: int = _core.FORMULA_MAX_DEPTH


class FormulaError(ValueError):
    """A positioned error in formula text.

    ``str(error)`` is the full message::

        scenes.df:3:15: error: expected a formula after '+'
          Δ12 = (вода + + весна)
                        ^
    """

    def __init__(self, file: str, line: int, column: int, expected: str, source_line: str,
                 message: str | None = None) -> None:
        self.file = file
        self.line = line
        self.column = column            # 1-based, in characters
        self.expected = expected        # what was expected, in plain words
        self.source_line = source_line
        self.message = message if message is not None else _format(
            file, line, column, expected, source_line)
        super().__init__(self.message)

    def __reduce__(self):
        return (FormulaError, (self.file, self.line, self.column, self.expected,
                               self.source_line, self.message))


def _format(file: str, line: int, column: int, expected: str, source_line: str) -> str:
    caret = "".join("\t" if ch == "\t" else " " for ch in source_line[:column - 1])
    return f"{file}:{line}:{column}: error: {expected}\n  {source_line}\n  {caret}^"


def _error(t: tuple) -> FormulaError:
    file, line, column, expected, source_line, message = t
    return FormulaError(file, line, column, expected, source_line, message)


class Located(NamedTuple):
    """A statement and the line it came from."""
    line: int
    statement: Statement


@dataclass
class ParseResult:
    """What parsing many lines gives: the good statements and every error."""
    filename: str
    statements: list[Located]
    errors: list[FormulaError]
    document: object = field(default=None, repr=False, compare=False)  # the C++ parse, for Registry

    @property
    def ok(self) -> bool:
        return not self.errors

    def __iter__(self) -> Iterator[Located]:
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def raise_first(self) -> None:
        """Raises the first error, if there is one."""
        if self.errors:
            raise self.errors[0]


def _encode(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    if not isinstance(text, str):
        raise TypeError(f"formula text must be str or bytes, not {type(text).__name__}")
    # A lone surrogate becomes invalid UTF-8 that the core reports with its position.
    return text.encode("utf-8", "surrogatepass")


def parse(text: str | bytes, filename: str = "<string>") -> Statement:
    """Parses one statement: a definition, a schema declaration or an anonymous formula.

    An expression alone (``вода + боль``) is an :class:`~deltaform.ast.Anonymous`.
    Blank lines and comments around the statement are allowed.
    """
    _, node, error = _core.formula_parse_one(_encode(text), filename, False)
    if error is not None:
        raise _error(error)
    return node


def parse_expr(text: str | bytes, filename: str = "<string>") -> Expr:
    """Parses one expression (no ``=``, no scene)."""
    _, node, error = _core.formula_parse_one(_encode(text), filename, True)
    if error is not None:
        raise _error(error)
    return node


def _join(lines: Union[str, bytes, Iterable[str]]) -> bytes:
    if isinstance(lines, (str, bytes)):
        return _encode(lines)
    items = list(lines)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"lines must be str, not {type(item).__name__}")
    text = "\n".join(items)
    if text.count("\n") != max(len(items) - 1, 0):
        raise ValueError("a line passed to parse_many contains a newline; pass the text as one "
                         "string instead, or split it into lines")
    return _encode(text)


def parse_many(lines: Union[str, bytes, Iterable[str]], filename: str = "<string>",
               strict: bool = False) -> ParseResult:
    """Parses every line: text (split at newlines) or an iterable of lines.

    Returns the good statements with their line numbers and every error (one per
    bad line). With ``strict=True`` the first error is raised instead.
    """
    doc, statements, errors = _core.formula_parse_text(_join(lines), filename, strict, True)
    result = ParseResult(filename, [Located(n, s) for n, s in statements],
                         [_error(e) for e in errors], doc)
    if strict:
        result.raise_first()
    return result


def parse_file(path: str | os.PathLike, strict: bool = False) -> ParseResult:
    """Parses a ``.df`` file (UTF-8, one statement per line); see :func:`parse_many`."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_many(data, filename=os.fspath(path), strict=strict)

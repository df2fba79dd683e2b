"""Formula text → syntax tree, through the project's parser (imported only when text is given)."""

from __future__ import annotations

from typing import Any


def parse_text(text: str) -> Any:
    """Parses one formula statement with ``deltaform.formula.parse``."""
    try:
        from ..formula import parse  # type: ignore[attr-defined]
    except ImportError as err:
        raise ImportError(
            "rendering formula text needs the formula parser (deltaform.formula.parse), which this "
            "install lacks; pass a syntax tree from deltaform.ast instead") from err
    result = parse(text)
    # the parser may return one statement, a list of them, or a program holding them:
    # the last statement is the formula to render
    if hasattr(result, "statements"):
        result = result.statements
    if isinstance(result, (list, tuple)):
        if not result:
            raise ValueError("the formula text holds no statement")
        result = result[-1]
    return result

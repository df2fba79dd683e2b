"""Plain functions behind ``deltaform extract / split / render``: each returns printable text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..ast import to_text


def _read(text_or_path: str) -> str:
    """The text itself, or a file's contents when the argument names an existing file."""
    if "\n" not in text_or_path and len(text_or_path) < 4096:
        path = Path(text_or_path)
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError:
            pass
    return text_or_path


def cli_extract(text_or_path: str, lang: str | None = None, max_atoms: int = 8) -> str:
    """The scene's core as one canonical formula line, ``formula = scene``."""
    from .scene import extract
    scene = _read(text_or_path).strip()
    formula = extract(scene, lang, max_atoms=max_atoms)
    return f"{to_text(formula)} = {' '.join(scene.split())}"


def cli_split(word: str, lang: str | None = None, n: int = 5) -> str:
    """The best split as a formula, then the ranked alternatives; raises CannotSplit when none."""
    from .fused import split_fused
    result = split_fused(word, lang, n=n)
    lines = [to_text(result.formula)]
    for k, alt in enumerate(result.alternatives, 1):
        lines.append(f"  {k}. {alt}  (p={alt.probability:.3f}, log10={alt.score:.2f})")
    return "\n".join(lines)


def cli_render(formula: Any, lang: str = "ru", n: int = 5, seed: int = 0, resolver: Any = None,
               neighbours: Any = None) -> str:
    """n phrasings, one a line (``neighbours`` as in :func:`render`)."""
    from .phrasing import render
    return "\n".join(render(formula, lang, n=n, seed=seed, resolver=resolver, neighbours=neighbours))

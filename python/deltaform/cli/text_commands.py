"""extract, split, render: between prose and formulas (needs the `text` extra)."""

from __future__ import annotations

import typer

from deltaform.cli import app
from deltaform.cli.common import console, fail

LangOption = typer.Option(None, "--lang", help="ru or en (detected from the letters when omitted).")


def _text_side():
    try:
        from deltaform.text import cli
    except ImportError as e:  # a dependency of the text extra is missing
        fail(f"the text side needs the 'text' extra: pip install 'deltaform[text]' ({e})")
    return cli


def _show(command: str, *args, **kwargs) -> None:
    """Runs one of the text side's printable commands; its ValueError becomes exit code 1."""
    try:
        console.print(getattr(_text_side(), command)(*args, **kwargs), markup=False, soft_wrap=True)
    except ValueError as e:
        fail(str(e), code=1)


@app.command("extract")
def extract_command(
    text: str = typer.Argument(..., help="A scene, or the path of a text file."),
    lang: str = LangOption,
    max_atoms: int = typer.Option(8, "--max-atoms", help="At most this many concepts."),
) -> None:
    """The core of a scene as a formula: `formula = scene`."""
    _show("cli_extract", text, lang, max_atoms=max_atoms)


@app.command("split")
def split_command(
    word: str = typer.Argument(..., help="A fused word such as жартишинавспышка."),
    lang: str = LangOption,
    n: int = typer.Option(5, "-n", help="Alternatives to list."),
) -> None:
    """Split a fused word into atoms: the best split as a formula, then ranked alternatives."""
    _show("cli_split", word, lang, n=n)


@app.command("render")
def render_command(
    formula: str = typer.Argument(..., help="Formula text, e.g. 'образ: вода + эмоция: боль'."),
    n: int = typer.Option(5, "-n", help="How many phrasings."),
    lang: str = typer.Option("ru", "--lang", help="ru or en."),
    seed: int = typer.Option(0, "--seed", help="Seed for the choice of phrasings."),
    neighbours: bool = typer.Option(False, "--neighbours", help="Let some phrasings set near neighbours of atoms "
                                    "beside them (navec for ru, WordLlama for en; needs the grounding extra)."),
) -> None:
    """Several different phrasings of the scene a formula holds."""
    _show("cli_render", formula, lang, n=n, seed=seed, neighbours=neighbours or None)

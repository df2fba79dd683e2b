"""The ``deltaform`` command line: one typer app, commands grouped by area."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="deltaform",
    help="Δ-formulas: parse, encode, store, recall and decode couplings of concepts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module adds its commands to `app` when imported.
from deltaform.cli import formulas as _formulas  # noqa: E402,F401
from deltaform.cli import demo as _demo  # noqa: E402,F401
from deltaform.cli import text_commands as _text_commands  # noqa: E402,F401
from deltaform.cli import memory_commands as _memory_commands  # noqa: E402,F401
from deltaform.cli import decode_command as _decode_command  # noqa: E402,F401
from deltaform.cli import flash_commands as _flash_commands  # noqa: E402,F401
from deltaform.cli import graph_commands as _graph_commands  # noqa: E402,F401
from deltaform.cli import match_commands as _match_commands  # noqa: E402,F401


def main() -> None:
    app()

"""The definitions formulas refer to, checked together (a C++ class underneath).

    reg = Registry()
    reg.add(parse_file("scenes.df"))
    for error in reg.check():
        print(error)
    reg.definition("Δ12")                 # the Definition, or None
    reg.expand("ΔF(таяние, память)")      # ΔF's body with the arguments substituted
"""

from __future__ import annotations

import os
from typing import Iterable, Union

from deltaform import _core
from deltaform.ast import Anonymous, Definition, Expr, Schema, Statement, to_text
from deltaform.formula import FormulaError, ParseResult, _error, parse_file, parse_many

__all__ = ["Registry"]

Source = Union[ParseResult, str, bytes, Statement, Iterable[Statement]]


def _address(address: str) -> str:
    return "\u0394" + address[1:] if address.startswith("@") else address


class Registry(_core.Registry):
    """Schema declarations, Δ/glyph definitions and parametric definitions.

    Definitions may come in any order and from several sources; :meth:`check`
    reports unknown references and schemas, wrong numbers of arguments, cycles,
    redefinitions and misplaced variables as positioned :class:`FormulaError` s.
    """

    def __init__(self) -> None:
        super().__init__()
        # The encoder's view of the same documents (Space.encode(..., registry=reg)).
        self._scope = _core.EncodeScope()

    def add_document(self, document) -> None:
        super().add_document(document)
        self._scope.add_document(document)

    def encode_scope(self) -> "_core.EncodeScope":
        """What the encoder resolves references against: this registry's definitions."""
        return self._scope

    def add(self, source: Source, filename: str = "<string>") -> ParseResult:
        """Adds a parse result, formula text, a statement or several statements.

        Returns the parse result, whose ``errors`` are the lines that did not
        parse (their statements are not added).
        """
        if isinstance(source, ParseResult):
            result = source
        elif isinstance(source, (str, bytes)):
            result = parse_many(source, filename=filename)
        elif isinstance(source, (Definition, Schema, Anonymous)):
            result = parse_many([to_text(source)], filename=filename)
        else:
            result = parse_many([to_text(s) for s in source], filename=filename)
        if result.document is None:
            raise ValueError("this ParseResult carries no parsed document")
        self.add_document(result.document)
        return result

    def add_file(self, path: str | os.PathLike) -> ParseResult:
        """Parses and adds a ``.df`` file; returns the parse result (see :meth:`add`)."""
        return self.add(parse_file(path))

    def known(self, *addresses: str) -> None:
        """Declares addresses or glyphs defined elsewhere (say, in a memory)."""
        for a in addresses:
            self.add_known(_address(a))

    def check(self) -> list[FormulaError]:
        """Every problem, in file order (an empty list when all is well)."""
        return [_error(t) for t in self.check_errors()]

    def raise_for_errors(self) -> None:
        errors = self.check()
        if errors:
            raise errors[0]

    def definition(self, address: str) -> Definition | None:
        """The definition of ``Δ12`` (or ``@12``) or of a glyph, or None."""
        return self.definition_of(_address(address))

    def schema(self, name: str) -> Schema | None:
        """The declaration of a schema (names compare like atoms: NFC + casefold)."""
        return self.schema_of(name)

    def order(self) -> list[str]:
        """Addresses and glyphs of the definitions, each after every one it refers to.

        Definitions in a cycle, or depending on one, are left out.
        """
        return self.order_names()

    def expand(self, formula: Expr | str, max_nodes: int = 1 << 20) -> Expr:
        """The formula with every parametric application ``ΔF(a, b)`` replaced by
        ΔF's body, the arguments standing where the parameters stood."""
        text = formula if isinstance(formula, str) else to_text(formula)
        doc, _, error = _core.formula_parse_one(text.encode("utf-8", "surrogatepass"), "<string>", True)
        if error is not None:
            raise _error(error)
        return self.expand_statement(doc, 0, max_nodes)

    def body(self, address: str, max_nodes: int = 1 << 20) -> Expr:
        """The expanded body of a stored definition."""
        address = _address(address)
        definition = self.definition(address)
        if definition is None:
            raise KeyError(f"{address} is not defined")
        return self.expand(definition.expr, max_nodes)

    def __contains__(self, address: str) -> bool:
        return self.definition_of(_address(address)) is not None

    def __len__(self) -> int:
        return self.definition_count

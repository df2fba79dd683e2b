"""From formula text to records: the ONE place where the memory depends on the parser and encoder.

``prepare`` parses the items of a batch, resolves their references against the
memory (and against earlier items of the same batch), encodes them and returns
records for :meth:`WriteSession.commit`. Everything else in the memory works on
records and vectors only.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from deltaform import ast
from deltaform.memory.errors import CorruptMemoryError, UnknownAddressError
from deltaform.memory.records import Facts, Record, SchemaRecord, facts_of
from deltaform.space import Space

if TYPE_CHECKING:
    from deltaform.memory.memory import Memory
    from deltaform.memory.store import WriteSession

__all__ = ["Item", "FileReport", "prepare", "encode_query", "add_file", "repair_vectors", "is_glyph"]


@dataclass
class Item:
    """One statement to add, with where it came from."""
    statement: str | ast.Node
    source: str | None = None
    line: int | None = None


@dataclass
class FileReport:
    """What ``add_file`` did: the addresses stored and the lines it could not read."""
    path: str
    added: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    batches: int = 0

    def __str__(self) -> str:
        return (f"{self.path}: {len(self.added)} formulas, {len(self.schemas)} schemas added in "
                f"{self.batches} batches; {len(self.errors)} bad lines")


# ---------------------------------------------------------------- the parser and encoder
def _parse(text: str, source: str | None, line: int | None) -> ast.Statement:
    try:
        from deltaform import parse
    except ImportError as e:  # pragma: no cover - until the parser is part of the build
        raise NotImplementedError("adding formula text needs deltaform.parse, which this build lacks") from e
    return parse(text)


def _encode(space: Space, statements: Sequence[ast.Statement], resolver: "Resolver") -> np.ndarray:
    """Stored vectors of definitions/anonymous formulas, each scaled as ENCODING_RULES say."""
    encode_many = getattr(space, "encode_many", None)
    if encode_many is None:  # pragma: no cover - until the encoder is part of the build
        raise NotImplementedError("adding formulas needs Space.encode_many, which this build lacks")
    return encode_many(list(statements), registry=resolver)


def is_glyph(text: str) -> bool:
    """A glyph (FORMULA.md): one code point of category So/Sm that is no operator, or of the
    Alchemical Symbols / Egyptian Hieroglyphs blocks."""
    if len(text) != 1:
        return False
    cp = ord(text)
    if 0x1F700 <= cp <= 0x1F77F or 0x13000 <= cp <= 0x1342F:
        return True
    return unicodedata.category(text) in ("So", "Sm") and text not in "+-*~→:=()<>|"


# ---------------------------------------------------------------- references
class Resolver:
    """What the encoder may look up: stored vectors, parametric definitions, schemas.

    Sees the memory as of the write transaction plus the batch's own earlier items.
    """

    def __init__(self, session: "WriteSession | None") -> None:
        self.session = session
        self._entries: dict[str, Any] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._params: dict[str, tuple[tuple[str, ...], ast.Expr]] = {}
        self._schemas: dict[str, tuple[str, ...]] = dict(session.schemas()) if session is not None else {}
        self._batch: set[str] = set()

    # lookups used by the encoder ------------------------------------------------
    def vector(self, address: str) -> np.ndarray:
        if address not in self._vectors:
            self._load([address])
        if address not in self._vectors:
            raise UnknownAddressError(f"{address} is not defined (not in the memory, nor earlier in this batch)")
        return self._vectors[address]

    def parametric(self, address: str) -> tuple[tuple[str, ...], ast.Expr]:
        if address not in self._params:
            self._load([address])
        if address not in self._params:
            raise UnknownAddressError(f"{address} is not a parametric formula in this memory")
        return self._params[address]

    def schema_roles(self, name: str) -> tuple[str, ...]:
        key = ast.normalize_name(name)
        if key not in self._schemas:
            raise UnknownAddressError(f"schema {name} is not declared")
        return self._schemas[key]

    def __contains__(self, address: str) -> bool:
        if address not in self._vectors:
            self._load([address])
        return address in self._vectors

    # bookkeeping -----------------------------------------------------------------
    def row_of(self, address: str) -> int | None:
        e = self._entries.get(address)
        return None if e is None else e.row

    def _load(self, addresses: Iterable[str]) -> None:
        if self.session is None:
            return
        want = [a for a in addresses if a not in self._vectors and a not in self._batch]
        if not want:
            return
        found = self.session.current(want)
        if not found:
            return
        rows = [e.row for e in found.values()]
        vecs = self.session.vectors(rows)
        for (a, e), v in zip(found.items(), vecs):
            self._entries[a] = e
            self._vectors[a] = v
            if e.kind == "parametric":
                self._params[a] = (e.params, _parse_expr(e.expr))

    def define(self, address: str, vector: np.ndarray, params: tuple[str, ...] = (), body: ast.Expr | None = None) -> None:
        self._batch.add(address)
        self._vectors[address] = vector
        self._entries.pop(address, None)
        if params and body is not None:
            self._params[address] = (params, body)

    def declare(self, name: str, roles: tuple[str, ...]) -> None:
        self._schemas[ast.normalize_name(name)] = roles


def _parse_expr(expr_text: str) -> ast.Expr:
    st = _parse(expr_text, None, None)
    return st.expr if isinstance(st, (ast.Anonymous, ast.Definition)) else st


# ---------------------------------------------------------------- batches
def _as_items(items: Sequence[Any], source: str | None, first_line: int | None) -> list[Item]:
    out = []
    for i, it in enumerate(items):
        if isinstance(it, Item):
            out.append(it)
        else:
            out.append(Item(it, source, None if first_line is None else first_line + i))
    return out


def _statement(item: Item) -> ast.Statement:
    st = item.statement
    if isinstance(st, str):
        where = f"{item.source or '<string>'}" + (f":{item.line}" if item.line is not None else "")
        if not st.strip():
            raise ValueError(f"{where}: empty formula")
        st = _parse(st, item.source, item.line)
    if isinstance(st, (ast.Definition, ast.Anonymous, ast.Schema)):
        return st
    return ast.Anonymous(expr=st)  # a bare expression tree


def prepare(session: "WriteSession", space: Space, items: Sequence[Any], *, source: str | None = None,
            first_line: int | None = None, replace: bool = False
            ) -> tuple[list[Record], list[SchemaRecord], list[int]]:
    """Parse, resolve and encode a batch; returns (records, schemas, slot of each record in ``items``)."""
    items = _as_items(items, source, first_line)
    resolver = Resolver(session)
    records: list[Record] = []
    schemas: list[SchemaRecord] = []
    slots: list[int] = []
    pending: list[tuple[int, ast.Statement, Item]] = []
    for slot, item in enumerate(items):
        st = _statement(item)
        if isinstance(st, ast.Schema):
            roles = tuple(st.roles)
            schemas.append(SchemaRecord(name=ast.normalize_name(st.name), roles=roles, source=item.source,
                                        line=item.line))
            resolver.declare(st.name, roles)
            continue
        pending.append((slot, st, item))

    # Encode in waves: a statement waits for the batch items it refers to.
    defined_here = {st.target for _, st, _ in pending if isinstance(st, ast.Definition)}
    done: set[str] = set()
    vectors: dict[int, np.ndarray] = {}
    remaining = pending
    while remaining:
        wave, later = [], []
        for entry in remaining:
            refs = set(facts_of(entry[1]).refs) & defined_here
            own = entry[1].target if isinstance(entry[1], ast.Definition) else None
            if (refs - {own}) <= done:
                wave.append(entry)
            else:
                later.append(entry)
        if not wave:
            where = ", ".join(f"{it.source or '<string>'}:{it.line}" if it.line is not None else st.target
                              for _, st, it in later[:5])
            raise ValueError(f"these definitions refer to each other in a cycle: {where}")
        encoded = _encode(space, [st for _, st, _ in wave], resolver)
        for (slot, st, item), v in zip(wave, encoded):
            vectors[slot] = v
            if isinstance(st, ast.Definition):
                resolver.define(st.target, v, tuple(st.params), st.expr if st.params else None)
                done.add(st.target)
        remaining = later

    for slot, st, item in pending:
        facts = facts_of(st)
        for a in facts.refs:
            facts.refs[a] = resolver.row_of(a)
        if isinstance(st, ast.Definition):
            kind = "parametric" if st.params else ("formula" if st.target.startswith("Δ") else "symbol")
            rec = Record(vector=vectors[slot], expr=ast.to_text(st.expr), address=st.target, scene=st.scene,
                         kind=kind, params=tuple(st.params), facts=facts, source=item.source, line=item.line)
        else:
            rec = Record(vector=vectors[slot], expr=ast.to_text(st.expr), address=None, scene=st.scene,
                         facts=facts, source=item.source, line=item.line)
        records.append(rec)
        slots.append(slot)
    return records, schemas, slots


def encode_query(memory: "Memory", query: str | ast.Node) -> np.ndarray:
    """A query formula's vector, its references resolved against the memory (read-only)."""
    st = _statement(Item(query))
    if isinstance(st, ast.Schema):
        raise ValueError("a schema declaration is not a query")
    resolver = _ReadResolver(memory)
    return np.asarray(_encode(memory.space, [st], resolver))[0]


class _ReadResolver(Resolver):
    """A resolver over the memory's committed state, for queries (no write transaction)."""

    def __init__(self, memory: "Memory") -> None:
        super().__init__(None)
        self.memory = memory
        self._schemas = dict(memory.schemas())

    def _load(self, addresses: Iterable[str]) -> None:
        for a in addresses:
            if a in self._vectors:
                continue
            try:
                e = self.memory.get(a)
            except UnknownAddressError:
                continue
            self._entries[a] = e
            self._vectors[a] = self.memory.vector(a)
            if e.kind == "parametric":
                self._params[a] = (e.params, _parse_expr(e.expr))


# ---------------------------------------------------------------- files
def add_file(memory: "Memory", path: str, *, replace: bool, strict: bool, batch_size: int) -> FileReport:
    report = FileReport(path=path)
    items: list[Item] = []
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, start=1):
            text = _strip_comment(raw.rstrip("\n")).strip()
            if not text:
                continue
            try:
                items.append(Item(_parse(text, path, number), path, number))
            except NotImplementedError:
                raise
            except Exception as e:  # the parser's error names line and column of the statement
                report.errors.append(f"{path}:{number}: {e}")
    if strict and report.errors:
        raise ValueError(f"{path}: {len(report.errors)} bad lines, nothing added:\n" + "\n".join(report.errors[:20]))
    for i in range(0, len(items), batch_size):
        part = items[i:i + batch_size]
        addresses = memory.add_many(part, replace=replace, label=f"{os.path.basename(path)}:{part[0].line}")
        for it, a in zip(part, addresses):
            if a is None:
                report.schemas.append(it.statement.name if isinstance(it.statement, ast.Schema) else "")
            else:
                report.added.append(a)
        report.batches += 1
    return report


def _strip_comment(line: str) -> str:
    """Cut a ``#`` comment that is outside quotes."""
    quoted = escaped = False
    for i, c in enumerate(line):
        if escaped:
            escaped = False
        elif c == "\\" and quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return line[:i]
    return line


# ---------------------------------------------------------------- repair
def repair_vectors(path: str, space: Space | None) -> int:
    """Re-encode committed rows missing from a truncated vector file from their stored formulas."""
    raise CorruptMemoryError(f"{path}: repairing the vector file needs the formula encoder, which this "
                             "build lacks")

"""From formula text to records: the ONE place where the memory depends on the parser and encoder.

``prepare`` parses the statements of a batch, builds the encoder's scope from the
memory (the stored vectors they refer to, the parametric definitions they apply,
the schemas they call), encodes them in the core and returns records for
:meth:`WriteSession.commit`. Everything else in the memory works on records and
vectors only.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from deltaform import ast
from deltaform.memory.entries import Entry, definition_text
from deltaform.memory.errors import CorruptMemoryError, UnknownAddressError
from deltaform.memory.records import Record, SchemaRecord, scan
from deltaform.space import Space

if TYPE_CHECKING:
    from deltaform.memory.memory import Memory
    from deltaform.memory.store import WriteSession

__all__ = ["Item", "FileReport", "IngestError", "prepare", "build_scope", "encode_query", "add_file",
           "repair_vectors", "is_glyph"]

Lookup = Callable[[Sequence[str]], "dict[str, tuple[Entry, np.ndarray]]"]


@dataclass
class Item:
    """One statement to add (text or syntax tree), with where it came from."""
    statement: str | ast.Node
    source: str | None = None
    line: int | None = None


@dataclass
class FileReport:
    """What ``add_file`` did: the addresses stored and the lines it could not use."""
    path: str
    added: list[str] = field(default_factory=list)
    schemas: int = 0
    errors: list = field(default_factory=list)   # FormulaError per bad line
    batches: int = 0

    def __str__(self) -> str:
        return (f"{self.path}: {len(self.added)} formulas and {self.schemas} schemas added in "
                f"{self.batches} batches; {len(self.errors)} bad lines")


class IngestError(ValueError):
    """Statements of a batch could not be parsed or encoded; nothing of the batch was stored.

    ``errors`` holds one :class:`deltaform.FormulaError` per bad statement, each
    naming the source (file or ``<string>``), line and column.
    """

    def __init__(self, errors: list, total: int) -> None:
        self.errors = errors
        head = "\n".join(str(e) for e in errors[:5])
        more = f"\n… and {len(errors) - 5} more" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} of {total} statements could not be added (nothing was stored):\n"
                         f"{head}{more}")


# ---------------------------------------------------------------- the parser and encoder
def _relocate(error: Any, items: Sequence[Item]) -> Any:
    """An error about batch line i, re-addressed to the item's own source and line."""
    from deltaform.formula import FormulaError
    i = error.line - 1
    if not 0 <= i < len(items):
        return error
    item = items[i]
    return FormulaError(item.source or "<string>", item.line if item.line is not None else i + 1,
                        error.column, error.expected, error.source_line)


def _parse_lines(lines: list[str], items: Sequence[Item]) -> list[ast.Statement]:
    from deltaform.formula import parse_many
    result = parse_many(lines)
    if result.errors:
        raise IngestError([_relocate(e, items) for e in result.errors], len(lines))
    return [located.statement for located in result.statements]


def _parse_expr(expr_text: str) -> ast.Expr:
    from deltaform.formula import parse_expr
    return parse_expr(expr_text)


def _encode_lines(space: Space, lines: list[str], scope: Any, items: Sequence[Item]) -> np.ndarray:
    from deltaform import _core
    from deltaform.formula import _error
    vectors, _, errors, _ = _core.encode_lines(space._core, lines, scope, "<string>", True, 0)
    if errors:
        raise IngestError([_relocate(_error(e), items) for e in errors], len(lines))
    return vectors


def is_glyph(text: str) -> bool:
    """A glyph (FORMULA.md): one code point of category So/Sm that is no operator, or of the
    Alchemical Symbols / Egyptian Hieroglyphs blocks."""
    if len(text) != 1:
        return False
    cp = ord(text)
    if 0x1F700 <= cp <= 0x1F77F or 0x13000 <= cp <= 0x1342F:
        return True
    return unicodedata.category(text) in ("So", "Sm") and text not in "+-*~→:=()<>|"


# ---------------------------------------------------------------- the encoder's scope
def _uses(node: ast.Node, scanned: tuple | None = None) -> tuple[set[str], set[str], set[str]]:
    """(plain references, parametric applications, schema names) in a tree."""
    facts, applied = scanned if scanned is not None else scan(node)
    plain = {a for a in facts.refs if a not in applied or _plain_too(node, a)}
    return plain, set(applied), set(facts.schemas)


def _plain_too(node: ast.Node, address: str) -> bool:
    """Whether an address applied with arguments is also referred to plainly (rare)."""
    return any(isinstance(n, ast.Ref) and n.address == address and not n.args for n in ast.walk(node))


def build_scope(space: Space, statements: Sequence[ast.Statement], lookup: Lookup,
                schemas: dict[str, tuple[str, ...]], scans: Sequence[tuple] | None = None
                ) -> tuple[Any, dict[str, Entry]]:
    """The encoder scope for ``statements`` and the stored entries it resolved.

    It holds the stored vectors the statements refer to, the parametric
    definitions they apply (and, in turn, what those refer to) and the declared
    schemas they call. Names the statements define themselves are left out, so
    the encoder uses the batch's own (new) definitions for them.
    """
    from deltaform import _core
    from deltaform.formula import parse_many
    defined = {st.target for st in statements if isinstance(st, ast.Definition)}
    declared = {ast.normalize_name(st.name) for st in statements if isinstance(st, ast.Schema)}
    plain: set[str] = set()
    applied: set[str] = set()
    used_schemas: set[str] = set()
    for i, st in enumerate(statements):
        if isinstance(st, ast.Schema):
            continue
        p, a, s = _uses(st, scans[i] if scans is not None else None)
        plain |= p
        applied |= a
        used_schemas |= s
    resolved: dict[str, Entry] = {}
    vectors: dict[str, np.ndarray] = {}
    templates: dict[str, Entry] = {}
    todo_plain, todo_applied = plain - defined, applied - defined
    while todo_plain or todo_applied:
        found = lookup(sorted(todo_plain | todo_applied))
        next_plain: set[str] = set()
        next_applied: set[str] = set()
        for a, (entry, vec) in found.items():
            resolved[a] = entry
            if a in todo_plain:
                vectors[a] = vec
            if a in todo_applied and entry.kind == "parametric":
                templates[a] = entry
                p, ap, s = _uses(_parse_expr(entry.expr))
                used_schemas |= s
                next_plain |= {x for x in p if x not in vectors and x not in defined}
                next_applied |= {x for x in ap if x not in templates and x not in defined}
        todo_plain, todo_applied = next_plain, next_applied
    scope = _core.EncodeScope()
    if vectors:
        names = list(vectors)
        scope.add_vectors(space._core, names, np.ascontiguousarray(np.stack([vectors[a] for a in names])))
    lines = [f"schema {name}({', '.join(schemas[name])})" for name in sorted(used_schemas - declared)
             if name in schemas]
    lines += [definition_text(a, e.params, e.expr, None) for a, e in templates.items()]
    if lines:
        doc = parse_many(lines, filename="<memory>")
        if doc.errors:
            raise CorruptMemoryError(f"a stored definition does not parse: {doc.errors[0]}")
        scope.add_document(doc.document)
    return scope, resolved


# ---------------------------------------------------------------- batches
def _as_items(items: Sequence[Any], source: str | None, first_line: int | None) -> list[Item]:
    out = []
    for i, it in enumerate(items):
        if isinstance(it, Item):
            out.append(it)
        else:
            out.append(Item(it, source, None if first_line is None else first_line + i))
    return out


def _statements(items: list[Item]) -> tuple[list[ast.Statement], list[str]]:
    """The syntax tree of each item and the line the encoder reads for it."""
    lines: list[str | None] = []
    trees: list[ast.Statement | None] = []
    for i, it in enumerate(items):
        st = it.statement
        if isinstance(st, str):
            if "\n" in st or "\r" in st:
                raise ValueError(f"item {i}: one statement per item; found a line break (use add_file for files)")
            lines.append(st)
            trees.append(None)
            continue
        if not isinstance(st, (ast.Definition, ast.Anonymous, ast.Schema)):
            st = ast.Anonymous(expr=st)   # a bare expression tree
        try:
            lines.append(ast.to_text(st))  # canonical text: the encoder reads text
        except TypeError:
            raise TypeError(f"item {i}: expected formula text or a deltaform.ast node, "
                            f"got {type(it.statement).__name__}") from None
        trees.append(st)
    text_slots = [i for i, t in enumerate(trees) if t is None]
    if text_slots:
        parsed = _parse_lines([lines[i] for i in text_slots], [items[i] for i in text_slots])  # type: ignore[misc]
        for i, st in zip(text_slots, parsed):
            trees[i] = st
    return trees, lines  # type: ignore[return-value]


def prepare(session: "WriteSession", space: Space, items: Sequence[Any], *, source: str | None = None,
            first_line: int | None = None, replace: bool = False
            ) -> tuple[list[Record], list[SchemaRecord], list[int]]:
    """Parse, resolve and encode a batch; returns (records, schemas, slot of each record in ``items``).

    Raises :class:`IngestError` listing every statement that cannot be parsed or
    encoded (unknown reference, cycle, wrong number of arguments…); then nothing
    is stored.
    """
    items = _as_items(items, source, first_line)
    if not items:
        return [], [], []
    statements, lines = _statements(items)

    def lookup(addresses: Sequence[str]) -> dict[str, tuple[Entry, np.ndarray]]:
        found = session.current(addresses)
        if not found:
            return {}
        vecs = session.vectors([e.row for e in found.values()])
        return {a: (e, v) for (a, e), v in zip(found.items(), vecs)}

    scans = [None if isinstance(st, ast.Schema) else scan(st) for st in statements]
    scope, resolved = build_scope(space, statements, lookup, session.schemas(), scans)
    vectors = _encode_lines(space, lines, scope, items)
    return _records(statements, items, vectors, resolved, scans)


def _records(statements: Sequence[ast.Statement], items: Sequence[Item], vectors: np.ndarray,
             resolved: dict[str, Entry], scans: Sequence[tuple | None]
             ) -> tuple[list[Record], list[SchemaRecord], list[int]]:
    records: list[Record] = []
    schema_records: list[SchemaRecord] = []
    slots: list[int] = []
    for slot, (st, item) in enumerate(zip(statements, items)):
        if isinstance(st, ast.Schema):
            schema_records.append(SchemaRecord(name=ast.normalize_name(st.name), roles=tuple(st.roles),
                                               source=item.source, line=item.line))
            continue
        facts = scans[slot][0]  # type: ignore[index]
        for a in facts.refs:
            e = resolved.get(a)
            facts.refs[a] = None if e is None else e.row   # None: defined in this batch (commit fills it in)
        if isinstance(st, ast.Definition):
            kind = "parametric" if st.params else ("formula" if st.target.startswith("Δ") else "symbol")
            rec = Record(vector=vectors[slot], expr=ast.to_text(st.expr), address=st.target, scene=st.scene,
                         kind=kind, params=tuple(st.params), facts=facts, source=item.source, line=item.line)
        else:
            rec = Record(vector=vectors[slot], expr=ast.to_text(st.expr), address=None, scene=st.scene,
                         facts=facts, source=item.source, line=item.line)
        records.append(rec)
        slots.append(slot)
    return records, schema_records, slots


# ---------------------------------------------------------------- queries
def memory_lookup(memory: "Memory") -> Lookup:
    def lookup(addresses: Sequence[str]) -> dict[str, tuple[Entry, np.ndarray]]:
        out = {}
        X = memory.vectors()
        for a in addresses:
            try:
                e = memory.get(a)
            except UnknownAddressError:
                continue
            out[a] = (e, np.array(X[e.row]))
        return out
    return lookup


def encode_query(memory: "Memory", query: str | ast.Node) -> np.ndarray:
    """A query formula's vector, its references resolved against the memory's committed state."""
    items = [Item(query)]
    statements, lines = _statements(items)
    if isinstance(statements[0], ast.Schema):
        raise ValueError("a schema declaration is not a query")
    scope, _ = build_scope(memory.space, statements, memory_lookup(memory), memory.schemas())
    return _encode_lines(memory.space, lines, scope, items)[0]


def scope_for(memory: "Memory", formulas: Sequence[str | ast.Node] | None) -> Any:
    """An encoder scope over the memory: for ``formulas`` only, or (None) for every current formula."""
    if formulas is not None:
        statements, _ = _statements(_as_items(list(formulas), None, None))
        return build_scope(memory.space, statements, memory_lookup(memory), memory.schemas())[0]
    from deltaform import _core
    from deltaform.formula import parse_many
    scope = _core.EncodeScope()
    names, rows, templates = [], [], []
    for e in memory.entries():
        names.append(e.address)
        rows.append(e.row)
        if e.kind == "parametric":
            templates.append(definition_text(e.address, e.params, e.expr, None))
    if names:
        scope.add_vectors(memory.space._core, names, np.ascontiguousarray(memory.vectors()[np.asarray(rows)]))
    lines = [f"schema {n}({', '.join(r)})" for n, r in memory.schemas().items()] + templates
    if lines:
        scope.add_document(parse_many(lines, filename="<memory>").document)
    return scope


# ---------------------------------------------------------------- files
def _is_blank(line: str) -> bool:
    """True for a line with nothing but spaces and a ``#`` comment (outside quotes)."""
    quoted = escaped = False
    for c in line:
        if escaped:
            escaped = False
        elif c == "\\" and quoted:
            escaped = True
        elif c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return True
        elif not quoted and not c.isspace():
            return False
        elif quoted:
            return False
    return True


def add_file(memory: "Memory", path: str, *, replace: bool, strict: bool, batch_size: int) -> FileReport:
    from deltaform import _core
    from deltaform.formula import _error
    report = FileReport(path=path)
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # One pass of the core parser (no Python trees) finds the bad lines with their positions.
    _, _, errors = _core.formula_parse_text(data, path, False, False)
    report.errors = [_error(e) for e in errors]
    if strict and report.errors:
        raise IngestError(report.errors, len(report.errors))
    bad = {e.line for e in report.errors}
    text = data.decode("utf-8", errors="surrogateescape")
    items = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if number in bad or _is_blank(line):
            continue
        items.append(Item(line, path, number))
    for i in range(0, len(items), batch_size):
        part = items[i:i + batch_size]
        addresses = memory.add_many(part, replace=replace, label=f"{os.path.basename(path)}:{part[0].line}")
        for a in addresses:
            if a is None:
                report.schemas += 1
            else:
                report.added.append(a)
        report.batches += 1
    return report


# ---------------------------------------------------------------- repair
def reencode_row(space: Space, e: Entry, vector_of_row: Callable[[int], np.ndarray],
                 schemas: dict[str, tuple[str, ...]], entry_of_row: Callable[[int], Entry]) -> np.ndarray:
    """Encode a stored formula again, against the exact rows it was encoded with (facts.refs)."""
    from deltaform import _core
    from deltaform.formula import parse_many
    scope = _core.EncodeScope()
    plain_names, plain_vecs, lines = [], [], []
    st_text = definition_text(e.address, e.params, e.expr, None)
    statement = _parse_lines([st_text], [Item(st_text)])[0]
    plain, applied, used = _uses(statement)
    for a, row in e.facts.refs.items():
        if row is None:
            continue
        if a in plain:
            plain_names.append(a)
            plain_vecs.append(vector_of_row(int(row)))
        if a in applied:
            ref = entry_of_row(int(row))
            lines.append(definition_text(ref.address, ref.params, ref.expr, None))
            used |= _uses(_parse_expr(ref.expr))[2]
    if plain_names:
        scope.add_vectors(space._core, plain_names, np.ascontiguousarray(np.stack(plain_vecs)))
    lines = [f"schema {n}({', '.join(schemas[n])})" for n in sorted(used) if n in schemas] + lines
    if lines:
        scope.add_document(parse_many(lines, filename="<memory>").document)
    return _encode_lines(space, [st_text], scope, [Item(st_text)])[0]


def repair_vectors(path: str, space: Space | None) -> int:
    """Re-make the committed rows missing from a truncated vector file; returns rows written.

    A row the encoder made is encoded again from its stored formula against the
    very rows it referred to when it was added, so it comes back bit for bit. A
    row stored as a given vector can only come back from the index, if the index
    holds it (fhrr/map: up to float rounding). Anything else is reported, and the
    file is left as it was.
    """
    from deltaform.memory.entries import entry_from_row
    from deltaform.memory.store import Store
    store = Store.open_unchecked(path, space)
    try:
        with store.writer_lock.held(60.0):
            have, committed = store.missing_rows()
            if have >= committed:
                return 0
            cat = store.catalog
            entries = [entry_from_row(t) for t in cat.con.execute(
                f"SELECT {_columns()} FROM formulas WHERE row >= ? ORDER BY row", (have,))]
            given = [e.row for e in entries if not e.encoded]
            from_index = _rows_from_index(store, given) if given else {}
            lost = [r for r in given if r not in from_index]
            if lost:
                raise CorruptMemoryError(
                    f"{store.vectors.path}: rows {lost[0]}..{lost[-1]} ({len(lost)} rows) were stored as given "
                    "vectors, not encoded from their text, and the index does not hold them: they cannot be "
                    "recovered (restore the vector file from a backup)")
            store.vectors.truncate(have)
            schemas = cat.schemas()
            made: dict[int, np.ndarray] = dict(from_index)
            on_disk = [have]          # rows below this are in the file

            def entry_of_row(row: int) -> Entry:
                return entry_from_row(cat.by_rows([row])[row])

            def vector_of_row(row: int) -> np.ndarray:
                if row < on_disk[0]:
                    return store.vectors.read_rows(row, 1)[0]
                if row not in made:   # a reference forward within its batch: make that row first
                    made[row] = reencode_row(store.space, entry_of_row(row), vector_of_row, schemas, entry_of_row)
                return made[row]

            for start in range(have, committed, 1000):
                stop = min(committed, start + 1000)
                V = np.stack([vector_of_row(r) for r in range(start, stop)])
                store.vectors.write_rows(start, V)
                for r in range(start, stop):
                    made.pop(r, None)
                on_disk[0] = stop
            return committed - have
    finally:
        store.close()


def _columns() -> str:
    from deltaform.memory.catalog import FORMULA_COLUMNS
    return FORMULA_COLUMNS


def _rows_from_index(store: Any, rows: list[int]) -> dict[int, np.ndarray]:
    """Vectors of ``rows`` read back from the saved hnswlib index, at the stored scale."""
    import hnswlib

    from deltaform.memory.index import INDEX_POINTER
    try:
        import json
        with open(os.path.join(store.path, INDEX_POINTER), encoding="utf-8") as f:
            pointer = json.load(f)
        if pointer.get("memory_id") != store.meta["memory_id"]:
            return {}
        count = int(pointer["count"])
        wanted = [r for r in rows if r < count]
        if not wanted:
            return {}
        space = store.space
        index = hnswlib.Index(space="ip" if space.algebra == "bsc" else "cosine",
                              dim=space.dim if space.algebra == "bsc" else space.width)
        index.load_index(os.path.join(store.path, pointer["file"]))
        items = np.asarray(index.get_items(wanted), dtype=np.float32)
    except (OSError, ValueError, RuntimeError, KeyError):
        return {}
    if store.space.algebra == "bsc":
        bits = (items < 0).astype(np.uint8)
        vecs = np.packbits(bits, axis=1, bitorder="little")
    else:
        norms = np.linalg.norm(items, axis=1, keepdims=True)
        vecs = np.where(norms > 0, items * (np.sqrt(store.space.dim) / np.maximum(norms, 1e-30)), 0).astype(np.float32)
    return dict(zip(wanted, vecs))

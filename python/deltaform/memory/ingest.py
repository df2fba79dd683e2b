"""From formula text to records: the ONE place where the memory depends on the parser and encoder.

``prepare`` digests the statements of a batch in the core (canonical text and
facts of each, no Python syntax trees), builds the encoder's scope from the
memory (the stored vectors they refer to, the parametric definitions they apply,
the schemas they call), encodes them in the core and returns the batch in
column form for :meth:`WriteSession.commit`. Everything else in the memory
works on records and vectors only.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from deltaform import ast
from deltaform.memory.background import BEHIND_ROWS, Background
from deltaform.memory.entries import Entry, definition_text
from deltaform.memory.errors import CorruptMemoryError, UnknownAddressError
from deltaform.memory.records import Batch, Facts, SchemaRecord
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
class _Origins:
    """Where each item of a batch came from (source, line), without an object per item."""

    def __init__(self, items: Sequence[Any], source: str | None, first_line: int | None) -> None:
        self.items = items
        self.source = source
        self.first_line = first_line
        self.all_text = set(map(type, items)) <= {str}   # the common case: plain lines
        self.any_item = not self.all_text and any(isinstance(it, Item) for it in items)

    def of(self, i: int) -> tuple[str | None, int | None]:
        it = self.items[i]
        if isinstance(it, Item):
            return it.source, it.line
        return self.source, None if self.first_line is None else self.first_line + i

    def columns(self, slots: Sequence[int]) -> tuple[list[str | None] | None, list[int | None] | None]:
        """The source and line columns of the rows at ``slots`` (None: all empty)."""
        if self.any_item:
            where = [self.of(i) for i in slots]
            return [w[0] for w in where], [w[1] for w in where]
        sources = [self.source] * len(slots) if self.source is not None else None
        lines = [self.first_line + i for i in slots] if self.first_line is not None else None
        return sources, lines


def _relocate(error: Any, origins: _Origins) -> Any:
    """An error about batch line i, re-addressed to the item's own source and line."""
    from deltaform.formula import FormulaError
    i = error.line - 1
    if not 0 <= i < len(origins.items):
        return error
    source, line = origins.of(i)
    return FormulaError(source or "<string>", line if line is not None else i + 1,
                        error.column, error.expected, error.source_line)


def _lines(items: Sequence[Any], origins: _Origins) -> list[str]:
    """The line the digest and the encoder read for each item: its text, or a tree's canonical text."""
    if origins.all_text:
        return items   # type: ignore[return-value]
    lines = [it.statement if isinstance(it, Item) else it for it in items]
    for i, given in enumerate(lines):
        if isinstance(given, str):
            continue
        st = given if isinstance(given, (ast.Definition, ast.Anonymous, ast.Schema)) else ast.Anonymous(expr=given)
        try:
            lines[i] = ast.to_text(st)   # a tree goes the way of text: its canonical text
        except TypeError:
            raise TypeError(f"item {i}: expected formula text or a deltaform.ast node, "
                            f"got {type(given).__name__}") from None
    return lines


def _digest(lines: list[str], origins: _Origins) -> tuple[Any, dict[str, Any]]:
    """(parsed document, digest columns with an entry per item) of a batch; IngestError listing every
    bad item. See ``deltaform._core.formula_digest`` for the columns."""
    from deltaform import _core
    from deltaform.formula import _error
    try:
        document, columns, errors = _core.formula_digest(lines, "<string>")
    except ValueError as e:
        if "line break" in str(e):
            raise ValueError(f"{e} (use add_file for files)") from None
        raise
    if errors:
        raise IngestError([_relocate(_error(e), origins) for e in errors], len(lines))
    return document, columns


def _encode(space: Space, document: Any, scope: Any, origins: _Origins) -> np.ndarray:
    """The vectors of every statement of the batch's document (its definitions join the scope)."""
    from deltaform import _core
    from deltaform.formula import _error
    scope.add_document(document)
    vectors, _, _, errors, _ = _core.encode_document(space._core, document, scope, 0, len(origins.items), 0)
    if errors:
        raise IngestError([_relocate(_error(e), origins) for e in errors], len(origins.items))
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
@dataclass
class Uses:
    """What a batch needs from the memory, read from its digest."""
    defined: set[str] = field(default_factory=set)    # targets the batch defines itself
    declared: set[str] = field(default_factory=set)   # schemas the batch declares (normalised)
    plain: set[str] = field(default_factory=set)      # references used as vectors
    applied: set[str] = field(default_factory=set)    # parametric definitions applied
    schemas: set[str] = field(default_factory=set)    # schemas called (normalised)

    @classmethod
    def of(cls, columns: dict[str, Any]) -> "Uses":
        u = cls()
        kinds, names = columns["kind"], columns["name"]
        if "schema" in kinds:
            u.declared = {ast.normalize_name(n) for k, n in zip(kinds, names) if k == "schema"}
        u.defined = {n for k, n in zip(kinds, names) if k == "definition"}
        if columns["terms"] is None:   # some formula refers to others
            for refs, plain, applied in zip(columns["refs"], columns["plain"], columns["applied"]):
                if refs:
                    u.plain.update(plain)
                    u.applied.update(applied)
        for schemas in columns["schemas"]:
            if schemas:
                u.schemas.update(schemas)
        return u


def _digest_text(lines: list[str]) -> dict[str, Any]:
    """Digest columns of stored text (definitions of the memory); it parsed once, so an error is damage."""
    from deltaform import _core
    _, columns, errors = _core.formula_digest(lines, "<memory>")
    if errors:
        raise CorruptMemoryError(f"a stored definition does not parse: {errors[0][5]}")
    return columns


def _add_stored(scope: Any, schemas: dict[str, tuple[str, ...]], names: Any, templates: list[str]) -> None:
    """The memory's declarations of the schemas ``names`` (those it has) and the stored parametric
    definitions ``templates`` (their text) join ``scope``. They parsed when they were added, so an
    error now is damage."""
    from deltaform.formula import parse_many
    lines = [ast.schema_text(name, schemas[name]) for name in sorted(names) if name in schemas] + templates
    if not lines:
        return
    doc = parse_many(lines, filename="<memory>")
    if doc.errors:
        raise CorruptMemoryError(f"a stored definition does not parse: {doc.errors[0]}")
    scope.add_document(doc.document)


def build_scope(space: Space, uses: Uses, lookup: Lookup, schemas: dict[str, tuple[str, ...]]
                ) -> tuple[Any, dict[str, Entry]]:
    """The encoder scope for a batch that ``uses`` these names, and the stored entries it resolved.

    It holds the stored vectors the batch refers to, the parametric definitions
    it applies (and, in turn, what those refer to) and the declared schemas it
    calls. Names the batch defines itself are left out, so the encoder uses the
    batch's own (new) definitions for them.
    """
    from deltaform import _core
    defined = uses.defined
    used_schemas = set(uses.schemas)
    resolved: dict[str, Entry] = {}
    vectors: dict[str, np.ndarray] = {}
    templates: dict[str, Entry] = {}
    todo_plain, todo_applied = uses.plain - defined, uses.applied - defined
    while todo_plain or todo_applied:
        found = lookup(sorted(todo_plain | todo_applied))
        next_plain: set[str] = set()
        next_applied: set[str] = set()
        new_templates = []
        for a, (entry, vec) in found.items():
            resolved[a] = entry
            if a in todo_plain:
                vectors[a] = vec
            if a in todo_applied and entry.kind == "parametric":
                templates[a] = entry
                new_templates.append(definition_text(a, entry.params, entry.expr, None))
        if new_templates:
            inner = Uses.of(_digest_text(new_templates))
            used_schemas |= inner.schemas
            next_plain = {x for x in inner.plain if x not in vectors and x not in defined}
            next_applied = {x for x in inner.applied if x not in templates and x not in defined}
        todo_plain, todo_applied = next_plain, next_applied
    scope = _core.EncodeScope()
    if vectors:
        names = list(vectors)
        scope.add_vectors(space._core, names, np.ascontiguousarray(np.stack([vectors[a] for a in names])))
    _add_stored(scope, schemas, used_schemas - uses.declared,
                [definition_text(a, e.params, e.expr, None) for a, e in templates.items()])
    return scope, resolved


# ---------------------------------------------------------------- batches
def prepare(session: "WriteSession", space: Space, items: Sequence[Any], *, source: str | None = None,
            first_line: int | None = None, replace: bool = False
            ) -> tuple[Batch, list[SchemaRecord], list[int]]:
    """Digest, resolve and encode a batch; returns (rows to store, schemas, slot of each row in ``items``).

    Raises :class:`IngestError` listing every statement that cannot be parsed or
    encoded (unknown reference, cycle, wrong number of arguments…); then nothing
    is stored. No Python syntax tree is built: the core's digest gives each
    statement's canonical text and facts.
    """
    items = items if isinstance(items, list) else list(items)
    origins = _Origins(items, source, first_line)
    if not items:
        return Batch(vectors=np.empty((0, space.width), dtype=space.dtype), exprs=[], addresses=[], scenes=[]), [], []
    document, columns = _digest(_lines(items, origins), origins)

    def lookup(addresses: Sequence[str]) -> dict[str, tuple[Entry, np.ndarray]]:
        found = session.current(addresses)
        if not found:
            return {}
        vecs = session.vectors([e.row for e in found.values()])
        return {a: (e, v) for (a, e), v in zip(found.items(), vecs)}

    scope, resolved = build_scope(space, Uses.of(columns), lookup, session.schemas())
    kinds_in = columns["kind"]
    # Schema declarations have no vector row: the formulas' statements among the digested ones.
    keep = [j for j, k in enumerate(kinds_in) if k != "schema"] if "schema" in kinds_in else None

    def encode() -> np.ndarray:
        vectors = _encode(space, document, scope, origins)
        return vectors if keep is None else vectors[np.asarray(keep, dtype=np.intp)]

    if len(items) < BEHIND_ROWS:
        return _batch(columns, origins, keep, encode(), None, resolved)
    # A large batch is encoded on a thread (in the core, without the GIL) while the commit inserts
    # its catalogue rows; the commit waits for it, and raises its errors, before anything is
    # stored. (Its own checks, such as a redefinition, may then be the error reported first.)
    later = Background(encode, behind=True, name="deltaform-encode")
    return _batch(columns, origins, keep, None, later, resolved)


def _batch(columns: dict[str, Any], origins: _Origins, keep: list[int] | None, vectors: np.ndarray | None,
           later: Background | None, resolved: dict[str, Entry]) -> tuple[Batch, list[SchemaRecord], list[int]]:
    """The batch's formulas in column form, its schema declarations, and the item slot of each row.
    ``keep``: the formulas' statements among the digested ones (None: all); ``vectors`` holds their
    rows, or ``later`` will give them."""
    kinds_in = columns["kind"]
    schema_records: list[SchemaRecord] = []
    if keep is not None:
        for j, k in enumerate(kinds_in):
            if k == "schema":
                source, line = origins.of(columns["slot"][j])
                schema_records.append(SchemaRecord(name=ast.normalize_name(columns["name"][j]),
                                                   roles=columns["names"][j], source=source, line=line))
        col = {key: (None if value is None or key == "terms" else [value[j] for j in keep])
               for key, value in columns.items()}
        col["terms"] = columns["terms"]
    else:
        col = columns
    slots, kinds_in, names, params = col["slot"], col["kind"], col["name"], col["names"]
    addresses = [n if k == "definition" else None for k, n in zip(kinds_in, names)]
    kinds = ["formula" if k != "definition" else "parametric" if p else "formula" if n.startswith("Δ") else "symbol"
             for k, n, p in zip(kinds_in, names, params)]
    sources, lines = origins.columns(slots)
    batch = Batch(vectors=vectors, vectors_later=later, exprs=col["expr"], addresses=addresses, scenes=col["scene"], kinds=kinds,
                  params=params, sources=sources, lines=lines, encoded=True, facts_json=col["facts_json"],
                  facts_terms=col["terms"])
    if col["terms"] is None:
        # Some formula refers to others: the store needs its facts, with the row each reference
        # was encoded with (None: defined in this batch; the commit fills it in).
        get = resolved.get
        batch.facts = [Facts(list(atoms), list(roles), list(schemas),
                             {a: (None if (e := get(a)) is None else e.row) for a in refs} if refs else {},
                             list(vars_))
                       for atoms, roles, schemas, refs, vars_ in zip(col["atoms"], col["roles"], col["schemas"],
                                                                     col["refs"], col["vars"])]
    return batch, schema_records, slots


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
    origins = _Origins([query], None, None)
    document, columns = _digest(_lines([query], origins), origins)
    if columns["kind"][0] == "schema":
        raise ValueError("a schema declaration is not a query")
    scope, _ = build_scope(memory.space, Uses.of(columns), memory_lookup(memory), memory.schemas())
    return _encode(memory.space, document, scope, origins)[0]


def scope_for(memory: "Memory", formulas: Sequence[str | ast.Node] | None) -> Any:
    """An encoder scope over the memory: for ``formulas`` only, or (None) for every current formula."""
    if formulas is not None:
        items = list(formulas)
        origins = _Origins(items, None, None)
        _, columns = _digest(_lines(items, origins), origins)
        return build_scope(memory.space, Uses.of(columns), memory_lookup(memory), memory.schemas())[0]
    from deltaform import _core
    scope = _core.EncodeScope()
    names, rows, templates = [], [], []
    for e in memory.entries():
        names.append(e.address)
        rows.append(e.row)
        if e.kind == "parametric":
            templates.append(definition_text(e.address, e.params, e.expr, None))
    if names:
        scope.add_vectors(memory.space._core, names, np.ascontiguousarray(memory.vectors()[np.asarray(rows)]))
    schemas = memory.schemas()
    _add_stored(scope, schemas, schemas, templates)
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
    scope = _core.EncodeScope()
    plain_names, plain_vecs, templates = [], [], []
    st_text = definition_text(e.address, e.params, e.expr, None)
    origins = _Origins([st_text], None, None)
    document, columns = _digest([st_text], origins)
    plain, applied, used = set(columns["plain"][0]), set(columns["applied"][0]), set(columns["schemas"][0])
    for a, row in e.facts.refs.items():
        if row is None:
            continue
        if a in plain:
            plain_names.append(a)
            plain_vecs.append(vector_of_row(int(row)))
        if a in applied:
            ref = entry_of_row(int(row))
            templates.append(definition_text(ref.address, ref.params, ref.expr, None))
    if templates:   # the schemas the templates call, in one digest
        for called in _digest_text(templates)["schemas"]:
            used.update(called)
    if plain_names:
        scope.add_vectors(space._core, plain_names, np.ascontiguousarray(np.stack(plain_vecs)))
    _add_stored(scope, schemas, used, templates)
    return _encode(space, document, scope, origins)[0]


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

"""
deltaform's C++ core: algebras, codebook, search, formula parser and encoder
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['CODEBOOK_VERSION', 'EncodeScope', 'FORMULA_MAX_DEPTH', 'FormulaDocument', 'Registry', 'Space', 'UNICODE_VERSION', 'decode_gather_bind', 'decode_gram', 'decode_residual', 'decode_score_pool', 'decode_select_abs', 'document_size', 'encode_document', 'encode_lines', 'encode_records', 'formula_parse_one', 'formula_parse_text', 'kept_results', 'normalize_name', 'release_kept_results', 'set_kept_result_limit', 'set_simd_path', 'simd_path', 'supported_simd_paths', 'unicode_casefold', 'unicode_categories', 'unicode_category', 'unicode_nfc', 'utf8_valid']
class Space:
    """
    A vector space: algebra, dim, seed and codebook.
    """
    def __init__(self, algebra: str = 'fhrr', dim: typing.SupportsInt | typing.SupportsIndex = 1024, seed: typing.SupportsInt | typing.SupportsIndex = 0) -> None:
        ...
    def atom_ids(self, arg0: collections.abc.Sequence[str]) -> numpy.typing.NDArray[numpy.uint32]:
        ...
    def atom_name(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> str:
        ...
    def atoms(self, names: collections.abc.Sequence[str], threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    def bind(self, a: typing.Any, b: typing.Any, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    def bundle(self, vectors: typing.Any, weights: typing.Any = None, threads: typing.SupportsInt | typing.SupportsIndex = 0, out: typing.Any = None) -> numpy.ndarray:
        ...
    def inverse(self, a: typing.Any, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    def permute(self, vectors: typing.Any, k: typing.SupportsInt | typing.SupportsIndex = 1, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    def random(self, n: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex = 0, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    def similarity(self, a: typing.Any, b: typing.Any, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> typing.Any:
        ...
    def topk(self, queries: typing.Any, matrix: typing.Any, k: typing.SupportsInt | typing.SupportsIndex = 10, mask: typing.Any = None, normalize: bool = True, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> tuple:
        ...
    def unbind(self, a: typing.Any, b: typing.Any, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> numpy.ndarray:
        ...
    @property
    def algebra(self) -> str:
        ...
    @property
    def dim(self) -> int:
        ...
    @property
    def known_atoms(self) -> int:
        ...
    @property
    def seed(self) -> int:
        ...
    @property
    def width(self) -> int:
        ...
class FormulaDocument:
    """
    Parsed Δ-formula text held by the C++ core (statements, nodes and errors).
    """
    def __repr__(self) -> str:
        ...
    @property
    def error_count(self) -> int:
        ...
    @property
    def filename(self) -> str:
        ...
    @property
    def node_count(self) -> int:
        ...
    @property
    def statement_count(self) -> int:
        ...
class Registry:
    """
    Schema declarations and Δ/glyph/parametric definitions, checked together.
    """
    def __init__(self) -> None:
        ...
    def add_document(self, document: FormulaDocument) -> None:
        """
        Adds every statement of a parsed FormulaDocument.
        """
    def add_known(self, address: str) -> None:
        """
        Marks an address or glyph as defined elsewhere (e.g. in a memory).
        """
    def check_errors(self) -> list:
        """
        Every problem as (file, line, column, message, source_line, formatted).
        """
    def definition_of(self, address: str) -> typing.Any:
        ...
    def expand_statement(self, document: FormulaDocument, index: typing.SupportsInt | typing.SupportsIndex, max_nodes: typing.SupportsInt | typing.SupportsIndex = 1048576) -> typing.Any:
        """
        The expression of a statement with every parametric application expanded.
        """
    def order_names(self) -> list[str]:
        """
        Addresses and glyphs of the definitions, each after those it refers to.
        """
    def schema_of(self, name: str) -> typing.Any:
        ...
    @property
    def definition_count(self) -> int:
        ...
    @property
    def schema_count(self) -> int:
        ...
class EncodeScope:
    """
    Names the encoder resolves: definitions, schemas and stored vectors.
    """
    def __init__(self, parent: EncodeScope = None) -> None:
        ...
    def __len__(self) -> int:
        ...
    def add_document(self, arg0: FormulaDocument) -> None:
        ...
    def add_vectors(self, arg0: Space, arg1: collections.abc.Sequence[str], arg2: typing.Any) -> None:
        ...
    def remove(self, arg0: str) -> None:
        ...
def decode_gather_bind(algebra: str, codes: numpy.ndarray, candidates: numpy.ndarray, keys: numpy.ndarray, tags: numpy.ndarray, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> numpy.ndarray:
    """
    Term vectors of codes (any shape): code c < keys*N is candidates[c % N] bound to keys[c // N], then tags; -1 is zeros. Returns codes.shape + (width,) float32.
    """
def decode_gram(algebra: str, codes: numpy.ndarray, candidates: numpy.ndarray, keys: numpy.ndarray, tags: numpy.ndarray, vectors: numpy.ndarray, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> tuple:
    """
    Per row b, with d_i the term vector of codes[b, i] (decode_gather_bind's rule): (G, c) with G[b] = (d_i . d_j) (rows, M, M) and c[b] = (d_i . vectors[b]) (rows, M), float64.
    """
def decode_residual(algebra: str, codes: numpy.ndarray, weights: numpy.ndarray, candidates: numpy.ndarray, keys: numpy.ndarray, tags: numpy.ndarray, vectors: numpy.ndarray, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> numpy.ndarray:
    """
    vectors[b] - sum_i weights[b, i] * d_i (d_i the term vector of codes[b, i]; zero weights skipped): (rows, width) float32.
    """
def decode_score_pool(algebra: str, residuals: numpy.ndarray, pool: numpy.ndarray, candidates: numpy.ndarray, xscale: numpy.ndarray, keys: numpy.ndarray, active: numpy.ndarray, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> numpy.ndarray:
    """
    Cosine of each pooled candidate with each residual unbound by each active key: (rows, keys, C) float32, zero where the key is inactive or the pool slot is -1.
    """
def decode_select_abs(scores: numpy.ndarray, qscale: numpy.ndarray, xscale: numpy.ndarray, m: typing.SupportsInt | typing.SupportsIndex, ex_off: numpy.ndarray | None = None, ex_rows: numpy.ndarray | None = None, threads: typing.SupportsInt | typing.SupportsIndex = 1) -> tuple:
    """
    Top-m of each row of scores (q, n) by |score * qscale[q] * xscale[j]|: (rows (q, m) int64, signed scores (q, m) float32), best first, ties to the lower index; row q skips ex_rows[ex_off[q]:ex_off[q+1]]; missing and zero entries are -1 with score 0.
    """
def document_size(arg0: FormulaDocument) -> int:
    ...
def encode_document(space: Space, document: FormulaDocument, scope: EncodeScope, start: typing.SupportsInt | typing.SupportsIndex, stop: typing.SupportsInt | typing.SupportsIndex, threads: typing.SupportsInt | typing.SupportsIndex) -> tuple:
    ...
def encode_lines(space: Space, items: list, scope: EncodeScope, filename: str, one_per_line: bool, threads: typing.SupportsInt | typing.SupportsIndex, out: typing.Any = None) -> tuple:
    ...
def encode_records(space: Space, roles: typing.Annotated[numpy.typing.ArrayLike, numpy.uint32], fillers: typing.Annotated[numpy.typing.ArrayLike, numpy.uint32], weights: typing.Any = None, threads: typing.SupportsInt | typing.SupportsIndex = 0, out: typing.Any = None) -> numpy.ndarray:
    ...
def formula_parse_one(data: bytes, filename: str, expression: bool) -> tuple:
    """
    Parses UTF-8 bytes as one statement (or one expression). Returns (document, node or None, error tuple or None).
    """
def formula_parse_text(data: bytes, filename: str, stop_at_error: bool = False, convert: bool = True) -> tuple:
    """
    Parses UTF-8 bytes line by line. Returns (document, [(line, statement)], [error tuple]); an error tuple is (file, line, column, message, source_line, formatted).
    """
def formula_to_text(node: typing.Any) -> str:
    """
    The canonical text of a deltaform.ast node (statement or expression), printed by the core.
    """
def formula_scan(node: typing.Any) -> tuple[list[str], list[str], list[str], list[str], list[str], list[str], list[str]]:
    """
    The facts of a deltaform.ast node: (atoms, roles, schemas, refs, vars, applied, plain), each a list of unique names in first-seen order.
    """
def formula_definition_text(target: str, params: typing.Any, expr_text: str, scene: str | None) -> str:
    """
    A definition's canonical text from its parts, the expression already printed.
    """
def formula_float_repr(x: typing.SupportsFloat) -> str:
    """
    Python's repr(float(x)), computed by the core (the printer's rule for weights).
    """
def formula_format_weight(w: typing.SupportsFloat) -> str:
    """
    A weight as the printer writes it: repr(float) without a trailing '.0'.
    """
def formula_digest(lines: typing.Iterable[str | bytes], filename: str = '<string>', threads: typing.SupportsInt = 0) -> tuple[FormulaDocument, dict[str, typing.Any], list[tuple]]:
    """
    Digests a batch of statements, one per item (str or bytes), printing and scanning them on `threads` threads (0: all cores). Returns (document, columns, errors). columns maps each name to a list with an entry per good statement, in line order: slot (item index), kind ('definition' | 'anonymous' | 'schema'), name (target or schema name, None for anonymous), names (parameters or roles), scene, expr (canonical text of the expression, '' for a schema), atoms, roles, schemas, refs, vars, applied, plain (the facts, as records.scan), facts_json (the memory's facts JSON of a formula without refs and vars, else None); and terms: (term names, count per name, int64 array of formula indices grouped by name) when no formula has refs or vars, else None (formula index: among the non-schema statements). errors as formula_parse_text; an empty item is an error.
    """
def normalize_name(text: str) -> str:
    """
    casefold(NFC(text)): equals unicodedata.normalize('NFC', text).casefold().
    """
def kept_results() -> tuple[int, int]:
    """
    (bytes, blocks) of freed large result arrays kept now.
    """
def release_kept_results() -> int:
    """
    Frees the kept blocks of large result arrays; returns the bytes given back.
    """
def set_kept_result_limit(nbytes: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    Bytes of freed large result arrays kept for reuse at most; returns the previous limit.
    """
def set_simd_path(name: str) -> None:
    """
    Force a SIMD path for this process (tests; machines with odd CPUs).
    """
def simd_path() -> str:
    """
    The SIMD path in use: scalar, avx2 or avx512.
    """
def supported_simd_paths() -> list[str]:
    ...
def unicode_casefold(text: str) -> str:
    """
    Full case folding of text: equals text.casefold().
    """
def unicode_categories(start: typing.SupportsInt | typing.SupportsIndex, stop: typing.SupportsInt | typing.SupportsIndex) -> list:
    """
    General categories of the code points start..stop-1, as a list of two-letter names.
    """
def unicode_category(codepoint: typing.SupportsInt | typing.SupportsIndex) -> str:
    """
    General category (two letters), as unicodedata.category(chr(cp)).
    """
def unicode_nfc(text: str) -> str:
    """
    NFC of text: equals unicodedata.normalize('NFC', text).
    """
def utf8_valid(data: bytes) -> tuple[bool, int]:
    """
    (True, -1) for valid UTF-8, else (False, offset of the first byte of the first bad sequence), the offset Python's UnicodeDecodeError.start reports.
    """
CODEBOOK_VERSION: int = 1
FORMULA_MAX_DEPTH: int = 256
UNICODE_VERSION: str = '14.0.0'

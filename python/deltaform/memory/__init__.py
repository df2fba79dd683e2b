"""The persistent Δ-address memory: SQLite catalogue + append-only vector file + hnswlib cache."""

from deltaform.memory.entries import Entry, Hit
from deltaform.memory.errors import (
    AddressExistsError,
    CodebookVersionError,
    CorruptMemoryError,
    MemoryStoreError,
    MemoryWarning,
    ReadOnlyMemoryError,
    SpaceMismatchError,
    UnknownAddressError,
    WriterBusyError,
)
from deltaform.memory.ingest import FileReport, Item
from deltaform.memory.memory import Memory
from deltaform.memory.records import Facts, Record, SchemaRecord

__all__ = [
    "Memory", "Entry", "Hit", "Record", "SchemaRecord", "Facts", "Item", "FileReport",
    "MemoryStoreError", "SpaceMismatchError", "CodebookVersionError", "CorruptMemoryError",
    "AddressExistsError", "UnknownAddressError", "WriterBusyError", "ReadOnlyMemoryError", "MemoryWarning",
]

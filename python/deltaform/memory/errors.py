"""Errors raised by the Δ-memory. Every message names the memory and says what to do."""

from __future__ import annotations

__all__ = [
    "MemoryStoreError",
    "SpaceMismatchError",
    "CodebookVersionError",
    "CorruptMemoryError",
    "AddressExistsError",
    "UnknownAddressError",
    "WriterBusyError",
    "ReadOnlyMemoryError",
    "MemoryWarning",
]


class MemoryStoreError(Exception):
    """Base class of every error the memory raises about its files or contents."""


class SpaceMismatchError(MemoryStoreError):
    """The memory was created for another space (algebra, dim or seed)."""


class CodebookVersionError(MemoryStoreError):
    """The memory's vectors come from another codebook version than this deltaform's."""


class CorruptMemoryError(MemoryStoreError):
    """A file of the memory is damaged in a way that cannot be repaired automatically."""


class AddressExistsError(MemoryStoreError, ValueError):
    """A Δ-address is already defined and ``replace=True`` was not given."""


class UnknownAddressError(MemoryStoreError, KeyError):
    """A Δ-address (or schema) is not in the memory."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class WriterBusyError(MemoryStoreError):
    """Another process holds the memory's writer lock longer than we were willing to wait."""


class ReadOnlyMemoryError(MemoryStoreError):
    """A write was asked of a memory opened read-only."""


class MemoryWarning(UserWarning):
    """Something was found damaged or stale and repaired (e.g. the index was rebuilt)."""

"""What a memory knows, as a decoding vocabulary: its atoms and stored formulas
(the candidates), its roles and its schemas."""

from __future__ import annotations

from dataclasses import dataclass, field

from deltaform.decoding.cleanup import Cleanup

__all__ = ["Vocabulary", "memory_vocabulary"]


@dataclass
class Vocabulary:
    cleanup: Cleanup
    roles: list[str] = field(default_factory=list)
    schemas: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def options(self) -> dict:
        """Keyword arguments for decode / decode_many."""
        return {"roles": self.roles, "schemas": self.schemas}


def memory_vocabulary(memory, formulas: bool = True) -> Vocabulary:
    """Every atom and role mentioned in the memory's current formulas, its
    schemas, and (with ``formulas``) its stored formulas by address."""
    atoms: set[str] = set()
    roles: set[str] = set()
    addresses: list[str] = []
    rows: list[int] = []
    for entry in memory.entries():
        atoms.update(entry.facts.atoms)
        roles.update(entry.facts.roles)
        if formulas and entry.kind != "parametric":
            addresses.append(entry.address)
            rows.append(entry.row)
    schemas = dict(memory.schemas())
    roles.update(r for rs in schemas.values() for r in rs)
    cleanup = Cleanup(memory.space, sorted(atoms))
    if addresses:
        cleanup.add_formulas(addresses, memory.vectors()[rows])
    return Vocabulary(cleanup, sorted(roles), schemas)

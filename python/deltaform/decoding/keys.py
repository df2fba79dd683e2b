"""The keys a decoder unbinds with, and the schema tags it looks for.

Every term of an encoded formula is a candidate vector bound to a *key*:

* the identity key — a plain term of a bundle (an atom or a stored formula);
* a role ``r`` — the term ``r: x`` of a layer or of a schema call's argument;
* a flow position ``ρⁱ(STEP)`` — the term for stage ``i`` of a flow;

and a schema call adds one more kind of term, its tag ``SCHEMA ⊛ S``. The
similarity of a vector to ``key ⊛ candidate`` equals the similarity of
``vector ⊛ key⁻¹`` to the candidate (binding by a key is an isometry), so one
clean-up search per key covers all ``keys × candidates`` terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

from deltaform import ast
from deltaform.decoding.views import RealView

__all__ = ["STEP", "SCHEMA", "Keys", "schema_table"]

STEP = "\x00step"
SCHEMA = "\x00schema"


def schema_table(schemas) -> dict[str, tuple[str, ...]]:
    """Schemas as ``{name: roles}`` from a mapping, ``ast.Schema`` statements, or None."""
    if schemas is None:
        return {}
    if isinstance(schemas, Mapping):
        items = list(schemas.items())
    else:
        items = []
        for s in schemas:
            if not isinstance(s, ast.Schema):
                raise TypeError(f"schemas: expected ast.Schema statements or a mapping name → roles, got {type(s).__name__}")
            items.append((s.name, s.roles))
    out: dict[str, tuple[str, ...]] = {}
    for name, roles in items:
        if not isinstance(name, str) or not name:
            raise TypeError(f"a schema name is a non-empty str, got {name!r}")
        roles = tuple(roles)
        if not roles or not all(isinstance(r, str) and r for r in roles):
            raise ValueError(f"schema {name}: roles must be a non-empty list of names, got {roles!r}")
        out[name] = roles
    return out


@dataclass
class Keys:
    """The key table of one decode call.

    Key 0 is the identity; then the roles (the vocabulary's first, then roles
    that only a schema declares); then the flow positions ``0 … max_steps-1``.
    """

    view: RealView
    kinds: list[tuple[str, object]]        # ("plain", None) | ("role", name) | ("step", i)
    vectors: np.ndarray                    # (keys, D) real view
    vocabulary_roles: np.ndarray           # key ids probed from the start
    step_keys: np.ndarray                  # key id of flow position i
    tag_names: list[str]                   # schema names
    tag_vectors: np.ndarray                # (schemas, D) real view of SCHEMA ⊛ S
    tag_roles: list[np.ndarray]            # key ids of each schema's roles, in declared order
    role_key: dict[str, int] = field(default_factory=dict)
    groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # 0 plain, 1 role, 2 step
    inverse_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def build(cls, view: RealView, roles: Iterable[str], schemas: Mapping[str, Sequence[str]], max_steps: int) -> "Keys":
        space = view.space
        kinds: list[tuple[str, object]] = [("plain", None)]
        role_key: dict[str, int] = {}
        role_names: list[str] = []

        def add_role(name: str) -> int:
            key = ast.normalize_name(name)
            if key not in role_key:
                role_key[key] = len(kinds)
                kinds.append(("role", name))
                role_names.append(name)
            return role_key[key]

        vocabulary = [add_role(r) for r in roles]
        tag_names = list(schemas.keys())
        tag_roles = [np.array([add_role(r) for r in schemas[s]], dtype=np.int64) for s in tag_names]
        step_keys = np.arange(len(kinds), len(kinds) + max_steps, dtype=np.int64)
        kinds.extend(("step", i) for i in range(max_steps))

        vectors = np.empty((len(kinds), view.width), dtype=np.float32)
        vectors[0] = view.identity()
        if role_names:
            vectors[1 : 1 + len(role_names)] = view.real(space.atoms(role_names))
        if max_steps:
            step = view.real(space.atom(STEP))
            for i in range(max_steps):
                vectors[step_keys[i]] = view.permute(step, i)
        if tag_names:
            schema = view.real(space.atom(SCHEMA))
            tag_vectors = view.bind(view.real(space.atoms(tag_names)), schema)
        else:
            tag_vectors = np.empty((0, view.width), dtype=np.float32)
        groups = np.array([{"plain": 0, "role": 1, "step": 2}[k] for k, _ in kinds], dtype=np.int64)
        inverse = vectors.copy()
        if view.algebra == "fhrr":
            inverse[:, view.dim :] *= -1.0  # the conjugate
        return cls(
            groups=groups,
            inverse_vectors=inverse,
            view=view,
            kinds=kinds,
            vectors=vectors,
            vocabulary_roles=np.array(sorted(set(vocabulary)), dtype=np.int64),
            step_keys=step_keys,
            tag_names=tag_names,
            tag_vectors=np.ascontiguousarray(tag_vectors, dtype=np.float32),
            tag_roles=tag_roles,
            role_key=role_key,
        )

    def __len__(self) -> int:
        return len(self.kinds)

    def step_of(self, key: int) -> int:
        """Flow position of a key, or -1."""
        kind, arg = self.kinds[key]
        return int(arg) if kind == "step" else -1

"""Helpers for the decoding tests: the encoders under test and random formulas."""

from __future__ import annotations

import numpy as np

from deltaform import ast
from reference_encoder import encode as reference_encode

ENCODERS = ["reference", "core"]


def core_encode(space, node, definitions=None, schemas=None) -> np.ndarray:
    """The core's encoder, given the same definitions and schemas as the reference one."""
    from deltaform import _core, parse_many

    lines = []
    for name, roles in (schemas or {}).items():
        lines.append(ast.to_text(ast.Schema(name, tuple(roles))))
    for address, d in (definitions or {}).items():
        lines.append(ast.to_text(d if isinstance(d, ast.Definition) else ast.Definition(address, d)))
    scope = None
    if lines:
        parsed = parse_many(lines)
        parsed.raise_first()
        scope = _core.EncodeScope()
        scope.add_document(parsed.document)
    return space.encode(node, scope)


def encoder(kind: str):
    if kind == "reference":
        return reference_encode
    if kind == "core":
        return core_encode
    raise ValueError(kind)


# ---------------------------------------------------------------- random formulas
def words(n: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


class Formulas:
    """Random formulas over a vocabulary of atoms and roles (numpy Generator)."""

    def __init__(self, rng: np.random.Generator, vocabulary: list[str], roles: list[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        self.roles = roles

    def atoms(self, k: int) -> list[ast.Atom]:
        return [ast.Atom(self.vocabulary[i]) for i in self.rng.choice(len(self.vocabulary), k, replace=False)]

    def weighted(self, node: ast.Expr) -> ast.Expr:
        if self.rng.random() < 0.3:
            return ast.Weight(float(np.round(self.rng.uniform(0.3, 1.0), 2)), node)
        return node

    def bundle(self, terms: list[ast.Expr], negatives: bool = False) -> ast.Expr:
        if len(terms) == 1:
            return terms[0]
        signs = [1] + [(-1 if negatives and self.rng.random() < 0.2 else 1) for _ in terms[1:]]
        return ast.Bundle(tuple(terms), tuple(signs))

    def flat(self, k: int) -> ast.Expr:
        return self.bundle([self.weighted(a) for a in self.atoms(k)], negatives=True)

    def filler(self, max_atoms: int = 2) -> ast.Expr:
        k = int(self.rng.integers(1, max_atoms + 1))
        return self.bundle(self.atoms(k))

    def record(self, k: int) -> ast.Expr:
        roles = [self.roles[i] for i in self.rng.choice(len(self.roles), k, replace=False)]
        return self.bundle([ast.Layer(r, self.filler()) for r in roles])

    def flow(self, stages: int) -> ast.Expr:
        return ast.Flow(tuple(self.filler() for _ in range(stages)))


def noisy(space, vector: np.ndarray, snr: float, rng: np.random.Generator) -> np.ndarray:
    """``vector`` plus white Gaussian noise with ‖signal‖² / ‖noise‖² = snr (float algebras)."""
    noise = rng.standard_normal(vector.shape).astype(np.float32)
    noise *= np.sqrt(np.sum(vector.astype(np.float64) ** 2) / (snr * np.sum(noise.astype(np.float64) ** 2)))
    return (vector + noise).astype(np.float32)

"""What decoding returns: a formula with a confidence on every node, or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Mapping

from deltaform import ast

__all__ = ["Term", "Decoded", "node_at", "child_paths"]

Path = tuple[int, ...]


@dataclass(frozen=True)
class Term:
    """One recovered term: a leaf under a key, with its weight and evidence.

    ``key`` is ``""`` for a plain term, ``"role:<name>"`` for a layer,
    ``"step:<i>"`` for a flow stage, ``"schema:<name>"`` for a schema tag
    (then ``leaf`` is None). ``weight`` is relative to the largest weight of
    the vector; ``similarity`` is the explained-away similarity; ``confidence``
    is one minus the chance that an unrelated candidate matches that well
    (see :mod:`deltaform.decoding.noise`).
    """

    leaf: ast.Expr | None
    key: str
    weight: float
    similarity: float
    confidence: float


@dataclass(frozen=True)
class Decoded:
    """The result of decoding one vector.

    * ``formula`` — the recovered tree, or None when nothing was recognised
      (``bool(decoded)`` is False then).
    * ``confidence`` — path → confidence for every node of ``formula``; a path
      is the tuple of child indices from the root (children in the order of
      :func:`deltaform.ast.walk`); ``()`` is the root. A leaf's confidence is
      its term's; an inner node's is the product of its children's (and of the
      schema tag's, for a schema call): the chance that the whole subtree is right.
    * ``terms`` — every recovered term, flat.
    * ``references`` — stored formulas found among the terms, decoded in turn
      (address → Decoded), down to the depth limit.
    * ``lost`` — what was seen but could not be placed, in words (a flow stage
      after a missing one, a schema without all its roles, …).
    * ``unexplained`` — share of the vector's energy the formula does not
      account for (0 for a noise-free encoding decoded in full).
    * ``threshold`` — the similarity a term needed; ``searched`` — how many
      candidate terms it was chosen among; ``near_miss`` — the best term left
      out and its similarity, if any.
    """

    formula: ast.Expr | None
    confidence: Mapping[Path, float] = field(default_factory=dict)
    terms: tuple[Term, ...] = ()
    references: Mapping[str, "Decoded"] = field(default_factory=dict)
    lost: tuple[str, ...] = ()
    unexplained: float = 1.0
    threshold: float = 0.0
    searched: int = 0
    near_miss: tuple[ast.Expr | str, float] | None = None

    # ------------------------------------------------------------ questions
    def __bool__(self) -> bool:
        return self.formula is not None

    @property
    def recognised(self) -> bool:
        return self.formula is not None

    @property
    def complete(self) -> bool:
        """True when the formula accounts for the whole vector and nothing was lost."""
        from deltaform.decoding.pursuit import EXPLAINED

        return self.formula is not None and self.unexplained <= EXPLAINED and not self.lost

    @property
    def root_confidence(self) -> float:
        return self.confidence.get((), 0.0)

    def node(self, path: Path) -> ast.Expr:
        """The node of ``formula`` at ``path``."""
        if self.formula is None:
            raise LookupError("nothing was recognised")
        return node_at(self.formula, path)

    def nodes(self) -> Iterator[tuple[Path, ast.Expr, float]]:
        """Every ``(path, node, confidence)``, depth first."""
        if self.formula is None:
            return
        stack: list[tuple[Path, ast.Expr]] = [((), self.formula)]
        while stack:
            path, node = stack.pop()
            yield path, node, self.confidence.get(path, 0.0)
            kids = child_paths(node)
            for i in reversed(range(len(kids))):
                stack.append((path + (i,), kids[i]))

    # ------------------------------------------------------------ printing
    def text(self, confidence: bool = True, digits: int = 2) -> str:
        """The formula in canonical text; with ``confidence``, each leaf is followed by ``⟨c⟩``."""
        if self.formula is None:
            return "∅ (nothing recognised)"
        if not confidence:
            return ast.to_text(self.formula)
        return ast.to_text(_annotate(self.formula, (), self.confidence, digits))

    def report(self, digits: int = 2) -> str:
        """A multi-line report: the formula with confidences, what is unexplained or lost, and references."""
        lines = [self.text(True, digits)]
        if self.formula is not None:
            lines.append(f"  confidence {self.root_confidence:.{digits}f}, unexplained {self.unexplained:.1%}, "
                         f"threshold {self.threshold:.3f} over {self.searched} candidate terms")
        for item in self.lost:
            lines.append(f"  lost: {item}")
        if self.near_miss is not None:
            leaf, sim = self.near_miss
            name = ast.to_text(leaf) if not isinstance(leaf, str) else leaf
            lines.append(f"  best term below the threshold: {name} ({sim:+.3f})")
        for address, sub in self.references.items():
            for i, line in enumerate(sub.report(digits).splitlines()):
                lines.append(("  " if i else f"  {address} = ") + line)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def inline(self) -> ast.Expr | None:
        """The formula with every decoded reference replaced by its own decoded formula."""
        if self.formula is None:
            return None
        return _inline(self.formula, self.references)


def child_paths(node: ast.Expr) -> tuple:
    """The children of a node, in the order paths count them."""
    return ast.children(node)


def node_at(node: ast.Expr, path: Path) -> ast.Expr:
    for i in path:
        node = child_paths(node)[i]
    return node


def _annotate(node: ast.Expr, path: Path, conf: Mapping[Path, float], digits: int) -> ast.Expr:
    """A copy whose leaves print with their confidence (atoms renamed; for printing only)."""
    if isinstance(node, (ast.Atom, ast.Var, ast.Glyph)) or (isinstance(node, ast.Ref) and not node.args):
        c = conf.get(path)
        mark = "" if c is None else f"⟨{c:.{digits}f}⟩"
        return ast.Atom(ast.to_text(node) + mark)
    kids = child_paths(node)
    new = tuple(_annotate(k, path + (i,), conf, digits) for i, k in enumerate(kids))
    return ast.with_children(node, new)


def _inline(node: ast.Expr, refs: Mapping[str, Decoded]) -> ast.Expr:
    if isinstance(node, ast.Ref) and not node.args and node.address in refs and refs[node.address].formula is not None:
        sub = refs[node.address]
        return _inline(sub.formula, sub.references)
    if isinstance(node, ast.Glyph) and node.symbol in refs and refs[node.symbol].formula is not None:
        sub = refs[node.symbol]
        return _inline(sub.formula, sub.references)
    kids = child_paths(node)
    if not kids:
        return node
    new = tuple(_inline(k, refs) for k in kids)
    return ast.with_children(node, new)

"""Measures of the text side's quality, shared by the tests and benchmarks/bench_text.py.

- concept matching between gold concepts and extracted atoms (a phrase atom
  "холодная вода" counts for the gold concept "вода": it names it, qualified);
- token Jaccard between phrasings (variation);
- Russian adjective–noun agreement (grammar);
- formulas written as JSON trees (the corpus format of tests/data/text).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from pathlib import Path
from typing import Any, Iterable

from ..ast import Atom, Bind, Bundle, Expr, Flow, Glyph, Inverse, Layer, Ref, SchemaCall, Weight, walk


def fold(text: str) -> str:
    return text.casefold().replace("ё", "е").strip()


@functools.lru_cache(maxsize=100_000)
def atom_parts(atom: str, lang: str) -> frozenset[str]:
    """The lemmas of an atom's content words (for matching a phrase against single concepts)."""
    words = re.findall(r"[\w'-]+", atom)
    out = set()
    for w in words:
        if lang == "ru":
            from . import morph_ru as M
            p = M.best(w)
            if p.tag.POS in ("PREP", "CONJ", "PRCL"):
                continue
            out.add(fold(p.normal_form))
        else:
            from . import morph_en as E
            if E.is_stop(w.lower()):
                continue
            classes = E.lemmas(w.lower())
            out.add(fold(E.lemma(w.lower(), "NOUN") if "NOUN" in classes else w))
    out.add(fold(atom))
    return frozenset(out)


def matches(gold: str, atom: str, lang: str) -> bool:
    g, a = fold(gold), fold(atom)
    if g == a:
        return True
    return g in atom_parts(atom, lang) or (len(g.split()) > 1 and a in atom_parts(gold, lang))


def recall_precision(gold: Iterable[str], found: Iterable[str], lang: str) -> tuple[float, float]:
    gold, found = list(gold), list(found)
    hit_gold = sum(any(matches(g, a, lang) for a in found) for g in gold)
    hit_found = sum(any(matches(g, a, lang) for g in gold) for a in found)
    return (hit_gold / len(gold) if gold else 1.0, hit_found / len(found) if found else 0.0)


def atoms_of(expr: Any) -> list[str]:
    """The concept atoms of a formula, in order, without repeats."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Atom):
            seen.setdefault(node.name, None)
    return list(seen)


def tokens(text: str) -> set[str]:
    return {t.casefold() for t in re.findall(r"[\w'-]+", text)}


def jaccard(a: str, b: str) -> float:
    ta, tb = tokens(a), tokens(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else 1.0


def mean_pairwise_jaccard(texts: list[str]) -> float:
    pairs = list(itertools.combinations(texts, 2))
    return sum(jaccard(a, b) for a, b in pairs) / len(pairs) if pairs else 0.0


def agreement_errors(text: str) -> list[str]:
    """Adjacent adjective–noun pairs in a Russian text that pymorphy3 can analyse but that do not agree.

    A pair is checked when the first word can only be an adjective or participle (full form)
    and the second word can only be a noun; it passes when some pair of their analyses agrees.
    """
    from . import morph_ru as M
    words = re.findall(r"[А-Яа-яЁё-]+|[^\sА-Яа-яЁё]", text)
    errors = []
    for w1, w2 in zip(words, words[1:]):
        p1, p2 = M.parses(w1), M.parses(w2)
        if not p1 or not p2 or not all(p.tag.POS in M.MODIFIER_POS for p in p1):
            continue
        if not all(p.tag.POS == "NOUN" for p in p2):
            continue
        if not any(M.agree(a, n) for a in p1 for n in p2):
            errors.append(f"{w1} {w2}")
    return errors


# ---- formulas as JSON trees ---------------------------------------------------------------
# "вода"                       an atom
# ["+", x, y, ["-", z]]        a bundle (a ["-", z] term is subtracted)
# ["->", x, y]                 a flow
# ["*", x, y]                  a binding
# ["w", 0.8, x]                a weight
# [":", "образ", x]            a layer
# ["~", x]                     an inverse
# ["ref", "Δ12", args…]        a reference;  ["glyph", "⟁"]  a glyph;  ["call", "сцена", args…]  a schema call

def from_json(tree: Any) -> Expr:
    if isinstance(tree, str):
        return Atom(tree)
    op, *rest = tree
    if op == "+":
        terms, signs = [], []
        for t in rest:
            if isinstance(t, list) and t and t[0] == "-":
                terms.append(from_json(t[1]))
                signs.append(-1)
            else:
                terms.append(from_json(t))
                signs.append(1)
        return Bundle(tuple(terms), tuple(signs))
    if op == "->":
        return Flow(tuple(from_json(t) for t in rest))
    if op == "*":
        return Bind(tuple(from_json(t) for t in rest))
    if op == "w":
        return Weight(float(rest[0]), from_json(rest[1]))
    if op == ":":
        return Layer(rest[0], from_json(rest[1]))
    if op == "~":
        return Inverse(from_json(rest[0]))
    if op == "ref":
        return Ref(rest[0], tuple(from_json(t) for t in rest[1:]))
    if op == "glyph":
        return Glyph(rest[0])
    if op == "call":
        return SchemaCall(rest[0], tuple(from_json(t) for t in rest[1:]))
    raise ValueError(f"unknown formula tree operator {op!r}")


def load_formulas(path: str | Path) -> list[dict]:
    """Entries {"lang", "formula" (a syntax tree), "text"} from a JSON-lines corpus."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        try:
            entry["formula"] = from_json(entry["tree"])
        except (ValueError, TypeError, IndexError) as err:
            raise ValueError(f"{path}:{n}: bad formula tree: {err}") from err
        out.append(entry)
    return out


def load_tsv(path: str | Path) -> list[tuple[str, list[str]]]:
    """Rows "text <tab> item; item; …" (scenes with their core concepts, fused words with their parts)."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, items = line.split("\t")
        rows.append((text.strip(), [i.strip() for i in re.split(r"[;+]", items) if i.strip()]))
    return rows


# ---- flows ---------------------------------------------------------------------------------
def load_flows(path: str | Path) -> list[tuple[str, list[tuple[str, ...]]]]:
    """Rows "scene <tab> a → b → c | d → e" (or "-" for none): scenes with the flows they hold."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            text, spec = line.split("\t")
        except ValueError:
            raise ValueError(f"{path}:{n}: expected 'scene<TAB>flows'") from None
        spec = spec.strip()
        flows = [] if spec == "-" else [tuple(s.strip() for s in f.split("→")) for f in spec.split("|")]
        if any(len(f) < 2 for f in flows):
            raise ValueError(f"{path}:{n}: a flow needs at least two stages: {spec!r}")
        rows.append((text.strip(), flows))
    return rows


def flow_pairs(flows: Iterable[Iterable[str]]) -> list[tuple[str, str]]:
    """The single passages of flows: a → b → c gives (a, b) and (b, c)."""
    out = []
    for f in flows:
        f = [s.split(" + ") for s in f]       # a stage "вода + боль" passes on from each of its parts
        out += [(a, b) for x, y in zip(f, f[1:]) for a in x for b in y]
    return out


def flow_hits(gold: Iterable[Iterable[str]], found: Iterable[Iterable[str]], lang: str) -> tuple[int, int, int, int]:
    """(gold passages found, gold passages, found passages that are gold, found passages).

    A passage matches when both its stages match (a found phrase "холодная вода" names "вода").
    """
    g, f = flow_pairs(gold), flow_pairs(found)

    def same(x: tuple[str, str], y: tuple[str, str]) -> bool:
        return matches(x[0], y[0], lang) and matches(x[1], y[1], lang)

    return (sum(any(same(a, b) for b in f) for a in g), len(g),
            sum(any(same(a, b) for a in g) for b in f), len(f))


def flows_of(expr: Any) -> list[tuple[str, ...]]:
    """The flows of a formula, each stage as its atoms' names (joined by " + " when several)."""
    out = []
    for node in walk(expr):
        if isinstance(node, Flow):
            stages = []
            for s in node.steps:
                names = [a.name for a in walk(s) if isinstance(a, Atom)]
                if not names:
                    break
                stages.append(" + ".join(names))
            else:
                out.append(tuple(stages))
    return out

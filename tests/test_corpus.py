"""The built-in corpus (python/deltaform/data/*.df): every file parses and encodes cleanly.

The memory demo loads these files together, so a name defined in two of them
(a Δ-address, a parametric formula or a glyph symbol) would silently shadow
another scene; that is checked here too.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import deltaform
from deltaform.ast import Definition, Schema
from deltaform.formula import parse_file

DATA = Path(str(resources.files("deltaform") / "data"))
FILES = sorted(DATA.glob("*.df"))

# The hand-written scene files and the least each must hold, so that a file
# cut short by a bad edit (or an encoder that drops lines) does not pass unnoticed.
SCENE_FILES = {"scenes_ru.df": 180, "scenes_en.df": 110}
# Numbered addresses each scene file keeps to, so that files written later can pick a free range.
NUMBER_RANGES = {"outline.df": (1, 99), "scenes_ru.df": (100, 499), "scenes_en.df": (500, 999)}


def _ids(path: Path) -> str:
    return path.name


def test_corpus_files_are_present():
    names = {p.name for p in FILES}
    assert "outline.df" in names
    assert set(SCENE_FILES) <= names


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_parses_without_errors(path: Path):
    result = parse_file(path)
    assert result.errors == [], "\n".join(str(e) for e in result.errors)
    assert len(result.statements) > 0
    least = SCENE_FILES.get(path.name)
    if least is not None:
        assert len(result.statements) >= least


@pytest.mark.parametrize("algebra", deltaform.ALGEBRAS)
@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_encodes_without_errors(path: Path, algebra: str):
    space = deltaform.Space(dim=256, algebra=algebra, seed=0)
    encoded = space.encode_file(path)
    assert encoded.errors == [], "\n".join(str(e) for e in encoded.errors)
    formulas = [loc for loc in parse_file(path).statements if not isinstance(loc.statement, Schema)]
    # Every formula line gets a row, and no row is the zero vector.
    assert set(loc.line for loc in formulas) <= set(encoded.lines.tolist())
    rows = encoded.vectors[np.isin(encoded.lines, [loc.line for loc in formulas])]
    assert rows.shape[0] == len(formulas)
    assert np.all(np.any(rows != 0, axis=1))


def _defined_names(path: Path) -> list[str]:
    return [loc.statement.target for loc in parse_file(path).statements
            if isinstance(loc.statement, Definition)]


@pytest.mark.parametrize("path", FILES, ids=_ids)
def test_names_unique_within_file(path: Path):
    twice = [name for name, n in Counter(_defined_names(path)).items() if n > 1]
    assert twice == [], f"{path.name} defines {twice} more than once"


def test_names_unique_across_files():
    owner: dict[str, str] = {}
    clashes = []
    for path in FILES:
        for name in set(_defined_names(path)):
            if name in owner:
                clashes.append(f"{name} in {owner[name]} and {path.name}")
            owner.setdefault(name, path.name)
    assert clashes == []


@pytest.mark.parametrize("name", sorted(NUMBER_RANGES))
def test_numbered_addresses_in_their_range(name: str):
    low, high = NUMBER_RANGES[name]
    numbers = [int(t[1:]) for t in _defined_names(DATA / name) if t[1:].isdigit()]
    assert numbers, f"{name} defines no numbered address"
    outside = [n for n in numbers if not low <= n <= high]
    assert outside == [], f"{name}: Δ{outside} outside Δ{low}–Δ{high}"


def test_schema_names_unique_across_files():
    owner: dict[str, str] = {}
    clashes = []
    for path in FILES:
        for loc in parse_file(path).statements:
            if isinstance(loc.statement, Schema):
                name = loc.statement.name
                if name in owner and owner[name] != path.name:
                    clashes.append(f"schema {name} in {owner[name]} and {path.name}")
                owner.setdefault(name, path.name)
    assert clashes == []

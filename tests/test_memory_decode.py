"""Decoding against a memory: its atoms, stored formulas, roles and schemas are the candidates."""

from __future__ import annotations

import subprocess
import sys

import pytest

import deltaform
from deltaform.decoding import canonical_text

FORMULAS = [
    "schema сцена(объект, напряжение, переход)",
    "Δ1 = образ: вода + эмоция: боль + действие: таяние",
    "Δ2 = тревога → надежда → покой",
    "Δ3 = сцена(вода, весна, неясность)",
    "Δ4 = Δ2 + солнце",
    "Δ5 = море + ветер + соль",
]


@pytest.fixture(scope="module")
def memory(tmp_path_factory):
    path = tmp_path_factory.mktemp("mem") / "m"
    mem = deltaform.Memory.create(path, deltaform.Space(dim=1024))
    mem.add_many(FORMULAS)
    yield mem
    mem.close()


@pytest.mark.parametrize(
    "address, expected",
    [
        ("Δ1", "образ: вода + эмоция: боль + действие: таяние"),
        ("Δ2", "тревога → надежда → покой"),
        ("Δ3", "сцена(вода, весна, неясность)"),
        ("Δ4", "Δ2 + солнце"),
    ],
)
def test_stored_formula_decodes_to_itself(memory, address, expected) -> None:
    decoded = memory.decode(address)
    assert decoded.recognised
    assert canonical_text(decoded.formula) == canonical_text(deltaform.parse_expr(expected))
    assert min(decoded.confidence.values()) > 0.9


def test_reference_is_decoded_in_turn(memory) -> None:
    decoded = memory.decode("Δ4", max_depth=1)
    assert "Δ2" in decoded.references
    inner = decoded.references["Δ2"]
    assert canonical_text(inner.formula) == canonical_text(deltaform.parse_expr("тревога → надежда → покой"))


def test_text_query_and_noise(memory) -> None:
    decoded = memory.decode("море + соль")
    assert canonical_text(decoded.formula) == canonical_text(deltaform.parse_expr("море + соль"))
    import numpy as np

    noise = np.random.default_rng(0).standard_normal(memory.space.width).astype(np.float32)
    assert not memory.decode(noise).recognised


def test_cli_decode(memory) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "deltaform.cli", "decode", "Δ2", "--memory", memory.path, "--formula-only"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "тревога" in out.stdout and "→" in out.stdout and "покой" in out.stdout

"""`deltaform recall MEMORY "plain text" --text` recalls through the text side's extract."""

from __future__ import annotations

import subprocess
import sys

import deltaform


def test_recall_plain_text_from_the_command_line(tmp_path) -> None:
    path = tmp_path / "m"
    with deltaform.Memory.create(path, deltaform.Space(dim=1024)) as mem:
        mem.add_many([
            "Δ1 = образ: вода + эмоция: нежность + время: весна = весенний ручей",
            "Δ2 = образ: огонь + эмоция: тревога = пожар ночью",
            "Δ3 = образ: снег + эмоция: тоска = зимняя тоска",
        ])
    out = subprocess.run(
        [sys.executable, "-m", "deltaform.cli", "recall", str(path), "Весной вода звенит, и на душе нежность",
         "--text", "-k", "1"],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0].split()[1] == "Δ1", out.stdout


def test_show_draws_the_tree_of_a_stored_formula(tmp_path) -> None:
    path = tmp_path / "m"
    with deltaform.Memory.create(path, deltaform.Space(dim=256)) as mem:
        mem.add_many(["Δ1 = (вода + солнце) → пробуждение"])
    png = tmp_path / "tree.png"
    out = subprocess.run(
        [sys.executable, "-m", "deltaform.cli", "show", str(path), "Δ1", "--tree", str(png)],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000

"""deltaform add / recall / show / stats / export."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from deltaform.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_add_recall_show_stats_export(tmp_path):
    mem = tmp_path / "m"
    src = tmp_path / "scenes.df"
    src.write_text("schema сцена(объект, напряжение)\nΔ12 = вода + весна = влечение\nΔ13 = (вода + + боль)\n"
                   "Δ14 = сцена(Δ12, жар)\n", encoding="utf-8")
    r = run("add", mem, src, "--dim", "256")
    assert r.exit_code == 1          # one bad line: reported, the good ones kept
    assert "2 formulas (Δ12 … Δ14), 1 schemas added; 1 bad lines" in r.output
    assert "scenes.df:3:" in r.output
    r = run("add", mem, "Δ12 + солнце")
    assert r.exit_code == 0 and r.output.strip() == "Δ1"
    r = run("recall", mem, "вода + весна", "-k", "2")
    assert r.exit_code == 0
    first = r.output.splitlines()[0]
    assert first.startswith("+1.000") and "Δ12 = вода + весна = влечение" in first
    r = run("recall", mem, "Δ12", "--json", "--atom", "жар")
    assert [json.loads(x)["address"] for x in r.output.splitlines()] == ["Δ14"]
    r = run("show", mem, "@14")
    assert r.exit_code == 0 and "Δ14 = сцена(Δ12, жар)" in r.output and "refers to: Δ12" in r.output
    r = run("show", mem, "Δ99")
    assert r.exit_code == 2 and "Δ99 is not in the memory" in r.output
    r = run("stats", mem, "--json")
    st = json.loads(r.output)
    assert (st["formulas"], st["schemas"], st["dim"]) == (3, 1, 256)
    out = tmp_path / "out.jsonl"
    r = run("export", mem, "-o", out, "--vectors", "none")
    assert r.exit_code == 0 and "3 formulas" in r.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 1 + 3
    r = run("recall", tmp_path / "nothing", "x")
    assert r.exit_code == 2 and "no memory here" in r.output

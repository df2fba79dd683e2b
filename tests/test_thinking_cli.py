"""deltaform flash / fuse / consolidate from the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from deltaform.cli import app

runner = CliRunner()


def test_flash_fuse_consolidate_commands(tmp_path):
    src = tmp_path / "a.df"
    src.write_text("Δ1 = вода + весна + неясность\nΔ2 = весна + солнце\nΔ3 = Δ1 + ветер\nΔ4 = камень + железо\n"
                   + "".join(f"сок + мёд + x{i}\n" for i in range(6)), encoding="utf-8")
    mem = str(tmp_path / "m.dfm")
    assert runner.invoke(app, ["add", mem, str(src), "--dim", "256"]).exit_code == 0
    r = runner.invoke(app, ["flash", mem, "вода", "-k", "1", "--limit", "3"])
    assert r.exit_code == 0, r.output
    assert "вода → Δ1 → Δ3 (via reference)" in r.output and "вода → Δ1 → Δ2 (via atom весна)" in r.output
    r = runner.invoke(app, ["fuse", mem, "Δ1", "Δ4", "--field", "природа", "--field", "материал"])
    assert r.exit_code == 0, r.output
    assert "природа: Δ1 + материал: Δ4" in r.output
    r = runner.invoke(app, ["consolidate", mem, "--min-count", "6", "--min-pmi", "0.5"])
    assert r.exit_code == 0, r.output
    assert "minted Δ" in r.output and "= мёд + сок" in r.output and "count 6 of 11" in r.output
    r = runner.invoke(app, ["fuse", mem, "Δ1", "Δ99"])
    assert r.exit_code == 2 and "Δ99 is not in the memory" in r.output

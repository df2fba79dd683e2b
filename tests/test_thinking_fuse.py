"""Fusion: a new formula that couples formulas of different fields, with its provenance."""

from __future__ import annotations

import importlib
import numpy as np
import pytest

import deltaform as df
from deltaform.memory import UnknownAddressError
from deltaform.thinking import fuse
from deltaform.thinking.incidence import fusion_sources


@pytest.fixture()
def mem(tmp_path):
    m = df.Memory.create(tmp_path / "m.dfm", df.Space(dim=1024, seed=5))
    m.add_many([
        "schema сцена(объект, время)",
        "Δ1 = вода + весна",
        "Δ2 = огонь + лето",
        "Δ10 = сцена(лёд, зима)",
        "Δ11 = сцена(пепел, осень)",
    ])
    yield m
    m.close()


def _cos(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_fuse_by_fields(mem):
    f = fuse(mem, "Δ1", "Δ2", fields=["природа", "стихия"], scene="вода и огонь")
    assert f.address == "Δ3" and f.mode == "fields"
    assert f.formula == "Δ3 = природа: Δ1 + стихия: Δ2 = вода и огонь"
    assert mem.get("Δ3").formula == f.formula
    assert fusion_sources(mem) == {"Δ3": ["Δ1", "Δ2"]}
    # the vector is the bundle of the two layers: about 1/√2 like each, unlike the bare sources
    v = mem.vector("Δ3")
    assert _cos(v, mem.encode("природа: Δ1")) == pytest.approx(2 ** -0.5, abs=0.08)
    assert _cos(v, mem.encode("стихия: Δ2")) == pytest.approx(2 ** -0.5, abs=0.08)
    assert abs(_cos(v, mem.vector("Δ1"))) < 0.15


def test_fuse_then_decode_gives_back_the_sources(mem):
    f = fuse(mem, "Δ1", "Δ2", fields=["природа", "стихия"])
    d = mem.decode(f.address)
    assert d.complete
    assert df.ast.to_text(d.formula) == "природа: Δ1 + стихия: Δ2"
    assert {(t.key, df.ast.to_text(t.leaf)) for t in d.terms} == {("role:природа", "Δ1"), ("role:стихия", "Δ2")}


def test_weighted_fusion_decodes_to_both_sources_heavier_first(mem):
    f = fuse(mem, "Δ1", "Δ2", weights=[0.75, 0.25])
    d = mem.decode(f.address)
    weights = {df.ast.to_text(t.leaf): t.weight for t in d.terms}
    assert set(weights) == {"Δ1", "Δ2"}
    assert weights["Δ2"] == pytest.approx(1 / 3, abs=0.1) and weights["Δ1"] == pytest.approx(1.0)


def test_fuse_merges_a_shared_schema_role_by_role(mem):
    f = fuse(mem, "Δ10", "Δ11")
    assert f.mode == "schema"
    assert f.formula == "Δ3 = сцена(лёд + пепел, зима + осень)"
    d = mem.decode(f.address)
    got = {(t.key, df.ast.to_text(t.leaf)) for t in d.terms if t.leaf is not None}
    assert got == {("role:объект", "лёд"), ("role:объект", "пепел"), ("role:время", "зима"), ("role:время", "осень")}


def test_fuse_weighted_bundle_and_address(mem):
    f = fuse(mem, "Δ1", "@2", weights=[0.75, 0.25], address="Δогонь_вода")
    assert f.mode == "bundle" and f.sources == ("Δ1", "Δ2")
    assert f.formula == "Δогонь_вода = 0.75*Δ1 + 0.25*Δ2"
    v = mem.vector("Δогонь_вода")
    assert _cos(v, mem.vector("Δ1")) > _cos(v, mem.vector("Δ2")) + 0.3


def test_fuse_bad_input(mem):
    with pytest.raises(ValueError, match="at least two"):
        fuse(mem, "Δ1")
    with pytest.raises(UnknownAddressError, match="Δ99"):
        fuse(mem, "Δ1", "Δ99")
    with pytest.raises(ValueError, match="2 formulas but 1 fields"):
        fuse(mem, "Δ1", "Δ2", fields=["природа"])
    with pytest.raises(ValueError, match="not a role name"):
        fuse(mem, "Δ1", "Δ2", fields=["природа", "a: b"])
    with pytest.raises(ValueError, match="weight"):
        fuse(mem, "Δ1", "Δ2", weights=[1.0, -1.0])
    assert len(mem) == 4


def test_fusion_and_its_provenance_are_stored_together_or_not_at_all(mem, monkeypatch):
    fuse_module = importlib.import_module("deltaform.thinking.fuse")   # the module (the package exports the function)
    write = fuse_module.record_fusion

    def write_then_fail(con, address, *rest):
        write(con, address, *rest)          # the formula and its provenance are written …
        raise RuntimeError("injected failure")   # … and the transaction dies before it commits

    monkeypatch.setattr(fuse_module, "record_fusion", write_then_fail)
    before = len(mem)
    with pytest.raises(RuntimeError, match="injected failure"):
        fuse(mem, "Δ1", "Δ2", fields=["природа", "стихия"])
    assert len(mem) == before and "Δ3" not in mem
    assert fusion_sources(mem) == {}
    monkeypatch.setattr(fuse_module, "record_fusion", write)
    f = fuse(mem, "Δ1", "Δ2", fields=["природа", "стихия"])
    assert f.address == "Δ3" and fusion_sources(mem) == {"Δ3": ["Δ1", "Δ2"]}
    row = mem._store.catalog.con.execute("SELECT row FROM fusions WHERE address='Δ3'").fetchone()[0]
    assert row == mem.get("Δ3").row

"""Associative flashes: nearest formulas, then spreading over atoms, references and fusion links."""

from __future__ import annotations

import numpy as np
import pytest

import deltaform as df
from deltaform.thinking import flash, fuse


@pytest.fixture()
def mem(tmp_path):
    m = df.Memory.create(tmp_path / "m.dfm", df.Space(dim=512, seed=3))
    m.add_many([
        "Δ1 = вода + весна + неясность",
        "Δ2 = весна + солнце",
        "Δ3 = Δ1 + ветер",
        "Δ4 = камень + железо",
        "Δ5 = солнце + жар",
    ])
    yield m
    m.close()


def test_flash_spreads_over_atoms_and_references(mem):
    items = flash(mem, "вода", k=1, steps=2, decay=0.5, limit=10)
    # Δ1 is the nearest; Δ3 refers to it (link weight 1); Δ2 shares the rarer-than-nothing atom
    # весна (tf-idf cosine 0.26); Δ5 shares солнце with Δ2, two rounds away; Δ4 shares nothing.
    assert [i.address for i in items] == ["Δ1", "Δ3", "Δ2", "Δ5"]
    by = {i.address: i for i in items}
    assert by["Δ1"].path == ("вода", "Δ1") and by["Δ1"].hops == 1 and by["Δ1"].similarity > 0.3
    assert by["Δ3"].path == ("вода", "Δ1", "Δ3") and by["Δ3"].via[-1] == "reference"
    assert by["Δ2"].path == ("вода", "Δ1", "Δ2") and by["Δ2"].via[-1] == "atom весна"
    assert by["Δ5"].path == ("вода", "Δ1", "Δ2", "Δ5") and by["Δ5"].via[-1] == "atom солнце"
    assert by["Δ5"].hops == 3 and by["Δ2"].similarity is None
    assert by["Δ5"].route == "вода → Δ1 → Δ2 → Δ5 (via atom солнце)"
    assert by["Δ3"].activation == pytest.approx(0.5 * by["Δ1"].similarity)


def test_flash_steps_and_limit(mem):
    assert [i.address for i in flash(mem, "вода", k=1, steps=0)] == ["Δ1"]
    one = flash(mem, "вода", k=1, steps=1, limit=10)
    assert [i.address for i in one] == ["Δ1", "Δ3", "Δ2"]
    assert len(flash(mem, "вода", k=1, steps=2, limit=2)) == 2


def test_flash_is_deterministic(mem):
    a = flash(mem, "весна + солнце", k=3, limit=10)
    b = flash(mem, "весна + солнце", k=3, limit=10)
    assert [(i.address, i.activation, i.path) for i in a] == [(i.address, i.activation, i.path) for i in b]


def test_flash_follows_fusion_history(mem):
    f = fuse(mem, "Δ4", "Δ2", fields=["материал", "время"])
    assert f.address == "Δ6"
    items = flash(mem, "камень + железо", k=1, steps=2, limit=10, fusion_weight=2.0)
    by = {i.address: i for i in items}
    assert items[0].address == "Δ4"
    assert by["Δ6"].path == ("камень + железо", "Δ4", "Δ6") and by["Δ6"].via[-1] == "fusion"
    assert by["Δ2"].path == ("камень + железо", "Δ4", "Δ6", "Δ2") and by["Δ2"].via[-1] == "fusion"


def test_flash_takes_an_address_and_a_vector(mem):
    items = flash(mem, "Δ2", k=1, steps=1, limit=10)
    assert items[0].address == "Δ2" and items[0].similarity == pytest.approx(1.0, abs=1e-4)
    assert {i.address for i in items} == {"Δ2", "Δ1", "Δ5"}
    v = mem.vector("Δ4")
    assert flash(mem, v, k=1, steps=0)[0].path == ("query", "Δ4")


def test_flash_bad_input(mem):
    with pytest.raises(ValueError, match="k must be"):
        flash(mem, "вода", k=0)
    with pytest.raises(ValueError, match="decay"):
        flash(mem, "вода", decay=2.0)
    with pytest.raises(ValueError, match="one query"):
        flash(mem, np.stack([mem.vector("Δ1"), mem.vector("Δ2")]))


def test_beam_keeps_only_the_most_active_spreading(mem):
    # after the first round Δ3 (0.5·s) outshines Δ2 (0.13·s); with a beam of one only Δ3 spreads on,
    # and Δ3 leads nowhere new, so Δ5 (reached through Δ2) stays dark
    items = flash(mem, "вода", k=1, steps=2, beam=1, limit=10)
    assert [i.address for i in items] == ["Δ1", "Δ3", "Δ2"]
    with pytest.raises(ValueError, match="beam"):
        flash(mem, "вода", beam=0)


def test_a_very_common_atom_spreads_only_where_it_weighs_most(tmp_path):
    # "общий" is held by Δ1…Δ4; the fewer other atoms a formula has, the more "общий" weighs in it.
    m = df.Memory.create(tmp_path / "c.dfm", df.Space(dim=512, seed=3))
    m.add_many(["Δ1 = общий + а1", "Δ2 = общий + а2 + б2", "Δ3 = общий + а3 + б3 + в3",
                "Δ4 = общий + а4 + б4 + в4 + г4", "Δ5 = ф1 + ф2", "Δ6 = ф3 + ф4"])
    idf_common, idf_rare = np.log(6 / 4), np.log(6)

    def weight(others):      # tf-idf weight of "общий" in a formula with `others` atoms held by one formula
        return idf_common / np.sqrt(idf_common ** 2 + others * idf_rare ** 2)

    everywhere = flash(m, "Δ4", k=1, steps=1, decay=0.5, limit=10, max_spread=None)
    assert [i.address for i in everywhere] == ["Δ4", "Δ1", "Δ2", "Δ3"]
    capped = flash(m, "Δ4", k=1, steps=1, decay=0.5, limit=10, max_spread=2)
    assert [i.address for i in capped] == ["Δ4", "Δ1", "Δ2"]          # Δ3 is not among the two heaviest
    s = capped[0].similarity
    assert capped[0].activation == pytest.approx(s)    # Δ4 is not in the capped list: no echo, nothing back
    for item, others in zip(capped[1:], (1, 2)):
        assert item.activation == pytest.approx(0.5 * s * weight(4) * weight(others))
        assert item.via == ("similar", "atom общий")
    assert flash(m, "Δ4", k=1, steps=1, limit=10, max_spread=4) == everywhere      # no atom over the cap
    with pytest.raises(ValueError, match="max_spread"):
        flash(m, "Δ4", max_spread=0)
    m.close()

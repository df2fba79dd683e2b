"""Consolidation: stable couplings (frequent, high PMI) become new formulas, once."""

from __future__ import annotations

import importlib
import math
import random
from itertools import combinations

import pytest

import deltaform as df
from deltaform.thinking import consolidate, couplings

MIN_COUNT, MIN_PMI = 10, 3.0
PLANTED = [("альфа", "бета"), ("гамма", "дельта", "эпсилон"), ("дзета", "эта")]


def _corpus(seed: int = 7) -> list[list[str]]:
    """600 formulas of random noise atoms, a common and a frequent independent atom, and planted couplings."""
    rng = random.Random(seed)
    noise = [f"шум{i}" for i in range(300)]
    out = []
    for i in range(600):
        atoms = rng.sample(noise, 3)
        if rng.random() < 0.5:
            atoms.append("частый")
        if rng.random() < 0.5:
            atoms.append("обычный")
        if i % 20 == 0:
            atoms += list(PLANTED[0])          # 30 times
        if i % 24 == 1:
            atoms += list(PLANTED[1])          # 25 times
        if i % 30 == 2:
            atoms += list(PLANTED[2])          # 20 times
        if i % 100 == 3:
            atoms += ["тета", "йота"]          # 6 times: strong but too rare
        out.append(atoms)
    return out


def _stats(corpus):
    """Counts and PMI written out directly from the atom lists (independent of the code under test)."""
    n = len(corpus)
    sets = [set(a) for a in corpus]
    single = {}
    for s in sets:
        for a in s:
            single[a] = single.get(a, 0) + 1

    def count(group):
        return sum(1 for s in sets if set(group) <= s)

    def of(group):
        c = count(group)
        if not c:
            return 0, -math.inf
        if len(group) == 2:
            return c, math.log2(c * n / (single[group[0]] * single[group[1]]))
        # a triple: its weakest split into a pair and the third atom
        return c, min(math.log2(c * n / (count(pair) * single[third]))
                      for pair, third in (((group[0], group[1]), group[2]), ((group[0], group[2]), group[1]),
                                          ((group[1], group[2]), group[0])))
    return of


@pytest.fixture()
def mem(tmp_path):
    m = df.Memory.create(tmp_path / "m.dfm", df.Space(dim=256, seed=1))
    m.add_many([" + ".join(a) for a in _corpus()])
    m.add("Δ9000 = эта + дзета")            # the third planted coupling is a formula already
    yield m
    m.close()


def test_planted_couplings_are_minted_and_nothing_below_thresholds(mem):
    of = _stats(_corpus() + [["эта", "дзета"]])
    report = consolidate(mem, MIN_COUNT, MIN_PMI)
    minted = {frozenset(c.atoms): c for c in report.minted}
    assert set(minted) == {frozenset(PLANTED[0]), frozenset(PLANTED[1])}
    for c in report.minted:
        count, pmi = of(c.atoms)
        assert c.count == count and c.pmi == pytest.approx(pmi)
        assert count >= MIN_COUNT and pmi >= MIN_PMI
        assert mem.get(c.address).expr == " + ".join(sorted(c.atoms))
        assert c.reason.startswith(f"count {count} >= {MIN_COUNT}")
    assert minted[frozenset(PLANTED[0])].count == 30 and minted[frozenset(PLANTED[1])].count == 25
    # the frequent independent pair and the rare strong pair stay below the thresholds
    assert of(("частый", "обычный"))[0] > 100 and of(("частый", "обычный"))[1] < 1
    assert of(("тета", "йота")) [0] == 6
    assert frozenset(("частый", "обычный")) not in minted and frozenset(("тета", "йота")) not in minted
    skipped = {frozenset(c.atoms): c.reason for c in report.skipped}
    assert skipped == {frozenset(PLANTED[2]): "already a formula"}


def test_consolidation_never_mints_twice(mem):
    first = consolidate(mem, MIN_COUNT, MIN_PMI)
    n = len(mem)
    again = consolidate(mem, MIN_COUNT, MIN_PMI)
    assert again.minted == [] and len(mem) == n
    reasons = {frozenset(c.atoms): (c.reason, c.address) for c in again.skipped}
    for c in first.minted:
        assert reasons[frozenset(c.atoms)] == ("minted before", c.address)
    # minted formulas are not counted as evidence: the statistics are unchanged
    before = {c.atoms: c.count for c in first.minted}
    after = {c.atoms: c.count for c in couplings(mem, MIN_COUNT, MIN_PMI)[0]}
    assert all(after[a] == before[a] for a in before)


def test_every_stable_coupling_passes_thresholds_on_a_lower_bar(mem):
    of = _stats(_corpus() + [["эта", "дзета"]])
    found, total = couplings(mem, 5, 2.0)
    assert total == 601
    keys = {frozenset(c.atoms) for c in found}
    assert frozenset(("тета", "йота")) in keys
    for c in found:
        count, pmi = of(c.atoms)
        assert count >= 5 and pmi >= 2.0 and c.count == count
    # every pair of the planted triple occurs only with the third atom: the triple stands for them
    assert not any(frozenset(p) in keys for p in combinations(PLANTED[1], 2))


def test_dry_run_mints_nothing(mem):
    n = len(mem)
    report = consolidate(mem, MIN_COUNT, MIN_PMI, dry_run=True)
    assert len(report.minted) == 2 and all(c.address is None for c in report.minted) and len(mem) == n
    with pytest.raises(ValueError, match="min_count"):
        consolidate(mem, 0, 1.0)


def test_minted_formulas_and_their_couplings_are_stored_together_or_not_at_all(mem, monkeypatch):
    consolidate_module = importlib.import_module("deltaform.thinking.consolidate")
    from deltaform.thinking.incidence import minted_couplings
    write = consolidate_module.record_couplings

    def write_then_fail(con, minted, addresses):
        write(con, minted, addresses)
        raise RuntimeError("injected failure")

    monkeypatch.setattr(consolidate_module, "record_couplings", write_then_fail)
    before = len(mem)
    with pytest.raises(RuntimeError, match="injected failure"):
        consolidate(mem, MIN_COUNT, MIN_PMI)
    assert len(mem) == before and minted_couplings(mem) == {}
    monkeypatch.setattr(consolidate_module, "record_couplings", write)
    report = consolidate(mem, MIN_COUNT, MIN_PMI)
    assert len(report.minted) == 2 and len(mem) == before + 2
    stored = minted_couplings(mem)
    assert {a for a, _ in stored.values()} == {c.address for c in report.minted}
    assert all(mem.get(a).row == row for a, row in stored.values())

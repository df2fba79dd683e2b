"""The bulk path of the store: batch-wide columns written into the SQL, atom postings grouped by numpy."""

from __future__ import annotations

import time

import numpy as np

import deltaform as df


def test_batch_wide_columns_are_stored_exactly(tmp_path):
    space = df.Space(dim=32, algebra="map", seed=2)
    mem = df.Memory.create(tmp_path / "m", space)
    source = "it's a 'quoted' path\x00with a NUL.df"      # a NUL cannot go into SQL text: it is bound
    t0 = time.time()
    mem.add_vectors(space.random(4, seed=1), ["a + b", "b + c", "c + d", "d"], source=source,
                    atoms=[["a", "b"], ["b", "c"], ["c", "d"], ["d"]], label="first")
    plain = "plain 'source'.df"
    mem.add_vectors(space.random(3, seed=2), ["x", "y", "z"], source=plain, lines=[7, 8, 9],
                    scenes=["one", None, "it's three"], atoms=[["x"], ["y"], ["z"]])
    t1 = time.time()
    first = [mem.get(f"Δ{i}") for i in range(1, 5)]
    assert [e.source for e in first] == [source] * 4
    assert [e.line for e in first] == [None] * 4 and [e.scene for e in first] == [None] * 4
    assert {(e.version, e.current, e.kind, e.params, e.encoded) for e in first} == {(1, True, "formula", (), False)}
    assert len({e.added for e in first}) == 1 and t0 <= first[0].added <= t1
    assert len({e.batch for e in first}) == 1
    second = [mem.get(f"Δ{i}") for i in range(5, 8)]
    assert [(e.source, e.line, e.scene) for e in second] == [(plain, 7, "one"), (plain, 8, None),
                                                           (plain, 9, "it's three")]
    assert second[0].batch == first[0].batch + 1
    assert [h.address for h in mem.recall(mem.vector("Δ6"), k=7, source=plain)][:1] == ["Δ6"]
    assert sorted(h.address for h in mem.recall(mem.vector("Δ2"), k=7, source=source)) == ["Δ1", "Δ2", "Δ3", "Δ4"]
    mem.close()


def test_atom_postings_match_the_atoms_of_every_row(tmp_path):
    space = df.Space(dim=32, algebra="map", seed=2)
    mem = df.Memory.create(tmp_path / "m", space)
    rng = np.random.default_rng(4)
    words = ["вода", "свет", "тень", "ёж", "a b", "x", "y", "zz"]
    atoms = [list(dict.fromkeys(rng.choice(words, size=int(rng.integers(0, 4))).tolist())) for _ in range(300)]
    mem.add_vectors(space.random(300, seed=5), [f"w{i}" for i in range(300)], atoms=atoms)
    # A second batch whose names need JSON escaping takes the plain Python path.
    odd = [['q"uote', "x"], ["back\\slash"], []]
    mem.add_vectors(space.random(3, seed=6), ["p", "q", "r"], atoms=odd)
    everything = atoms + odd
    assert [mem.get(f"Δ{i + 1}").facts.atoms for i in (0, 150, 299, 300, 301, 302)] == \
        [everything[i] for i in (0, 150, 299, 300, 301, 302)]
    for word in words + ['q"uote', "back\\slash"]:
        want = sorted(i for i, a in enumerate(everything) if word in a)
        rows = mem.search(np.zeros(space.width, np.float32) + 1, k=400, exact=True, atoms=word)[0][0]
        assert sorted(r for r in rows.tolist() if r >= 0) == want, word
    mem.close()

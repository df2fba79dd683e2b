"""Grounded atoms: a space's word atoms mixed with a projection of their embeddings."""

import struct

import numpy as np
import pytest

from deltaform import Space
from deltaform.grounding import Embeddings, Grounding, load_word2vec

ALGEBRAS = [("fhrr", 512), ("map", 512), ("bsc", 512)]


def _toy_table(seed: int = 3) -> dict[str, np.ndarray]:
    """Two clusters of related words plus loners, in 16 dimensions."""
    rng = np.random.default_rng(seed)
    water, money = rng.normal(size=16), rng.normal(size=16)
    table = {}
    for w in ("water", "river", "lake", "sea"):
        table[w] = water + 0.3 * rng.normal(size=16)
    for w in ("tax", "money", "bank", "price"):
        table[w] = money + 0.3 * rng.normal(size=16)
    for w in ("chair", "song", "idea"):
        table[w] = rng.normal(size=16)
    return table


def _sim(space, a, b):
    return float(space.similarity(space.atom(a), space.atom(b)))


@pytest.mark.parametrize("algebra,dim", ALGEBRAS)
def test_related_words_closer_than_unrelated(algebra, dim):
    space = Space(dim, algebra, 7, grounding=Grounding(_toy_table(), weight=0.5))
    related = np.mean([_sim(space, "water", "river"), _sim(space, "lake", "sea"), _sim(space, "tax", "money")])
    unrelated = np.mean([_sim(space, "water", "tax"), _sim(space, "river", "money"), _sim(space, "sea", "chair")])
    assert related > 0.15
    assert related > unrelated + 0.2
    plain = Space(dim, algebra, 7)
    assert abs(_sim(plain, "water", "river")) < 0.2


@pytest.mark.parametrize("algebra,dim", ALGEBRAS)
def test_deterministic_and_unknown_words_unchanged(algebra, dim):
    a = Space(dim, algebra, 11, grounding=Grounding(_toy_table(), weight=0.5))
    b = Space(dim, algebra, 11, grounding=Grounding(_toy_table(), weight=0.5))
    plain = Space(dim, algebra, 11)
    words = ["water", "bank", "idea", "Water"]
    np.testing.assert_array_equal(a.atoms(words), b.atoms(words))
    assert a.grounding_fingerprint == b.grounding_fingerprint != ""
    assert a == b and a != plain
    # a word without an embedding, and reserved atoms, keep the identity vector
    np.testing.assert_array_equal(a.atoms(["zebra", "вода"]), plain.atoms(["zebra", "вода"]))
    assert not np.array_equal(a.atom("water"), plain.atom("water"))


@pytest.mark.parametrize("algebra,dim", ALGEBRAS)
def test_weight_zero_is_the_plain_codebook(algebra, dim):
    g = Space(dim, algebra, 5, grounding=Grounding(_toy_table(), weight=0.0))
    plain = Space(dim, algebra, 5)
    words = list(_toy_table())
    np.testing.assert_array_equal(g.atoms(words), plain.atoms(words))


def test_weight_orders_similarity():
    sims = [_sim(Space(1024, "fhrr", 1, grounding=Grounding(_toy_table(), weight=w)), "water", "river")
            for w in (0.25, 0.5, 0.75)]
    assert sims[0] < sims[1] < sims[2]


def test_bad_weight_and_source():
    with pytest.raises(ValueError, match="weight"):
        Grounding(_toy_table(), weight=1.0)
    with pytest.raises(FileNotFoundError, match="no such file"):
        Grounding("/nonexistent/vectors.txt")
    with pytest.raises(TypeError, match="Grounding"):
        Space(64, grounding="navec")


def test_vocabulary_limits_what_is_grounded():
    g = Space(512, "fhrr", 2, grounding=Grounding(_toy_table(), weight=0.5, vocabulary=["water"]))
    plain = Space(512, "fhrr", 2)
    np.testing.assert_array_equal(g.atom("river"), plain.atom("river"))
    assert not np.array_equal(g.atom("water"), plain.atom("water"))


def _write_text(path, table):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(table)} {len(next(iter(table.values())))}\n")
        for w, v in table.items():
            f.write(w + " " + " ".join(f"{x:.6f}" for x in v) + "\n")


def _write_binary(path, table):
    with open(path, "wb") as f:
        f.write(f"{len(table)} {len(next(iter(table.values())))}\n".encode())
        for w, v in table.items():
            f.write(w.encode("utf-8") + b" " + struct.pack(f"<{len(v)}f", *v) + b"\n")


@pytest.mark.parametrize("writer", [_write_text, _write_binary])
def test_word2vec_file_loads(tmp_path, writer):
    table = _toy_table()
    table["Река"] = table["river"]
    path = tmp_path / "vectors.w2v"
    writer(path, table)
    emb = load_word2vec(path)
    assert emb.dim == 16 and "река" in emb.words and len(emb.words) == len(table)
    rows = emb.lookup(["water", "река", "missing"])
    np.testing.assert_allclose(rows[0], table["water"], atol=1e-5)
    np.testing.assert_allclose(rows[1], table["river"], atol=1e-5)
    assert np.isnan(rows[2]).all()
    space = Space(512, "fhrr", 0, grounding=Grounding(str(path), weight=0.5, lemmatize=False))
    assert _sim(space, "water", "lake") > _sim(space, "water", "tax") + 0.2


def test_word2vec_bad_header(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("water 0.1 0.2\n")
    with pytest.raises(ValueError, match="line 1"):
        load_word2vec(path)


def test_encoder_sees_grounded_atoms():
    g = Space(1024, "fhrr", 4, grounding=Grounding(_toy_table(), weight=0.5))
    plain = Space(1024, "fhrr", 4)
    # the C++ encoder resolves atoms by itself: a grounded atom encodes to its grounded vector
    np.testing.assert_array_equal(g.encode("water"), g.atom("water"))
    assert not np.array_equal(g.encode("water"), plain.encode("water"))
    # so formulas about related words come out similar
    a, b, c = g.encode_many(["place: water", "place: river", "place: tax"])
    assert float(g.similarity(a, b)) > float(g.similarity(a, c)) + 0.2


def test_atom_already_used_cannot_be_regrounded():
    from deltaform import _core

    core = _core.Space("fhrr", 64, 0)
    core.atoms(["water"], 0)
    with pytest.raises(ValueError, match="already in use"):
        core.set_atoms(["water"], np.zeros((1, 128), np.float32) + 1)


def test_memory_records_grounding(tmp_path):
    from deltaform.memory import Memory
    from deltaform.memory.errors import SpaceMismatchError

    g = Space(256, "fhrr", 0, grounding=Grounding(_toy_table(), weight=0.5))
    with Memory.create(tmp_path / "m", g) as mem:
        mem.add("place: water")
        mem.add("place: tax")
    with pytest.raises(SpaceMismatchError, match="grounded"):
        Memory.open(tmp_path / "m")
    with pytest.raises(SpaceMismatchError, match="grounded"):
        Memory.open(tmp_path / "m", Space(256, "fhrr", 0))
    same = Space(256, "fhrr", 0, grounding=Grounding(_toy_table(), weight=0.5))
    with Memory.open(tmp_path / "m", same) as mem:
        best = mem.recall("place: river", 2)
        assert best[0].formula.endswith("place: water") and best[0].similarity > best[1].similarity + 0.2


def test_from_dict_rejects_ragged():
    with pytest.raises(ValueError):
        Embeddings.from_dict({"a": [1.0, 2.0], "b": [1.0]})


# ---------------------------------------------------------------- the shipped sources
@pytest.fixture(scope="module")
def ru_space():
    pairs = ["вода", "река", "налог", "реки", "бюджет"]
    return Space(1024, "fhrr", 0, grounding=Grounding("navec", weight=0.75, vocabulary=pairs))


def test_navec_grounds_russian(ru_space):
    s = ru_space
    assert _sim(s, "вода", "река") > _sim(s, "вода", "налог") + 0.15
    assert _sim(s, "налог", "бюджет") > _sim(s, "река", "бюджет") + 0.15
    assert "navec" in s.grounding_fingerprint


def test_lemmatised_lookup():
    # "водою" is an inflected form; with lemmatize it is looked up as "вода"
    emb = Embeddings.from_dict({"вода": _toy_table()["water"], "налог": _toy_table()["tax"]}, lang="ru")
    s = Space(512, "fhrr", 0, grounding=Grounding(emb, weight=0.5, vocabulary=["водою", "налог"]))
    plain = Space(512, "fhrr", 0, grounding=Grounding(emb, weight=0.5, vocabulary=["водою"], lemmatize=False))
    assert not np.array_equal(s.atom("водою"), plain.atom("водою"))
    np.testing.assert_array_equal(plain.atom("водою"), Space(512, "fhrr", 0).atom("водою"))


def test_wordllama_grounds_english():
    s = Space(1024, "fhrr", 0, grounding=Grounding("wordllama", weight=0.75,
                                                   vocabulary=["water", "river", "tax", "king", "queen"]))
    assert _sim(s, "water", "river") > _sim(s, "water", "tax") + 0.1
    assert _sim(s, "king", "queen") > _sim(s, "king", "tax") + 0.1


def test_centering_removes_the_shared_direction():
    # every word shares a large common offset: uncentred, unrelated words look related
    offset = np.full(16, 3.0)
    table = {w: v + offset for w, v in _toy_table().items()}
    centred = Space(1024, "fhrr", 0, grounding=Grounding(table, weight=0.75))
    raw = Space(1024, "fhrr", 0, grounding=Grounding(table, weight=0.75, center=False))
    assert centred.grounding_fingerprint != raw.grounding_fingerprint
    assert _sim(raw, "water", "tax") > 0.3
    assert _sim(centred, "water", "tax") < _sim(raw, "water", "tax") - 0.2
    assert _sim(centred, "water", "river") > _sim(centred, "water", "tax") + 0.2

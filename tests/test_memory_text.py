"""Recalling stored formulas from plain text: Memory.recall_text runs extract, then recall."""

import pytest

from deltaform import Space
from deltaform.ast import to_text
from deltaform.memory import Memory
from deltaform.text import extract

SCENES = [
    "Холодная вода в реке течёт между камней.",
    "Налоговая служба подняла налог на бизнес.",
    "The cold river runs between the stones.",
    "The old king reads a letter in the castle.",
]


@pytest.fixture
def mem(tmp_path):
    with Memory.create(tmp_path / "m", Space(512, "fhrr", 0)) as m:
        for s in SCENES:
            m.add(extract(s), source=s)
        yield m


@pytest.mark.parametrize("i", range(len(SCENES)))
def test_recall_text_finds_the_scene(mem, i):
    hits = mem.recall_text(SCENES[i], 2)
    assert hits[0].formula.endswith(to_text(extract(SCENES[i])))
    assert hits[0].similarity > 0.99 and hits[0].similarity > hits[1].similarity


def test_recall_text_a_paraphrase(mem):
    hits = mem.recall_text("Вода в реке холодная, а на дне камень.", 1)
    assert "река" in hits[0].formula
    hits = mem.recall_text("A king in his castle.", 1)
    assert "king" in hits[0].formula


def test_recall_text_same_as_recall_of_extract(mem):
    text = "Река течёт, вода холодная."
    got = mem.recall_text(text, 3)
    want = mem.recall(extract(text), 3)
    assert [(h.address, h.similarity) for h in got] == [(h.address, h.similarity) for h in want]


def test_recall_text_passes_filters(mem):
    hits = mem.recall_text("cold river", 4, source=SCENES[3])
    assert [h.address for h in hits] == [mem.recall("king", 1, source=SCENES[3])[0].address]


def test_recall_text_bad_input(mem):
    with pytest.raises(TypeError, match="str"):
        mem.recall_text(["river"])
    with pytest.raises(ValueError, match="no concepts"):
        mem.recall_text("и но да")

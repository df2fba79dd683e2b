"""Scenes that say a transition give flows: detection measured on tests/data/text/flows_*.tsv, the round trip
render → extract on the corpus's flow formulas, and the shape of the formula extract returns."""

import pytest

from deltaform.ast import Flow, to_text, walk
from deltaform.text import quality as Q
from deltaform.text.scene import extract, flows

from text_helpers import DATA, formulas, renderings


def _rows(lang):
    return Q.load_flows(DATA / f"flows_{lang}.tsv")


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_flow_corpus_is_big_enough(lang):
    rows = _rows(lang)
    assert sum(1 for _, gold in rows if gold) >= 40
    assert sum(1 for _, gold in rows if not gold) >= 10      # scenes with no transition, for precision


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_flow_detection_recall_precision(lang):
    hit_gold = n_gold = hit_found = n_found = 0
    for text, gold in _rows(lang):
        a, b, c, d = Q.flow_hits(gold, flows(text, lang), lang)
        hit_gold, n_gold, hit_found, n_found = hit_gold + a, n_gold + b, hit_found + c, n_found + d
    assert hit_gold / n_gold >= 0.85, f"{lang} flow recall {hit_gold / n_gold:.3f}"
    assert hit_found / n_found >= 0.85, f"{lang} flow precision {hit_found / n_found:.3f}"


def test_flow_round_trip():
    for lang in ("ru", "en"):
        good = total = 0
        for entry, phrasings in renderings():
            gold = Q.flows_of(entry["formula"])
            if entry["lang"] != lang or not gold:
                continue
            for text in phrasings:
                a, b, _, _ = Q.flow_hits(gold, flows(text, lang), lang)
                good += a == b
                total += 1
        assert total >= 50, f"{lang}: only {total} flow phrasings"
        assert good / total >= 0.85, f"{lang} flow round trip {good / total:.3f}"


@pytest.mark.parametrize("scene, formula", [
    ("Вода превращается в лёд.", "вода → лёд"),
    ("Из боли рождается память.", "боль → память"),
    ("Тишина переходит во вспышку.", "тишина → вспышка"),
    ("Память рождается из боли.", "боль → память"),
    ("Ручей превращается в реку, а река — в море.", "ручей → река → море"),
    ("The water turns into ice.", "water → ice"),
    ("Silence becomes a flash.", "silence → flash"),
    ("From pain to memory.", "pain → memory"),
    ("Memory grows out of pain.", "pain → memory"),
    ("The stream becomes a river, and the river becomes the sea.", "stream → river → sea"),
])
def test_extract_gives_the_flow(scene, formula):
    assert to_text(extract(scene)) == formula


def test_the_rest_of_the_core_stays_in_layers():
    text = to_text(extract("Он ждёт письма, и надежда сменяется страхом."))
    assert text.startswith("(надежда → страх) + ")
    assert "письмо" in text and "сменяться" not in text      # the verb of passing is not a concept
    text = to_text(extract("In the old house, hope turns into fear."))
    assert text.startswith("(hope → fear) + ") and "old house" in text and "turn" not in text


@pytest.mark.parametrize("scene", ["Вода не превращается в лёд.", "The water never turns into ice.",
                                   "Старик сидит у окна и смотрит на дождь.", "A girl reads a book by candlelight."])
def test_no_flow_where_none_is_said(scene):
    assert flows(scene) == []
    assert not any(isinstance(n, Flow) for n in walk(extract(scene)))


def test_with_flows_false_keeps_stages_in_layers():
    f = extract("Вода превращается в лёд.", with_flows=False)
    assert not any(isinstance(n, Flow) for n in walk(f))
    assert set(Q.atoms_of(f)) >= {"вода", "лёд"}


def test_flows_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("Вода превращается в лёд.\tвода\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:1: a flow needs at least two stages"):
        Q.load_flows(bad)


def test_cli_extract_prints_the_flow():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "deltaform.cli", "extract", "Из боли рождается память."],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "боль → память = Из боли рождается память."

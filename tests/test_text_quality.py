"""Measured quality of the text side on the corpora in tests/data/text (thresholds of the text issue)."""

from deltaform.text import quality as Q
from deltaform.text import split_fused
from deltaform.text.scene import concepts

from text_helpers import DATA, formulas, renderings


def test_corpora_are_big_enough():
    assert len(formulas()) >= 200
    assert {e["lang"] for e in formulas()} == {"ru", "en"}
    for lang in ("ru", "en"):
        assert len(Q.load_tsv(DATA / f"scenes_{lang}.tsv")) >= 50
        assert len(Q.load_tsv(DATA / f"fused_{lang}.tsv")) >= 100


def test_round_trip_recall():
    hits = total = 0
    for entry, phrasings in renderings():
        atoms = Q.atoms_of(entry["formula"])
        for text in phrasings:
            found = [c.name for c in concepts(text, entry["lang"])]
            hits += sum(any(Q.matches(a, f, entry["lang"]) for f in found) for a in atoms)
            total += len(atoms)
    assert hits / total >= 0.9, f"round-trip recall {hits / total:.3f}"


def test_variation():
    scores = []
    for entry, phrasings in renderings():
        assert len(phrasings) == 5, entry["text"]
        assert len(set(phrasings)) == 5, entry["text"]
        scores.append(Q.mean_pairwise_jaccard(phrasings))
    assert sum(scores) / len(scores) <= 0.6


def test_russian_agreement():
    errors = []
    checked = 0
    for entry, phrasings in renderings():
        if entry["lang"] != "ru":
            continue
        for text in phrasings:
            checked += 1
            errors += [(text, e) for e in Q.agreement_errors(text)]
    assert checked > 0 and not errors, errors[:5]


def test_agreement_check_catches_errors():
    assert Q.agreement_errors("Перед нами плавный память.")
    assert not Q.agreement_errors("Перед нами плавная память.")


def test_fused_words_accuracy():
    for lang in ("ru", "en"):
        rows = Q.load_tsv(DATA / f"fused_{lang}.tsv")
        good = 0
        for word, parts in rows:
            got = split_fused(word, lang).parts
            good += [Q.fold(p) for p in got] == [Q.fold(p) for p in parts]
        assert good / len(rows) >= 0.95, f"{lang}: {good / len(rows):.3f}"


def test_scene_core_recall_precision():
    for lang in ("ru", "en"):
        rows = Q.load_tsv(DATA / f"scenes_{lang}.tsv")
        rec = prec = 0.0
        for text, gold in rows:
            r, p = Q.recall_precision(gold, [c.name for c in concepts(text, lang)], lang)
            rec += r
            prec += p
        assert rec / len(rows) >= 0.7, f"{lang} recall {rec / len(rows):.3f}"
        assert prec / len(rows) >= 0.6, f"{lang} precision {prec / len(rows):.3f}"

"""Speed and quality of the text side: python benchmarks/bench_text.py [--quick]

Prints the import time of deltaform.text, extract throughput (scenes/s), render
throughput (phrasings/s), split throughput (words/s), and the quality figures the
tests assert (round-trip recall, variation, agreement, fused-word accuracy,
scene-core recall and precision) on the corpora in tests/data/text; then flows
(detection precision/recall of passages on flows_*.tsv, the flow round trip) and
near neighbours (load time, share of phrasings with one, their effect on Jaccard,
round trip and agreement) with the real groundings. ``--no-neighbours`` skips those.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "text"


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import deltaform.text; print(time.perf_counter() - t)"
    base = "import time; t = time.perf_counter(); import deltaform; print(time.perf_counter() - t)"
    text = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3))
    core = min(float(subprocess.run([sys.executable, "-c", base], capture_output=True, text=True,
                                    check=True).stdout) for _ in range(3))
    return text, core


def main() -> None:
    quick = "--quick" in sys.argv
    from deltaform.text import quality as Q
    from deltaform.text import render, split_fused
    from deltaform.text.scene import concepts

    t_text, t_core = import_time()
    print(f"import deltaform.text: {t_text * 1000:.1f} ms (of which import deltaform: {t_core * 1000:.1f} ms)")

    t = time.perf_counter()
    concepts("Вода и боль.", "ru"), concepts("Water and pain.", "en"), split_fused("водаболь"), split_fused("sunrain")
    render(Q.from_json(["+", "вода", "боль"]), "ru"), render(Q.from_json(["+", "water", "pain"]), "en")
    print(f"first use (dictionaries and frequency lists load): {time.perf_counter() - t:.2f} s")

    scenes = {lang: Q.load_tsv(DATA / f"scenes_{lang}.tsv") for lang in ("ru", "en")}
    formulas = Q.load_formulas(DATA / "formulas.jsonl")
    if quick:
        formulas = formulas[::4]
    for lang in ("ru", "en"):
        rows = scenes[lang]
        t = time.perf_counter()
        rec = prec = 0.0
        for text, gold in rows:
            r, p = Q.recall_precision(gold, [c.name for c in concepts(text, lang)], lang)
            rec, prec = rec + r, prec + p
        dt = time.perf_counter() - t
        print(f"extract {lang}: {len(rows) / dt:.0f} scenes/s; core recall {rec / len(rows):.3f}, "
              f"precision {prec / len(rows):.3f} on {len(rows)} scenes")

    t = time.perf_counter()
    rendered = [(e, render(e["formula"], e["lang"], n=5, seed=7)) for e in formulas]
    dt = time.perf_counter() - t
    n_phr = sum(len(p) for _, p in rendered)
    print(f"render: {n_phr / dt:.0f} phrasings/s ({len(formulas)} formulas, n=5)")

    for lang in ("ru", "en"):
        jac = [Q.mean_pairwise_jaccard(ph) for e, ph in rendered if e["lang"] == lang]
        hits, total, errors, checked = round_trip(Q, rendered, lang)
        line = (f"round trip {lang}: atom recall {hits / total:.3f}; variation: mean pairwise Jaccard "
                f"{sum(jac) / len(jac):.3f} (max {max(jac):.3f})")
        if lang == "ru":
            line += f"; agreement errors in {errors} of {checked} phrasings"
        print(line)

    flow_figures(Q, rendered, "without neighbours")
    if "--no-neighbours" not in sys.argv:
        neighbour_figures(Q, formulas, rendered)

    for lang in ("ru", "en"):
        rows = Q.load_tsv(DATA / f"fused_{lang}.tsv")
        t = time.perf_counter()
        good = sum([Q.fold(p) for p in split_fused(w, lang).parts] == [Q.fold(p) for p in parts]
                   for w, parts in rows)
        dt = time.perf_counter() - t
        print(f"split {lang}: top-split accuracy {good / len(rows):.3f} on {len(rows)} words, "
              f"{len(rows) / dt:.0f} words/s")


def round_trip(Q, rendered, lang: str) -> tuple[int, int, int, int]:
    """(atoms found again, atoms sought, phrasings with an agreement error (Russian only), phrasings)
    over the phrasings of ``lang``'s formulas, each read back with extract's concept finder."""
    from deltaform.text.scene import concepts
    hits = total = errors = n = 0
    for e, ph in rendered:
        if e["lang"] != lang:
            continue
        atoms = Q.atoms_of(e["formula"])
        for text in ph:
            found = [c.name for c in concepts(text, lang)]
            hits += sum(any(Q.matches(a, f, lang) for f in found) for a in atoms)
            total += len(atoms)
            n += 1
            if lang == "ru":
                errors += bool(Q.agreement_errors(text))
    return hits, total, errors, n


def flow_figures(Q, rendered, label: str) -> None:
    from deltaform.text.scene import flows
    if label == "without neighbours":
        for lang in ("ru", "en"):
            rows = Q.load_flows(DATA / f"flows_{lang}.tsv")
            hg = ng = hf = nf = 0
            t = time.perf_counter()
            for text, gold in rows:
                a, b, c, d = Q.flow_hits(gold, flows(text, lang), lang)
                hg, ng, hf, nf = hg + a, ng + b, hf + c, nf + d
            dt = time.perf_counter() - t
            print(f"flows {lang}: passage recall {hg / ng:.3f}, precision {hf / max(nf, 1):.3f} on {len(rows)} scenes "
                  f"({sum(1 for _, g in rows if g)} with a transition, {ng} passages); {len(rows) / dt:.0f} scenes/s")
    for lang in ("ru", "en"):
        good = total = 0
        for e, ph in rendered:
            gold = Q.flows_of(e["formula"])
            if e["lang"] != lang or not gold:
                continue
            for text in ph:
                a, b, _, _ = Q.flow_hits(gold, flows(text, lang), lang)
                good, total = good + (a == b), total + 1
        print(f"flow round trip {lang} ({label}): {good}/{total} phrasings give the flow back ({good / total:.3f})")


def neighbour_figures(Q, formulas, rendered) -> None:
    from deltaform.text import render
    from deltaform.text.neighbours import default
    for lang in ("ru", "en"):
        t = time.perf_counter()
        default(lang).of("вода" if lang == "ru" else "water")
        print(f"neighbours {lang}: first use (embeddings and candidate pool) {time.perf_counter() - t:.1f} s, "
              f"pool {len(default(lang)._words)} words")
    t = time.perf_counter()
    near = [(e, render(e["formula"], e["lang"], n=5, seed=7, neighbours=True)) for e in formulas]
    dt = time.perf_counter() - t
    print(f"render with neighbours: {sum(len(p) for _, p in near) / dt:.0f} phrasings/s")
    for lang in ("ru", "en"):
        pairs = [(ph, ph0) for (e, ph), (_, ph0) in zip(near, rendered) if e["lang"] == lang]
        j0 = [Q.mean_pairwise_jaccard(ph0) for _, ph0 in pairs]
        j1 = [Q.mean_pairwise_jaccard(ph) for ph, _ in pairs]
        changed = sum(text not in ph0 for ph, ph0 in pairs for text in ph)
        hits, total, errors, n = round_trip(Q, near, lang)
        line = (f"neighbours {lang}: {changed}/{n} phrasings differ from the plain ones; mean pairwise Jaccard "
                f"{sum(j0) / len(j0):.3f} → {sum(j1) / len(j1):.3f}; round-trip atom recall {hits / total:.3f}")
        if lang == "ru":
            line += f"; agreement errors in {errors} of {n} phrasings"
        print(line)
    flow_figures(Q, near, "with neighbours")


if __name__ == "__main__":
    main()

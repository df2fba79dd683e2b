"""Grounded atoms: how similar related words become, and what it costs clean-up.

For each language and mixing weight α in {0, 0.25, 0.5, 0.75}:

- mean similarity of ~30 related word pairs (вода/река) and ~30 unrelated
  pairs (вода/налог) in the grounded space, and the embeddings' own cosines;
- clean-up accuracy: bundles of K distinct atoms drawn from a 10 000-word
  vocabulary (all grounded), decoded with deltaform.decoding against that
  vocabulary; the rate of exact recovery of the whole set, K = 8, 16, 32;
  and the same for one-shot clean-up (the K nearest words, no peeling).

Russian uses navec (inside natasha), English WordLlama; the vocabulary is the
most frequent words (wordfreq) that the embeddings know.

    python benchmarks/report_grounding.py [--dim 1024] [--algebra fhrr] [--trials 100] [--lang ru en]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from deltaform import Space
from deltaform.decoding import Cleanup, decode_many
from deltaform.grounding import Grounding, english, navec

PAIRS = {
    "ru": {
        "related": [
            ("вода", "река"), ("море", "океан"), ("кошка", "собака"), ("врач", "больница"), ("учитель", "школа"),
            ("хлеб", "молоко"), ("дождь", "снег"), ("солнце", "луна"), ("дом", "квартира"), ("машина", "автомобиль"),
            ("город", "деревня"), ("король", "королева"), ("книга", "журнал"), ("стол", "стул"), ("лес", "дерево"),
            ("война", "армия"), ("деньги", "банк"), ("налог", "бюджет"), ("песня", "музыка"), ("мать", "отец"),
            ("зима", "лето"), ("утро", "вечер"), ("поезд", "вокзал"), ("самолёт", "аэропорт"), ("рука", "нога"),
            ("огонь", "пожар"), ("страх", "ужас"), ("радость", "счастье"), ("чай", "кофе"), ("гора", "холм"),
        ],
        "unrelated": [
            ("вода", "налог"), ("море", "учитель"), ("кошка", "бюджет"), ("врач", "луна"), ("школа", "пожар"),
            ("хлеб", "аэропорт"), ("дождь", "королева"), ("солнце", "журнал"), ("дом", "ужас"), ("машина", "песня"),
            ("город", "молоко"), ("король", "стул"), ("книга", "холм"), ("стол", "армия"), ("лес", "банк"),
            ("война", "кофе"), ("деньги", "снег"), ("налог", "собака"), ("песня", "вокзал"), ("мать", "автомобиль"),
            ("зима", "больница"), ("утро", "налог"), ("поезд", "счастье"), ("самолёт", "хлеб"), ("рука", "бюджет"),
            ("огонь", "журнал"), ("страх", "стул"), ("радость", "вокзал"), ("чай", "армия"), ("гора", "музыка"),
        ],
    },
    "en": {
        "related": [
            ("water", "river"), ("sea", "ocean"), ("cat", "dog"), ("doctor", "hospital"), ("teacher", "school"),
            ("bread", "milk"), ("rain", "snow"), ("sun", "moon"), ("house", "apartment"), ("car", "truck"),
            ("city", "village"), ("king", "queen"), ("book", "magazine"), ("table", "chair"), ("forest", "tree"),
            ("war", "army"), ("money", "bank"), ("tax", "budget"), ("song", "music"), ("mother", "father"),
            ("winter", "summer"), ("morning", "evening"), ("train", "station"), ("plane", "airport"), ("hand", "foot"),
            ("fire", "flame"), ("fear", "terror"), ("joy", "happiness"), ("tea", "coffee"), ("mountain", "hill"),
        ],
        "unrelated": [
            ("water", "tax"), ("sea", "teacher"), ("cat", "budget"), ("doctor", "moon"), ("school", "flame"),
            ("bread", "airport"), ("rain", "queen"), ("sun", "magazine"), ("house", "terror"), ("car", "song"),
            ("city", "milk"), ("king", "chair"), ("book", "hill"), ("table", "army"), ("forest", "bank"),
            ("war", "coffee"), ("money", "snow"), ("tax", "dog"), ("song", "station"), ("mother", "truck"),
            ("winter", "hospital"), ("morning", "tax"), ("train", "happiness"), ("plane", "bread"), ("hand", "budget"),
            ("fire", "magazine"), ("fear", "chair"), ("joy", "station"), ("tea", "army"), ("mountain", "music"),
        ],
    },
}
WEIGHTS = (0.0, 0.25, 0.5, 0.75)
KS = (8, 16, 32)


def vocabulary(emb, lang: str, n: int) -> list[str]:
    """The n most frequent words the embeddings know, with every pair word in."""
    from wordfreq import top_n_list

    pair_words = list(dict.fromkeys(w for kind in PAIRS[lang].values() for p in kind for w in p))
    words = [w for w in top_n_list(lang, 4 * n) if w.isalpha() and w not in pair_words]
    rows = emb.lookup(words)
    known = [w for w, r in zip(words, rows) if not np.isnan(r).any()]
    return (pair_words + known)[:n]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def report(lang: str, dim: int, algebra: str, trials: int, n_vocab: int, seed: int = 0,
           weights=WEIGHTS, ks=KS, center: bool = True) -> None:
    t0 = time.time()
    emb = navec() if lang == "ru" else english()
    vocab = vocabulary(emb, lang, n_vocab)
    pairs = PAIRS[lang]
    e = {w: r for w, r in zip(vocab, emb.lookup(vocab))}
    base = {k: np.mean([cosine(e[a], e[b]) for a, b in v]) for k, v in pairs.items()}
    print(f"\n## {lang}: {emb.source}, {algebra} dim {dim}, vocabulary {len(vocab)}, {trials} trials per K"
          + ("" if center else ", embeddings not centred"))
    print(f"embedding cosine: related {base['related']:.3f}, unrelated {base['unrelated']:.3f}")
    print("| α | related | unrelated | gap | " + " | ".join(f"exact K={k}" for k in ks) + " | "
          + " | ".join(f"one-shot K={k}" for k in ks) + " |")
    print("|---|---|---|---|" + "---|" * (2 * len(ks)))
    rng = np.random.default_rng(seed)
    draws = {k: [rng.choice(len(vocab), k, replace=False) for _ in range(trials)] for k in ks}
    for w in weights:
        space = Space(dim, algebra, seed, grounding=Grounding(emb, weight=w, vocabulary=vocab, lemmatize=False,
                                                              center=center))
        sims = {k: np.mean([float(space.similarity(space.atom(a), space.atom(b))) for a, b in v])
                for k, v in pairs.items()}
        cleanup = Cleanup(space, vocab)
        atoms = space.atoms(vocab)
        rates, one_shot = [], []
        for k in ks:
            vectors = np.stack([space.bundle(atoms[idx]) for idx in draws[k]])
            res = decode_many(space, vectors, cleanup, max_depth=0)
            ok = [{t.leaf.name for t in d.terms if t.leaf is not None} == {vocab[i] for i in idx}
                  and len(d.terms) == k for d, idx in zip(res, draws[k])]
            rates.append(float(np.mean(ok)))
            # one-shot clean-up: the K nearest vocabulary words, no peeling
            rows, _ = cleanup.search(vectors, k=k)
            one_shot.append(float(np.mean([{cleanup.leaf(int(r)).name for r in row} == {vocab[i] for i in idx}
                                           for row, idx in zip(rows, draws[k])])))
        print(f"| {w} | {sims['related']:.3f} | {sims['unrelated']:.3f} | {sims['related'] - sims['unrelated']:.3f} | "
              + " | ".join(f"{r:.2f}" for r in rates + one_shot) + " |", flush=True)
    print(f"({time.time() - t0:.0f} s)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dim", type=int, default=1024)
    p.add_argument("--algebra", default="fhrr", choices=("fhrr", "map", "bsc"))
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--vocabulary", type=int, default=10_000)
    p.add_argument("--lang", nargs="+", default=["ru", "en"], choices=("ru", "en"))
    p.add_argument("--weights", nargs="+", type=float, default=list(WEIGHTS))
    p.add_argument("--ks", nargs="+", type=int, default=list(KS))
    p.add_argument("--no-center", action="store_true", help="keep the embeddings' mean direction")
    args = p.parse_args()
    for lang in args.lang:
        report(lang, args.dim, args.algebra, args.trials, args.vocabulary, weights=args.weights, ks=args.ks,
               center=not args.no_center)


if __name__ == "__main__":
    main()

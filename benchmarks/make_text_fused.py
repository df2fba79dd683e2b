"""Writes tests/data/text/fused_{ru,en}.tsv: fused words and the words they fuse (§9.2.4).

Words of 2–3 concepts (images, feelings, actions) written together without spaces,
like the outline's "жартишинавспышка". Seeded and reproducible:
python benchmarks/make_text_fused.py
"""

from __future__ import annotations

import random
from pathlib import Path

WORDS = {
    "ru": ("жар тишина вспышка вода боль память весна свет тень ветер море камень лёд огонь дождь снег небо "
           "звезда дорога окно сад река город ночь утро птица лист песок берег туман зеркало голос сон дом "
           "дерево трава облако луна солнце волна тревога надежда покой радость грусть страх нежность тоска "
           "гнев восторг любовь пепел дым роса гроза мёд соль хлеб кровь сердце рука глаз слеза улыбка крик "
           "шёпот танец полёт падение рассвет закат сумрак холод тепло пламя искра жажда голод мечта время "
           "путь мост стена дверь ключ нить узел круг крыло перо").split(),
    "en": ("heat silence flash water pain memory spring light shadow wind sea stone ice fire rain snow sky "
           "star road window garden river city night morning bird leaf sand shore fog mirror voice dream "
           "house tree grass cloud moon sun wave fear hope peace joy grief love anger ash smoke dew storm "
           "honey salt bread blood heart hand tear smile scream whisper dance flight fall dawn dusk cold "
           "warmth flame spark thirst hunger time path bridge wall door key thread knot circle wing feather "
           "dust rust glass iron gold silver bone root seed milk").split(),
}


def main() -> None:
    rng = random.Random(92)
    here = Path(__file__).resolve().parents[1] / "tests" / "data" / "text"
    for lang, words in WORDS.items():
        rows, seen = [], set()
        while len(rows) < 120:
            parts = rng.sample(words, rng.choice([2, 2, 3, 3, 3]))
            fused = "".join(parts)
            if fused in seen:
                continue
            seen.add(fused)
            rows.append(f"{fused}\t{' + '.join(parts)}")
        head = f"# Fused {lang} words and the words they fuse (benchmarks/make_text_fused.py).\n"
        (here / f"fused_{lang}.tsv").write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
        print(f"wrote {len(rows)} fused words to fused_{lang}.tsv")


if __name__ == "__main__":
    main()

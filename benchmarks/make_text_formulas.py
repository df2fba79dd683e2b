"""Writes tests/data/text/formulas.jsonl: the round-trip corpus of the text side.

Formulas of every shape the outline uses (bundles, weighted bundles, flows,
layers, schema calls, bindings, subtractions) over a hand-picked vocabulary of
concrete images, emotions and actions in both languages. Seeded, so the file is
reproducible: python benchmarks/make_text_formulas.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

VOCAB = {
    "ru": {
        "image": ["вода", "камень", "лёд", "огонь", "дождь", "снег", "небо", "звезда", "дорога", "окно", "сад",
                  "река", "город", "ночь", "утро", "птица", "лист", "песок", "берег", "туман", "зеркало", "голос",
                  "дом", "дерево", "трава", "облако", "луна", "солнце", "волна", "ветер", "море", "свет", "тень",
                  "весна", "осень", "жар", "тишина", "мост", "поле", "гора",
                  "плавная память", "тёплый ветер", "холодная вода", "тёмный лес", "старый дом", "первый снег",
                  "тихая река", "ночное небо", "шум дождя", "запах моря", "белая птица", "пустая комната"],
        "emotion": ["тревога", "надежда", "покой", "радость", "грусть", "страх", "нежность", "тоска", "гнев",
                    "восторг", "любовь", "одиночество", "неясность", "боль", "печаль", "удивление", "стыд"],
        "action": ["таяние", "падение", "пробуждение", "рост", "полёт", "движение", "взрыв", "исчезновение",
                   "возвращение", "распад", "расцвет", "вспышка", "рождение", "переход", "кружение"],
    },
    "en": {
        "image": ["water", "stone", "ice", "fire", "rain", "snow", "sky", "star", "road", "window", "garden",
                  "river", "city", "night", "morning", "bird", "leaf", "sand", "shore", "fog", "mirror", "voice",
                  "house", "tree", "grass", "cloud", "moon", "sun", "wave", "wind", "sea", "light", "shadow",
                  "spring", "autumn", "heat", "silence", "bridge", "field", "mountain",
                  "smooth memory", "warm wind", "cold water", "dark forest", "old house", "first snow",
                  "quiet river", "night sky", "sound of rain", "white bird", "empty room"],
        "emotion": ["anxiety", "hope", "peace", "joy", "sadness", "fear", "tenderness", "longing", "anger",
                    "delight", "love", "loneliness", "vagueness", "pain", "sorrow", "surprise", "shame"],
        "action": ["melting", "fall", "awakening", "growth", "flight", "movement", "explosion", "disappearance",
                   "return", "decay", "bloom", "flash", "birth", "transition", "whirl"],
    },
}
ROLES = {"ru": ("образ", "эмоция", "действие"), "en": ("image", "emotion", "action")}
SCHEMA = {"ru": "сцена", "en": "scene"}
WEIGHTS = [0.2, 0.3, 0.8, 0.9]


def make(lang: str, rng: random.Random) -> list:
    v = VOCAB[lang]
    every = v["image"] + v["emotion"] + v["action"]

    def atoms(k, pool=every):
        return rng.sample(pool, k)

    def weighted(a):
        return ["w", rng.choice(WEIGHTS), a] if rng.random() < 0.3 else a

    shape = rng.choice(["bundle", "bundle", "wbundle", "flow", "flow", "layers", "layers", "schema", "bind",
                        "minus", "flowbundle"])
    if shape == "bundle":
        return ["+", *atoms(rng.randint(2, 4))]
    if shape == "wbundle":
        return ["+", *[weighted(a) for a in atoms(rng.randint(2, 3))]]
    if shape == "flow":
        return ["->", *atoms(rng.randint(2, 4), v["emotion"] + v["image"])]
    if shape == "flowbundle":
        a, b, c = atoms(3)
        return ["->", ["+", a, b], c]
    if shape == "layers":
        roles = ROLES[lang]
        chosen = [k for k in range(3) if rng.random() < 0.8] or [0, 1]
        parts = []
        for k in chosen:
            pool = v[("image", "emotion", "action")[k]]
            filler = atoms(rng.choice([1, 1, 2]), pool)
            filler = weighted(filler[0]) if len(filler) == 1 else ["+", *filler]
            parts.append([":", roles[k], filler])
        return parts[0] if len(parts) == 1 else ["+", *parts]
    if shape == "schema":
        return ["call", SCHEMA[lang], rng.choice(v["image"]), rng.choice(v["emotion"]), rng.choice(v["action"])]
    if shape == "bind":
        return ["*", *atoms(2)]
    return ["+", *atoms(2), ["-", rng.choice(every)]]


def main() -> None:
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
    from deltaform.ast import to_text
    from deltaform.text.quality import from_json
    rng = random.Random(2024)
    out = Path(__file__).resolve().parents[1] / "tests" / "data" / "text" / "formulas.jsonl"
    lines, seen = [], set()
    for lang in ("ru", "en"):
        while sum(1 for l in lines if l["lang"] == lang) < 120:
            tree = make(lang, rng)
            text = to_text(from_json(tree))
            if text in seen:
                continue
            seen.add(text)
            lines.append({"lang": lang, "text": text, "tree": tree})
    out.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    print(f"wrote {len(lines)} formulas to {out}")


if __name__ == "__main__":
    main()

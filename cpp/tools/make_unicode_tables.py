#!/usr/bin/env python3
"""Generate the C++ Unicode tables from this interpreter's `unicodedata`.

Usage: make_unicode_tables.py OUT.inc

Everything is derived from `unicodedata` and `str` methods, so the C++ core
agrees with `unicodedata.normalize("NFC", s).casefold()` of the interpreter
that built it. Tables are sorted arrays searched by binary search:

- general category as runs (start of each run, category of the run);
- canonical combining class, NFC quick check (Maybe / No) and whether a code
  point has a decomposition or a case fold, packed per code point in a
  two-stage table (blocks of 32 shared between equal blocks);
- full canonical decomposition (recursive, Hangul excluded: it is algorithmic);
- canonical composition pairs (first, second) -> composite;
- full case folding (str.casefold of one code point, 1..3 code points).
"""

from __future__ import annotations

import sys
import unicodedata

MAX_CP = 0x110000
SURROGATES = range(0xD800, 0xE000)
HANGUL_S = range(0xAC00, 0xAC00 + 11172)
HANGUL_V = range(0x1161, 0x1161 + 21)
HANGUL_T = range(0x11A8, 0x11A7 + 28)  # T index 1..27; 0x11A7 itself is "no T"

BLOCK = 32  # code points per block of the two-stage property table
CATEGORY_LOW = 0x800  # below this, general category is a direct table

CATEGORIES = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
              "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc",
              "Cf", "Cs", "Co", "Cn"]


def runs(values: list[int]) -> tuple[list[int], list[int]]:
    """Starts and values of maximal runs of equal values over 0..len-1."""
    starts, vals = [0], [values[0]]
    prev = values[0]
    for cp in range(1, len(values)):
        v = values[cp]
        if v != prev:
            starts.append(cp)
            vals.append(v)
            prev = v
    return starts, vals


def c_array(ctype: str, name: str, items: list[int], per_line: int = 12) -> str:
    lines = [f"static constexpr {ctype} {name}[{max(len(items), 1)}] = {{"]
    body = items if items else [0]
    for i in range(0, len(body), per_line):
        lines.append("  " + ",".join(hex(x) if x > 9 else str(x) for x in body[i:i + per_line]) + ",")
    lines.append("};")
    lines.append(f"static constexpr std::size_t {name}_size = {len(items)};")
    return "\n".join(lines)


def main(out_path: str) -> None:
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    cats = [0] * MAX_CP
    cccs = [0] * MAX_CP
    decomp: dict[int, str] = {}  # canonical, one level (raw), non-Hangul
    folds: dict[int, str] = {}
    for cp in range(MAX_CP):
        ch = chr(cp)
        cats[cp] = cat_index[unicodedata.category(ch)]
        if cp in SURROGATES:
            continue  # no properties; str methods would work but there is nothing to find
        cccs[cp] = unicodedata.combining(ch)
        d = unicodedata.decomposition(ch)
        if d and not d.startswith("<") and cp not in HANGUL_S:
            decomp[cp] = "".join(chr(int(x, 16)) for x in d.split())
        f = ch.casefold()
        if f != ch:
            folds[cp] = f

    # Full canonical decompositions (recursive), as NFD of the single code point.
    full_decomp = {cp: unicodedata.normalize("NFD", chr(cp)) for cp in decomp}
    assert all(1 <= len(v) <= 4 for v in full_decomp.values())

    # Composition pairs: a two-code-point canonical decomposition composes back
    # only if NFC of it gives the composite (this excludes singletons,
    # non-starter decompositions and the composition exclusions).
    pairs: list[tuple[int, int, int]] = []
    for cp, d in decomp.items():
        if len(d) == 2 and unicodedata.normalize("NFC", d) == chr(cp):
            pairs.append((ord(d[0]), ord(d[1]), cp))
    pairs.sort()

    # NFC quick check. No: the code point changes under NFC on its own (it has
    # a canonical decomposition that does not compose back). Maybe: it can
    # combine with a preceding character (second of a pair, Hangul V and T).
    qc = [0] * MAX_CP  # 0 Yes, 1 Maybe, 2 No
    for _, second, _ in pairs:
        qc[second] = 1
    for cp in list(HANGUL_V) + list(HANGUL_T):
        qc[cp] = 1
    for cp in decomp:
        if unicodedata.normalize("NFC", chr(cp)) != chr(cp):
            qc[cp] = 2
    # Below this code point every character has ccc 0 and quick check Yes, so
    # text made only of such characters is already NFC.
    nfc_safe_below = min(cp for cp in range(MAX_CP) if cccs[cp] or qc[cp])

    cat_starts, cat_vals = runs(cats)

    # Per-code-point normalization properties, packed in 16 bits:
    # ccc | quick check << 8 | has full case fold << 10 | has decomposition << 11,
    # as a two-stage table (block index, then blocks of 32 values) up to the
    # last code point with any of them; beyond it everything is 0.
    props = [0] * MAX_CP
    limit = 0
    for cp in range(MAX_CP):
        v = cccs[cp] | qc[cp] << 8 | (cp in folds) << 10 | (cp in full_decomp) << 11
        if v:
            props[cp] = v
            limit = cp + 1
    limit = (limit + BLOCK - 1) // BLOCK * BLOCK
    block_index: dict[tuple[int, ...], int] = {}
    stage1, stage2 = [], []
    for start in range(0, limit, BLOCK):
        block = tuple(props[start:start + BLOCK])
        if block not in block_index:
            block_index[block] = len(block_index)
            stage2.extend(block)
        stage1.append(block_index[block])
    assert len(block_index) < (1 << 16)

    dec_keys = sorted(full_decomp)
    dec_offsets, dec_pool = [], []
    for cp in dec_keys:
        v = [ord(c) for c in full_decomp[cp]]
        dec_offsets.append(len(dec_pool) << 3 | len(v))
        dec_pool.extend(v)

    fold_keys = sorted(folds)
    fold_offsets, fold_pool = [], []
    for cp in fold_keys:
        v = [ord(c) for c in folds[cp]]
        assert 1 <= len(v) <= 3
        fold_offsets.append(len(fold_pool) << 2 | len(v))
        fold_pool.extend(v)

    parts = [
        "// Generated by cpp/tools/make_unicode_tables.py from Python's unicodedata."
        " Do not edit.",
        f"// Unicode {unicodedata.unidata_version}.",
        "#pragma once",
        f'static constexpr const char* kUnicodeVersion = "{unicodedata.unidata_version}";',
        f"static constexpr char32_t kNfcSafeBelow = {hex(nfc_safe_below)};",
        "// General category: run starts and the category (enum index) of each run.",
        c_array("std::uint32_t", "kCategoryStart", cat_starts),
        c_array("std::uint8_t", "kCategoryValue", cat_vals, 32),
        "// General category of the first code points, for a search-free hot path.",
        c_array("std::uint8_t", "kCategoryLow", cats[:CATEGORY_LOW], 32),
        "// Normalization properties: ccc | NFC quick check (0 Yes, 1 Maybe, 2 No) << 8",
        "// | has case fold << 10 | has canonical decomposition << 11; two stages.",
        f"static constexpr unsigned kPropBlockShift = {BLOCK.bit_length() - 1};",
        f"static constexpr char32_t kPropLimit = {hex(limit)};",
        c_array("std::uint16_t", "kPropStage1", stage1, 16),
        c_array("std::uint16_t", "kPropStage2", stage2, 16),
        "// Full canonical decomposition (non-Hangul): key, pool offset << 3 | length.",
        c_array("std::uint32_t", "kDecompKey", dec_keys),
        c_array("std::uint16_t", "kDecompRef", dec_offsets),
        c_array("std::uint32_t", "kDecompPool", dec_pool),
        "// Composition pairs sorted by (first << 21 | second), and the composite.",
        c_array("std::uint64_t", "kComposeKey", [a << 21 | b for a, b, _ in pairs], 8),
        c_array("std::uint32_t", "kComposeValue", [c for _, _, c in pairs]),
        "// Full case folding: key, pool offset << 2 | length.",
        c_array("std::uint32_t", "kFoldKey", fold_keys),
        c_array("std::uint16_t", "kFoldRef", fold_offsets),
        c_array("std::uint32_t", "kFoldPool", fold_pool),
        "",
    ]
    assert len(dec_pool) < (1 << 13) and len(fold_pool) < (1 << 14)
    with open(out_path, "w", encoding="ascii") as f:
        f.write("\n".join(parts))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_unicode_tables.py OUT.inc")
    main(sys.argv[1])

"""The C++ Unicode layer against Python's unicodedata: category, NFC, case
folding, normalize_name and UTF-8 validation."""

from __future__ import annotations

import time
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deltaform import _core

MAX_CP = 0x110000


def python_name(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def python_utf8(data: bytes) -> tuple[bool, int]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return False, e.start
    return True, -1


def test_tables_match_this_interpreter() -> None:
    assert _core.UNICODE_VERSION == unicodedata.unidata_version


# ---- general category


def test_category_of_every_code_point() -> None:
    ours = _core.unicode_categories(0, MAX_CP)
    theirs = [unicodedata.category(chr(cp)) for cp in range(MAX_CP)]
    bad = [(hex(cp), o, t) for cp, (o, t) in enumerate(zip(ours, theirs)) if o != t]
    assert len(ours) == MAX_CP
    assert not bad, f"{len(bad)} mismatches, first: {bad[:10]}"


@given(st.integers(0, MAX_CP - 1))
@example(0)
@example(0x41)
@example(0xD800)
@example(0xE000)
@example(0x10FFFF)
@example(0x0301)
def test_single_category(cp: int) -> None:
    assert _core.unicode_category(cp) == unicodedata.category(chr(cp))


@pytest.mark.parametrize("cp", [-1, MAX_CP, 2**40])
def test_category_rejects_out_of_range(cp: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        _core.unicode_category(cp)


# ---- normalization

def chars(*ranges: tuple[int, int]) -> st.SearchStrategy[str]:
    return st.one_of(*(st.characters(min_codepoint=a, max_codepoint=b) for a, b in ranges))


COMBINING = chars((0x0300, 0x036F), (0x0483, 0x0489), (0x1DC0, 0x1DFF), (0x20D0, 0x20F0),
                  (0x0591, 0x05C7), (0x0E31, 0x0E3A), (0x302A, 0x302F))
CYRILLIC_LATIN = chars((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x0400, 0x04FF), (0x1E00, 0x1EFF))
HANGUL = chars((0xAC00, 0xD7A3), (0x1100, 0x1112), (0x1161, 0x1175), (0x11A7, 0x11C2),
               (0x3131, 0x318E))
SPECIAL = st.sampled_from(["ß", "ẞ", "İ", "ı", "I", "i", "Σ", "σ", "ς", "ΐ", "ﬃ", "ŉ", "K", "Å",
                           "Ω", "\u0344", "\u0958", "\u2126", "\u212a", "\u1e9e", "\u0345",
                           "\u0390", "\u1f80", "\ufb2c", "\U0001d15e"])
GREEK = chars((0x0370, 0x03FF), (0x1F00, 0x1FFF))
VIETNAMESE = st.sampled_from(list("ăâđêôơưĂÂĐÊÔƠƯ"
                                  "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
                             + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0306",
                                "\u0302", "\u031b"])
TARGETED = st.text(st.one_of(CYRILLIC_LATIN, COMBINING, HANGUL, SPECIAL, GREEK, VIETNAMESE),
                   max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=60))
@example("")
@example("ascii only, Mixed Case")
@example("Ёлка е\u0308лка")
def test_normalize_name_matches_python_on_any_text(s: str) -> None:
    assert _core.normalize_name(s) == python_name(s)


@settings(max_examples=600, deadline=None)
@given(TARGETED)
@example("ΣΊΣΥΦΟΣ ςσ")
@example("İstanbul ǅ ß ẞ")
@example("Tiê\u0301ng Vi\u0323\u0302t")
@example("\u1100\u1161\u11a8\uac00\u11a8")
@example("a\u0323\u0301\u0301\u0323\u05b0\u0591")
def test_normalize_name_matches_python_on_targeted_text(s: str) -> None:
    assert _core.normalize_name(s) == python_name(s)
    assert _core.unicode_nfc(s) == unicodedata.normalize("NFC", s)
    assert _core.unicode_casefold(s) == s.casefold()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_nfc_and_casefold_match_python(s: str) -> None:
    assert _core.unicode_nfc(s) == unicodedata.normalize("NFC", s)
    assert _core.unicode_casefold(s) == s.casefold()


def test_every_decomposable_code_point_alone_and_after_a_base() -> None:
    singles = [chr(cp) for cp in range(MAX_CP)
               if not 0xD800 <= cp < 0xE000 and (unicodedata.decomposition(chr(cp))
                                                 or unicodedata.combining(chr(cp))
                                                 or chr(cp).casefold() != chr(cp))]
    texts = singles + ["a" + s for s in singles] + [s + "\u0301" for s in singles]
    ours = [_core.normalize_name(t) for t in texts]
    bad = [(t, o) for t, o in zip(texts, ours) if o != python_name(t)]
    assert not bad, f"{len(bad)} mismatches, first: {bad[:5]!r}"


def test_invalid_utf8_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid UTF-8 at byte offset 3"):
        _core.normalize_name(b"abc\xff")


def canonically_ordered(s: str) -> str:
    """s with each run of non-starters stably sorted by combining class: a
    canonically equivalent text that Python's own NFC (an insertion sort)
    handles in linear time."""
    out: list[str] = []
    run: list[str] = []
    for ch in s:
        if unicodedata.combining(ch):
            run.append(ch)
        else:
            out.extend(sorted(run, key=unicodedata.combining))
            run = []
            out.append(ch)
    out.extend(sorted(run, key=unicodedata.combining))
    return "".join(out)


@pytest.mark.parametrize("text", [
    "a" + "\u0345\u0301\u0316" * 100_000,  # one long run of marks, out of order
    "Ё\u0308" * 200_000,
    "\u1100\u1161\u11a8" * 100_000,
    "Tiếng Việt ΣΑΣ ß " * 50_000,
    "ascii only " * 100_000,
], ids=["marks", "cyrillic", "hangul", "mixed", "ascii"])
def test_megabyte_inputs_run_in_linear_time(text: str) -> None:
    assert len(text.encode()) >= 600_000
    start = time.perf_counter()
    ours = _core.normalize_name(text)
    elapsed = time.perf_counter() - start
    assert ours == python_name(canonically_ordered(text))
    assert elapsed < 2.0, f"{elapsed:.2f} s for {len(text)} code points"


# ---- UTF-8 validation

@pytest.mark.parametrize("data", [
    b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xe0\x9f\xbf", b"\xf0\x80\x80\xaf",
    b"\xf0\x8f\xbf\xbf",                              # overlong
    b"\xed\xa0\x80", b"\xed\xbf\xbf", b"x\xed\xb0\x80y",  # surrogates
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe",  # > U+10FFFF, never bytes
    b"\xc3", b"ab\xe2\x82", b"\xf0\x9f\x98", b"\xe2\x82A", b"\xf0\x9f\x98\xe2\x82\xac",  # truncated
    b"\x80", b"abc\xbf", b"\xc3\xa9\xa9",             # stray continuation
    b"0123456789abcdef" * 3 + b"\xc3(",               # after a long ASCII prefix
])
def test_invalid_utf8_offset(data: bytes) -> None:
    ok, offset = _core.utf8_valid(data)
    assert not ok
    assert (ok, offset) == python_utf8(data)


@pytest.mark.parametrize("data", [b"", b"plain", "Ёлка ß 각 😀 \U0010ffff".encode(),
                                  b"\xef\xbf\xbf", b"\xf4\x8f\xbf\xbf", b"\xed\x9f\xbf"])
def test_valid_utf8(data: bytes) -> None:
    assert _core.utf8_valid(data) == (True, -1)


@given(st.binary(max_size=40))
def test_utf8_random_bytes(data: bytes) -> None:
    assert _core.utf8_valid(data) == python_utf8(data)


@given(st.text(max_size=30), st.integers(0, 40), st.binary(min_size=1, max_size=4))
def test_utf8_corruption_inside_valid_text(text: str, at: int, junk: bytes) -> None:
    encoded = text.encode()
    at = min(at, len(encoded))
    data = encoded[:at] + junk + encoded[at:]
    assert _core.utf8_valid(data) == python_utf8(data)


def test_utf8_large_input() -> None:
    data = ("Ёлка ß " * 100_000).encode() + b"\xe2\x28\xa1" + b"tail"
    assert _core.utf8_valid(data) == python_utf8(data)
    assert _core.utf8_valid(data[:-7]) == (True, -1)

"""Which language a text is in: Russian or English, by its letters."""

from __future__ import annotations

LANGS = ("ru", "en")


def detect_language(text: str) -> str:
    """``"ru"`` when Cyrillic letters outnumber Latin ones, else ``"en"``.

    The project's two languages use different scripts, so counting letters is
    exact for them and costs nothing to load.
    """
    cyr = lat = 0
    for ch in text:
        if "а" <= ch.lower() <= "я" or ch in "ёЁ":
            cyr += 1
        elif "a" <= ch.lower() <= "z":
            lat += 1
    return "ru" if cyr > lat else "en"


def check_lang(lang: str | None, text: str = "") -> str:
    """The language to use: ``lang`` if given (checked), else the detected one."""
    if lang is None:
        return detect_language(text)
    code = lang.lower()
    if code not in LANGS:
        raise ValueError(f"unsupported language {lang!r}: use one of {', '.join(LANGS)}")
    return code

"""Readable, unique slugs for names in any script: "Міністерство оборони України" becomes
ministerstvo-oborony-ukrainy, "국가정보원" guggajeongboweon; a clash gets a numeric suffix."""

from __future__ import annotations

from collections.abc import Callable

from slugify import slugify

MAX_LENGTH = 100
# Ukrainian letters that Russian lacks: text with them is romanised by Ukraine's national
# system (KMU 2010), where и is y and г is h, instead of the Russian-style default.
_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_UKRAINIAN = [
    ["И", "Y"], ["и", "y"], ["І", "I"], ["і", "i"], ["Ї", "I"], ["ї", "i"], ["Є", "Ie"],
    ["є", "ie"], ["Г", "H"], ["г", "h"], ["Ґ", "G"], ["ґ", "g"], ["Й", "I"], ["й", "i"],
    ["Х", "Kh"], ["х", "kh"], ["Ц", "Ts"], ["ц", "ts"], ["Щ", "Shch"], ["щ", "shch"],
    ["Ю", "Iu"], ["ю", "iu"], ["Я", "Ia"], ["я", "ia"], ["Ь", ""], ["ь", ""], ["'", ""],
    ["’", ""],
]


def make_slug(text: str, fallback: str) -> str:
    """A slug of lowercase ASCII words; `fallback` when nothing in the text can be written
    in Latin letters (never a meaningless placeholder)."""
    replacements = _UKRAINIAN if _UKRAINIAN_ONLY & set(text) else ()
    slug = slugify(text, max_length=MAX_LENGTH, word_boundary=True,
                   replacements=replacements)
    return slug or fallback


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """`base`, or `base-2`, `base-3`… — the first one not taken."""
    if not taken(base):
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if not taken(candidate):
            return candidate
        number += 1

"""A figure's text as tokens (numbers, words, symbols, with their places), and the number
convention its words point to."""

from __future__ import annotations

import re
from dataclasses import dataclass

SPACES = "\u0020\u00a0\u202f\u2009"
_TOKEN_RE = re.compile(
    rf"(?P<num>[0-9]+(?:[,.'’][0-9]+)*(?:[{SPACES}][0-9]{{3}}(?![0-9]))*)"
    r"|(?P<word>[^\W\d_]+(?:['’ʼ][^\W\d_]+)*)"
    r"|(?P<sym>>=|<=|\S)"
)
_SPACE_GROUPED = re.compile(rf"[0-9]{{1,3}}(?:[{SPACES}][0-9]{{3}})+")


@dataclass(frozen=True)
class Tok:
    text: str
    low: str  # lowercased, apostrophes unified
    kind: str  # "num", "word" or "sym"
    start: int
    end: int


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    pos = 0
    while (m := _TOKEN_RE.search(text, pos)) is not None:
        kind = m.lastgroup or "sym"
        start, end = m.span()
        chunk = m.group()
        if kind == "num" and any(c in chunk for c in SPACES) and not _SPACE_GROUPED.fullmatch(
            chunk
        ):
            end = start + min(chunk.index(c) for c in SPACES if c in chunk)
            chunk = text[start:end]
        low = chunk.lower().replace("’", "'").replace("ʼ", "'")
        toks.append(Tok(chunk, low, kind, start, end))
        pos = end
    return toks


_DE_MARKERS = frozenset({
    "etwa", "rund", "ungefähr", "zirka", "knapp", "fast", "mehr", "als", "über", "bis",
    "mindestens", "zwischen", "und", "von", "oder", "weniger", "unter", "tausend", "tsd",
    "millionen", "mio", "milliarde", "milliarden", "mrd", "gut", "höchstens", "maximal",
    "eine", "ein", "halbe", "zu",
})  # fmt: skip
_EN_MARKERS = frozenset({
    "about", "around", "nearly", "almost", "more", "than", "over", "least", "up", "to",
    "between", "and", "from", "or", "thousand", "billion", "some", "estimated", "fewer",
    "less", "under", "k", "mn", "bn", "roughly", "approximately", "plus", "a", "half",
})  # fmt: skip


def infer_lang(toks: list[Tok]) -> str | None:
    """The number convention the text's own words point to (None: no clue)."""
    words = [t.low for t in toks if t.kind == "word"]
    if any(re.search("[а-яіїєґ]", w) for w in words):
        return "ru"
    if any(w in _DE_MARKERS for w in words):
        return "de"
    if any(w in _EN_MARKERS for w in words):
        return "en"
    return None



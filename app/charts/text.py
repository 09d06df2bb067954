"""How wide a label is, from the real glyph widths of the font the charts are drawn in
(static/fonts, read with fontTools), so the layout knows what fits instead of guessing from
a count of characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

# The fonts the pages serve; found from here, as the chart geometry reads no settings.
FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT_FAMILY = "'Reckon Sans', 'DejaVu Sans', Verdana, sans-serif"
# Kerning and a reader's fallback font can make text a little wider than the advance widths.
SAFETY = 1.04
_ELLIPSIS = "…"


@cache
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """Advance width of every character the font has, in em; and the font's widest."""
    font = TTFont(FONT_DIR / ("dejavu-sans-bold.woff2" if bold else "dejavu-sans.woff2"))
    per_em = float(font["head"].unitsPerEm)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] / per_em for code, glyph in font.getBestCmap().items()}
    return widths, max(widths.values())


def _char_width(char: str, widths: dict[int, float], widest: float) -> float:
    known = widths.get(ord(char))
    if known is not None:
        return known
    if unicodedata.combining(char):
        return 0.0
    # Outside the subset (Korean, Chinese…): a fallback font draws it, at most one em wide
    # for wide characters, and never wider than the widest glyph we know for the rest.
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else widest


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of `text` in px at `size` px."""
    return _ems(text, bold) * size * SAFETY


# Charts measure the same names, dates and figures over and over (a topic page lays out a
# dozen charts of the same sources): each text is summed once.
@lru_cache(maxsize=32_768)
def _ems(text: str, bold: bool) -> float:
    widths, widest = _advances(bold)
    return sum(_char_width(c, widths, widest) for c in text)


def fit(text: str, size: float, width: float, *, bold: bool = False) -> str:
    """`text`, cut with an ellipsis if it is wider than `width`."""
    if text_width(text, size, bold=bold) <= width:
        return text
    cut = text
    while cut and text_width(cut + _ELLIPSIS, size, bold=bold) > width:
        cut = cut[:-1]
    return cut.rstrip() + _ELLIPSIS if cut else ""


def wrap(text: str, size: float, width: float, *, bold: bool = False,
         lines: int = 2) -> list[str] | None:
    """`text` broken at spaces into at most `lines` lines no wider than `width`, or None when
    it does not fit."""
    words = text.split()
    result: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size, bold=bold) <= width:
            current = candidate
            continue
        if not current or text_width(word, size, bold=bold) > width:
            return None
        result.append(current)
        current = word
    if current:
        result.append(current)
    return result if len(result) <= lines else None


def widest(texts: Sequence[str], size: float, *, bold: bool = False) -> float:
    return max((text_width(t, size, bold=bold) for t in texts), default=0.0)

"""Colours: one palette that stays distinguishable for colour-blind readers and keeps at least
3:1 contrast against the page — a light set and a dark set, matched index by index, so a
source has the same place in both themes. Colour is never the only cue (rows and lines carry
their names), but neighbouring rows and lines never share a colour."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LIGHT_BACKGROUND = "#ffffff"
DARK_BACKGROUND = "#16181d"
# Okabe–Ito and Paul Tol hues, darkened where they were too pale on white.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#332288",  # indigo
    "#A6761D",  # ochre
    "#882255",  # wine
    "#999933",  # olive
    "#117733",  # green
    "#666666",  # grey
)
DARK_PALETTE: tuple[str, ...] = (
    "#56B4E9",
    "#E69F00",
    "#2FC99A",
    "#E39AC4",
    "#9C8FEA",
    "#DDCC77",
    "#E0709C",
    "#C4C45A",
    "#6FCB7E",
    "#B0B0B0",
)


def relative_luminance(color: str) -> float:
    red, green, blue = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def color_index(color: str) -> int:
    return PALETTE.index(color.upper()) if color.upper() in PALETTE else 0


def assign_colors(keys: Sequence[str]) -> dict[str, str]:
    """Map each distinct key to a palette colour.

    Keys are sorted first so the colour of a source depends only on which sources are shown,
    not on the order rows happen to be drawn in (which changes with the data).
    """
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(sorted(set(keys)))}


def resolve_colors(keys: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    resolved = dict(colors) if colors else {}
    missing = sorted({key for key in keys if key not in resolved})
    if not missing:
        return resolved
    # Keys the caller did not map get colours the caller did not use, to avoid false matches.
    used = {color.upper() for color in resolved.values()}
    free = [color for color in PALETTE if color.upper() not in used] or list(PALETTE)
    for i, key in enumerate(missing):
        resolved[key] = free[i % len(free)]
    return resolved


def apart(colors: Sequence[str]) -> list[str]:
    """The colours of rows drawn one under the other, changed where two neighbours would share
    one (possible only with more sources than colours): each then takes the first colour
    neither neighbour has."""
    result = list(colors)
    for i in range(1, len(result)):
        if result[i] == result[i - 1]:
            taken = {result[i - 1], result[i + 1] if i + 1 < len(result) else ""}
            result[i] = next(c for c in PALETTE if c not in taken)
    return result


@dataclass(frozen=True)
class Theme:
    """The colours a chart is drawn in besides its sources': the light one for paper and light
    pages, the dark one for a chart drawn as an image for a dark page (inline charts change
    theme through the page's stylesheet instead, by their classes)."""

    name: str
    background: str
    ink: str
    muted: str
    note: str
    axis: str
    grid: str
    leader: str
    hollow: str  # inside a hollow glyph: derived figures, figures placed by the day stated
    glyph: str  # the key's neutral glyphs
    overlap: str
    gap: str
    palette: tuple[str, ...]

    def color(self, index: int) -> str:
        return self.palette[index % len(self.palette)]


LIGHT = Theme(name="light", background=LIGHT_BACKGROUND, ink="#222222", muted="#555555",
              note="#444444", axis="#cccccc", grid="#e3e3e3", leader="#999999",
              hollow="#ffffff", glyph="#666666", overlap="#009E73", gap="#D55E00",
              palette=PALETTE)
DARK = Theme(name="dark", background=DARK_BACKGROUND, ink="#e8e8ea", muted="#b9b9c0",
             note="#c4c4cb", axis="#3a3d45", grid="#3a3d45", leader="#80838c",
             hollow=DARK_BACKGROUND, glyph="#9a9aa2", overlap="#2FC99A", gap="#E69F00",
             palette=DARK_PALETTE)
THEMES = {theme.name: theme for theme in (LIGHT, DARK)}

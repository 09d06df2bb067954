"""Colours: one palette that stays distinguishable for colour-blind readers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Okabe–Ito: distinguishable under the common colour-vision deficiencies. Yellow is kept but
# placed late because it is weak on white; black last so it only appears with many sources.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


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

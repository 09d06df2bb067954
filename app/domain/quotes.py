"""Whether a citation's quote is in the text of the page it cites: compared letter by letter,
ignoring case, whitespace, punctuation (typographic quotes, dashes and apostrophes included)
and Unicode presentation forms, so „Zitat“, «цитата» and "quote" match however the page or
the editor typed them. An ellipsis in the quote ("…", "...", "[…]") stands for an omission:
the parts around it must appear in the page in that order."""

from __future__ import annotations

import re
import unicodedata

# What an editor writes for "words left out here".
_OMISSION = re.compile(r"[\[(]?\s*(?:…|\.\s*\.\s*\.)\s*[\])]?")


def _kept(char: str) -> bool:
    # Letters, digits, marks and symbols (%, €, +) count; punctuation (P*), separators and
    # spaces (Z*) and control or format characters such as the soft hyphen (C*) do not.
    return unicodedata.category(char)[0] not in "PZC" and not char.isspace()


def normalise(text: str) -> str:
    """The letters, digits and symbols of `text` in compatibility form, case-folded and
    without anything between them: what two renderings of one sentence have in common."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Case folding can produce decomposed letters again (e.g. "İ"); compose them back.
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(char for char in folded if _kept(char))


def quote_parts(quote: str) -> list[str]:
    """The normalised parts of a quote, split where it marks an omission; empty parts (a
    quote of punctuation only) are dropped."""
    return [part for part in (normalise(p) for p in _OMISSION.split(quote)) if part]


def quote_found(quote: str, text: str, *, normalised_text: str | None = None) -> bool:
    """Whether every part of `quote` appears in `text`, in order. A quote with nothing to
    compare is not found. Give `normalised_text` (normalise(text)) to check many quotes
    against one page without normalising it again."""
    parts = quote_parts(quote)
    if not parts:
        return False
    haystack = normalise(text) if normalised_text is None else normalised_text
    position = 0
    for part in parts:
        found = haystack.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True

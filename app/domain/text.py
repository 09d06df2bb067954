"""Rules for text typed or imported by people."""

from __future__ import annotations

import re

# PostgreSQL refuses NUL in text, and control characters are never part of a real quote.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_newlines(text: str) -> str:
    # Browsers submit textarea line breaks as CRLF; stored text uses LF, so an unchanged form
    # compares equal to what is stored.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_typed(text: str) -> str:
    """What a form field holds once control characters and surrounding space are dropped."""
    return CONTROL_CHARS.sub("", normalise_newlines(text)).strip()

"""What a fetched page says: its title, author, publication date and main text, extracted by
trafilatura (made for news pages: it drops navigation, footers and other boilerplate and reads
the dates publishers put in their markup). Plain text is kept as it is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.domain.text import CONTROL_CHARS, normalise_newlines

TITLE_LENGTH = 1000
AUTHOR_LENGTH = 500


@dataclass(frozen=True)
class Extracted:
    title: str
    author: str
    published_on: dt.date | None
    text: str


class NothingExtracted(Exception):
    """The page holds no main text (an empty page, a page drawn by script)."""


def _clean(text: str | None, limit: int | None = None) -> str:
    # PostgreSQL refuses NUL in text; no control character belongs in a page's text.
    cleaned = CONTROL_CHARS.sub("", normalise_newlines(text or "")).strip()
    return cleaned[:limit] if limit else cleaned


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def decode(body: bytes, charset: str | None) -> str | None:
    """The body as text in the charset its Content-Type named; None when it named none (or
    one Python does not know), so the extractor reads the page's own <meta charset>."""
    if not charset:
        return None
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return None


def extract(body: bytes, content_type: str, charset: str | None, url: str) -> Extracted:
    """Title, author, publication date and main text of a page."""
    if content_type == "text/plain":
        text = _clean(decode(body, charset) or body.decode("utf-8", errors="replace"))
        if not text:
            raise NothingExtracted("the page is empty")
        return Extracted(title="", author="", published_on=None, text=text)
    import trafilatura  # a quarter of a second to import: only where pages are read

    document = trafilatura.bare_extraction(
        decode(body, charset) or body, url=url, with_metadata=True, include_comments=False,
        favor_precision=True,
        # The date the publisher marked up, not one guessed from the article's words.
        date_extraction_params={"original_date": True, "extensive_search": False})
    text = _clean(getattr(document, "text", None)) if document is not None else ""
    if not text:
        raise NothingExtracted("no main text found in the page")
    return Extracted(
        title=_clean(getattr(document, "title", None), TITLE_LENGTH),
        author=_clean(getattr(document, "author", None), AUTHOR_LENGTH),
        published_on=_date(getattr(document, "date", None)),
        text=text,
    )

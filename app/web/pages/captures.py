"""The text of a captured page, for readers checking a citation: plain text under a CSP that
allows nothing, never the page's own HTML (which could run script on this site)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.models import PageCapture
from app.services import capture
from app.web.caching import not_modified
from app.web.deps import SessionDep, VisitorDep

router = APIRouter()

# Nothing loads, nothing runs, and the browser treats it as a unique origin.
TEXT_CSP = "default-src 'none'; sandbox"
SEPARATOR = "-" * 72


def describe(c: PageCapture) -> str:
    """What the text is and how to check it, above the text itself."""
    lines = [f"Captured by Reckon from {c.requested_url}"]
    if c.final_url and c.final_url != c.requested_url:
        lines.append(f"Found at: {c.final_url}")
    fetched = f"{c.fetched_at:%Y-%m-%d %H:%M:%S} UTC" if c.fetched_at else "unknown"
    lines.append(f"Fetched: {fetched} (HTTP {c.http_status}, {c.content_type}, "
                 f"{c.size or 0:,} bytes)")
    if c.title:
        lines.append(f"Title: {c.title}")
    if c.author:
        lines.append(f"Author: {c.author}")
    if c.published_on:
        lines.append(f"Published (as the page says): {c.published_on.isoformat()}")
    lines += [
        f"SHA-256 of the page's bytes: {c.raw_sha256}",
        f"SHA-256 of the text below the line (UTF-8): {c.text_sha256}",
        "The main text as extracted from the page; its layout, links and images are not kept.",
        SEPARATOR,
    ]
    return "\n".join(lines) + "\n"


@router.get("/captures/{capture_id}.txt", name="capture_text")
def capture_text(request: Request, capture_id: int, session: SessionDep,
                 visitor: VisitorDep) -> Response:
    c = capture.capture_text(session, capture_id, for_reader=visitor.actor is None)
    # A captured snapshot never changes: its text's hash is its validator.
    headers = {
        "Content-Security-Policy": TEXT_CSP,
        "X-Content-Type-Options": "nosniff",
        "ETag": f'"{c.text_sha256}"',
        # An editor may be shown the capture of a figure awaiting review: never kept in a
        # shared cache.
        "Cache-Control": "public, max-age=86400" if visitor.actor is None else "no-store",
        "Content-Disposition": f'inline; filename="capture-{c.id}.txt"',
    }
    if not_modified(request, headers["ETag"], None):
        return Response(status_code=304, headers=headers)
    return Response(describe(c) + c.text, media_type="text/plain; charset=utf-8",
                    headers=headers)

"""The ceiling: one response's bytes served from memory by a bare ASGI app.

BENCH_BODY names a file holding the body, BENCH_ETAG its validator and BENCH_TYPE its type;
a request whose If-None-Match is the validator gets 304 with no body, as Reckon answers it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

BODY = Path(os.environ["BENCH_BODY"]).read_bytes()
ETAG = os.environ.get("BENCH_ETAG", "").encode()
TYPE = os.environ.get("BENCH_TYPE", "text/html; charset=utf-8").encode()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = dict(scope["headers"])
    if ETAG and headers.get(b"if-none-match") == ETAG:
        await send({"type": "http.response.start", "status": 304,
                    "headers": [(b"etag", ETAG)]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", TYPE), (b"content-length", str(len(BODY)).encode()),
                            (b"etag", ETAG)]})
    await send({"type": "http.response.body", "body": BODY})

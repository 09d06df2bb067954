"""The interactive API docs at /docs: Swagger UI served from static/swagger-ui/ (vendored,
pinned — see its README.md), started by static/api-docs.js, so the page loads nothing from
another site and runs under a CSP without inline script. Served, with /openapi.json, only
where RECKON_ENABLE_DOCS allows (on in development and test, off in production)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web.static_files import StaticAssets

router = APIRouter(include_in_schema=False)
ASSETS = ("swagger-ui/swagger-ui.css", "swagger-ui/swagger-ui-bundle.js", "api-docs.js")
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · API</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" href="{icon}" type="image/svg+xml">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


def _static(request: Request, name: str) -> str:
    assets: StaticAssets = request.app.state.static_assets
    return str(request.url_for("static", path=assets.versioned_name(name)))


@router.get("/docs", response_class=HTMLResponse, name="api_docs")
def api_docs(request: Request) -> HTMLResponse:
    css, bundle, init = (_static(request, name) for name in ASSETS)
    return HTMLResponse(_PAGE.format(
        title=escape(request.app.title), css=escape(css), bundle=escape(bundle),
        init=escape(init), icon=escape(_static(request, "favicon.svg")),
        # FastAPI names the schema's route after its handler.
        openapi=escape(str(request.url_for("openapi"))),
    ))

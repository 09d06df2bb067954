"""Operational endpoints: the health check, and the favicon browsers ask for."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from app.config import PROJECT_DIR

router = APIRouter()


@router.get("/healthz", tags=["ops"],
            responses={503: {"description": "Database down or not migrated"}})
def healthz(request: Request) -> JSONResponse:
    state = request.app.state.database_state()
    if not state.ok:
        return JSONResponse({"status": state.problem}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    # Browsers ask for it on pages without a <link rel="icon">, such as the embed SVG.
    return FileResponse(PROJECT_DIR / "static" / "favicon.svg", media_type="image/svg+xml")

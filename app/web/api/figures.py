"""How the figure reader reads a figure as news write it: the same reading as `reckon parse`
and the estimate form's preview."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.domain.figures import FigureError, read_figure

router = APIRouter()


@router.get("/figures/parse", responses={422: {"description": "The figure was refused; "
                                               "detail[0].msg says why."}})
def parse_figure_text(
    text: Annotated[str, Query(max_length=1000, description="The figure as written, e.g. "
                                                            "'nearly 600,000'")],
    lang: Annotated[Literal["en", "de", "ru", "uk"] | None, Query()] = None,
) -> Any:
    """low, high, best and qualifier (as in the estimates), the words that decided the
    reading, and a note; or 422 with the reason it was refused."""
    try:
        reading = read_figure(text, lang)
    except FigureError as exc:
        return JSONResponse({"detail": [{"loc": ["query", "text"], "msg": str(exc),
                                         "type": "value_error"}]}, status_code=422)
    return reading.as_json()

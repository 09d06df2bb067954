"""Reader pages, rendered on the server; each names its JSON twin in /api."""

from fastapi import APIRouter

from app.web.pages import (
    activity,
    captures,
    chart_images,
    downloads,
    embed,
    figures,
    history,
    indexes,
    reader,
)

router = APIRouter(include_in_schema=False)
for module in (reader, figures, chart_images, history, activity, embed, indexes, downloads,
               captures):
    router.include_router(module.router)

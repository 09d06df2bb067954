"""Reader pages, rendered on the server; each names its JSON twin in /api."""

from fastapi import APIRouter

from app.web.pages import activity, embed, history, reader

router = APIRouter(include_in_schema=False)
for module in (reader, history, activity, embed):
    router.include_router(module.router)

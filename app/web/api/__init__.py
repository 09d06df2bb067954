"""The JSON API under /api: thin handlers over the same services the pages use."""

from fastapi import APIRouter

from app.web.api import (
    activity,
    captures,
    catalog,
    estimates,
    extract,
    figures,
    review,
    sources,
    topics,
    users,
)

router = APIRouter(prefix="/api", tags=["api"])
# The catalogue's longer paths (/topics/{slug}/sources…) go before the readers' routes, so no
# shorter pattern added there later can take them.
for module in (catalog, topics, sources, estimates, captures, review, activity, users, extract,
               figures):
    router.include_router(module.router)

"""The JSON API under /api: thin handlers over the same services the pages use."""

from fastapi import APIRouter

from app.web.api import activity, estimates, sources, topics, users

router = APIRouter(prefix="/api", tags=["api"])
for module in (topics, sources, estimates, activity, users):
    router.include_router(module.router)

"""Editor pages: sign-in, the editor's own account (password, API tokens), the estimate
form, retract/restore/revert, the review queue and verdicts, the catalogue forms (topics,
measures, sources), user admin. One URL serves GET and POST; a mistake re-renders the form
with the input and the message (422); success redirects (303)."""

from fastapi import APIRouter

from app.web.editor import (
    account,
    captures,
    catalog,
    estimates,
    extract,
    review,
    signin,
    status,
    users,
)

router = APIRouter(include_in_schema=False)
for module in (signin, account, estimates, extract, catalog, status, review, captures, users):
    router.include_router(module.router)

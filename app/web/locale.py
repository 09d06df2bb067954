"""The language of each request: `?lang=` first, then the reader's choice kept in the
`reckon_lang` cookie (set by the switch in the page header through /lang/{code}), then
Accept-Language, else English. The choice is set as the current locale (app/i18n.py) and in
`request.state.locale`; answers that depend on it say so (Content-Language, Vary)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n

LANG_COOKIE = "reckon_lang"
LANG_COOKIE_MAX_AGE = 365 * 86400
# What depends on the language: pages, pictures with words, JSON with display fields, feeds.
_LOCALISED_TYPES = ("text/html", "image/svg+xml", "image/png", "application/json",
                    "application/atom+xml", "text/plain")

router = APIRouter(include_in_schema=False)


def _cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key == b"cookie":
            try:
                jar: SimpleCookie = SimpleCookie(value.decode("latin-1"))
            except Exception:
                continue
            if LANG_COOKIE in jar:
                return jar[LANG_COOKIE].value
    return None


def choose(scope: Scope) -> tuple[str, str]:
    """The request's locale and what chose it ("query", "cookie", "header", "default")."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang")
    if asked and asked[-1] in i18n.LANGUAGES:
        return asked[-1], "query"
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    kept = _cookie(headers)
    if kept in i18n.LANGUAGES:
        return str(kept), "cookie"
    accept = next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), None)
    negotiated = i18n.negotiate(accept)
    if negotiated:
        return negotiated, "header"
    return i18n.DEFAULT_LOCALE, "default"


class LocaleMiddleware:
    """Sets the locale before the request is handled (errors pages included) and marks every
    localised answer with Content-Language and Vary: Accept-Language, Cookie (a cache keeps
    one copy per language; the ETags differ too, app/web/caching.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        code, _ = choose(scope)
        scope.setdefault("state", {})["locale"] = code
        i18n.set_locale(code)

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                kind = headers.get("content-type", "")
                if message["status"] == 304 or kind.startswith(_LOCALISED_TYPES):
                    headers["Content-Language"] = code
                    vary = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                    for name in ("Accept-Language", "Cookie"):
                        if name.lower() not in (v.lower() for v in vary):
                            vary.append(name)
                    headers["Vary"] = ", ".join(vary)
            await send(message)

        await self.app(scope, receive, send_marked)


def safe_next(target: str | None) -> str:
    """A path on this site to go back to: anything else (another host, "//host", "\\host",
    a scheme, control characters) goes to the home page, so /lang is no open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    # The explicit ?lang= of the page left behind would override the new choice.
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("lang="))
    return parts.path + (f"?{query}" if query else "") + (
        f"#{parts.fragment}" if parts.fragment else "")


@router.get("/lang/{code}", name="set_language")
def set_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:
    """The language switch: keep the choice in a cookie for a year and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in i18n.LANGUAGES:
        secure = bool(request.app.state.settings.secure_cookies)
        response.set_cookie(LANG_COOKIE, code, max_age=LANG_COOKIE_MAX_AGE, path="/",
                            samesite="lax", secure=secure, httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response

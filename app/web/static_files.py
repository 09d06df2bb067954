"""Static files under versioned names. Each file is read and hashed once, when the app is
created; templates link `/static/reckon.<hash>.css` (through the `static_url` helper), and
browsers keep that name for a year without asking again — a changed file gets a new name, so
no reader is left with an old stylesheet. The plain names still answer, revalidated on every
use, for links made elsewhere (a font a stylesheet names, an old bookmark)."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.domain.errors import NotFound
from app.web.caching import not_modified

HASH_LENGTH = 10
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
# An address made by versioned_name: "name.<hash>.ext" (or "name.<hash>" without an extension).
_VERSIONED = re.compile(
    rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[^./]+)?$")
# mimetypes depends on the host's tables; these must not.
_TYPES = {
    ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png",
    ".woff2": "font/woff2", ".woff": "font/woff", ".txt": "text/plain", ".md": "text/markdown",
    ".ico": "image/x-icon",
}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    name: str  # its path under static/, with forward slashes
    versioned: str  # the same with the content hash before the extension
    body: bytes
    media_type: str
    etag: str
    modified: dt.datetime

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)


def _versioned(name: str, digest: str) -> str:
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _media_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    media_type = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    textual = media_type.startswith("text/") or media_type == "image/svg+xml"
    return f"{media_type}; charset=utf-8" if textual else media_type


class StaticAssets:
    """Every file under a folder, in memory with its hash: what is served is exactly what was
    hashed, even if the file changes on disk before the next start."""

    def __init__(self, assets: list[Asset]) -> None:
        self._by_name = {a.name: a for a in assets}
        self._by_versioned = {a.versioned: a for a in assets}

    @classmethod
    def scan(cls, folder: Path) -> StaticAssets:
        assets = []
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if not path.is_file() or any(part.startswith(".") for part in name.split("/")):
                continue
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:HASH_LENGTH]
            modified = dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
            # The tag is weak: gzip sends other bytes under the same one.
            assets.append(Asset(name=name, versioned=_versioned(name, digest), body=body,
                                media_type=_media_type(name), etag=f'W/"{digest}"',
                                modified=modified))
        return cls(assets)

    def versioned_name(self, name: str) -> str:
        """The versioned name of a file; an unknown name is returned as it is, so the page
        still renders and the missing file shows up as a 404 in the browser."""
        asset = self._by_name.get(name)
        return asset.versioned if asset else name

    def current(self, path: str) -> Asset | None:
        return self._by_versioned.get(path)

    def plain(self, path: str) -> Asset | None:
        return self._by_name.get(path)

    def superseded(self, path: str) -> Asset | None:
        """The file an address of another version of it names (a page cached before a
        deployment asks for the stylesheet it was written with)."""
        match = _VERSIONED.match(PurePosixPath(path).name)
        if match is None:
            return None
        name = f"{match['stem']}{match['suffix'] or ''}"
        return self._by_name.get(str(PurePosixPath(path).with_name(name)))


@router.get("/static/{path:path}", name="static")
def static_file(request: Request, path: str) -> Response:
    assets: StaticAssets = request.app.state.static_assets
    asset = assets.current(path)
    cache_control = IMMUTABLE
    if asset is None:
        asset = assets.plain(path)
        cache_control = REVALIDATE
    if asset is None:
        old = assets.superseded(path)
        if old is None:
            raise NotFound("There is no such file.")
        # Temporary: the current version is another address after the next deployment.
        target = request.url_for("static", path=old.versioned)
        return RedirectResponse(str(target), status_code=307,
                                headers={"Cache-Control": "no-cache"})
    headers = {"ETag": asset.etag, "Last-Modified": asset.last_modified,
               "Cache-Control": cache_control}
    if not_modified(request, asset.etag, asset.modified):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)

"""Fetching a cited page with httpx, defensively: http(s) only, a few redirects each checked
again, connect/read/overall timeouts, a cap on the body (refused at once when Content-Length
says more, cut off when the stream passes it), HTML or text only. The host is resolved here
and every address checked (app/domain/addresses.py); the connection then goes to the address
that was checked, never to a second resolution, so DNS rebinding cannot slip past."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from typing import Any

import certifi
import httpcore
import httpx

from app.config import Settings
from app.domain.addresses import refusal, url_problem
from app.domain.captures import status_retried

# What a page may be: HTML, or text (an official statement published as plain text).
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    total_timeout: float = 60.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "Reckon"
    ca_file: str | None = None  # the certificates trusted for HTTPS: certifi's by default

    @classmethod
    def of(cls, settings: Settings) -> FetchPolicy:
        return cls(allow_private=settings.capture_allow_private,
                   connect_timeout=settings.capture_connect_timeout,
                   read_timeout=settings.capture_read_timeout,
                   total_timeout=settings.capture_total_timeout,
                   max_bytes=settings.capture_max_bytes,
                   max_redirects=settings.capture_max_redirects,
                   user_agent=settings.capture_user_agent)


@dataclass(frozen=True)
class Fetched:
    requested_url: str
    final_url: str
    status: int
    content_type: str  # the media type, lower case, without parameters
    charset: str | None  # from the Content-Type header
    body: bytes
    fetched_at: dt.datetime


class FetchFailed(Exception):
    """A fetch that gave no page, with a reason a reader understands and whether trying
    again later may help."""

    def __init__(self, reason: str, *, retryable: bool, status: int | None = None,
                 final_url: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.final_url = final_url


class RefusedAddress(Exception):
    """Raised inside the connection pool when the host resolves to an address not allowed."""


class _CheckedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, refuses it when any of its addresses is not public, and
    connects to the address it checked (TLS still verifies the certificate for the host
    name, which httpcore passes as the server name)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allow_private:
            for address in addresses:
                problem = refusal(host, address.split("%", 1)[0])  # without an IPv6 zone
                if problem:
                    raise RefusedAddress(problem)
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        last: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(address, port, timeout=timeout,
                                              local_address=local_address,
                                              socket_options=socket_options)
            except httpcore.ConnectError as exc:  # try the host's next address
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:  # pragma: no cover - never asked
        raise RefusedAddress("refused address: a Unix socket")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - no retries configured
        self.inner.sleep(seconds)


def _transport(policy: FetchPolicy) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    # The pool httpx built, with the same settings, but connecting through the checks above
    # (httpx takes no network backend of its own).
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl.create_default_context(cafile=policy.ca_file or certifi.where()),
        max_connections=4, max_keepalive_connections=0,
        network_backend=_CheckedBackend(policy.allow_private))
    return transport


def _media_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header
    charset = message.get_param("charset")
    return message.get_content_type().lower(), str(charset) if isinstance(charset, str) else None


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def fetch(url: str, policy: FetchPolicy, *,
          should_stop: Callable[[], bool] | None = None) -> Fetched:
    """The page at `url`, or FetchFailed with the reason."""
    started = time.monotonic()
    timeout = httpx.Timeout(connect=policy.connect_timeout, read=policy.read_timeout,
                            write=policy.read_timeout, pool=policy.connect_timeout)
    headers = {"User-Agent": policy.user_agent,
               "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"}
    current = url.strip()
    with httpx.Client(transport=_transport(policy), timeout=timeout, headers=headers,
                      follow_redirects=False, trust_env=False) as client:
        for hop in range(policy.max_redirects + 1):
            problem = url_problem(current)
            if problem:
                raise FetchFailed(problem if hop == 0 else f"redirected to a URL {problem}: "
                                  f"{current[:200]}", retryable=False, final_url=current)
            response = _get(client, current, policy, started, should_stop)
            if response.status in REDIRECTS and response.location:
                current = response.location
                continue
            return _page(url, current, response)
    raise FetchFailed(f"too many redirects (more than {policy.max_redirects})",
                      retryable=False, final_url=current)


@dataclass(frozen=True)
class _Response:
    status: int
    reason: str
    location: str | None
    content_type: str
    charset: str | None
    body: bytes


def _get(client: httpx.Client, url: str, policy: FetchPolicy, started: float,
         should_stop: Callable[[], bool] | None) -> _Response:
    try:
        with client.stream("GET", url) as response:
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                return _Response(response.status_code, response.reason_phrase,
                                 str(response.url.join(location)), "", None, b"")
            if response.status_code >= 400:
                raise FetchFailed(f"HTTP {response.status_code} {response.reason_phrase}".strip(),
                                  retryable=status_retried(response.status_code),
                                  status=response.status_code, final_url=url)
            media_type, charset = _media_type(response.headers.get("content-type", ""))
            if media_type not in TEXT_TYPES:
                raise FetchFailed(f"not HTML or text: {media_type or 'no content type'}",
                                  retryable=False, status=response.status_code, final_url=url)
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > policy.max_bytes:
                raise FetchFailed(f"too large: {int(declared):,} bytes announced, more than "
                                  f"{_megabytes(policy.max_bytes)}", retryable=False,
                                  status=response.status_code, final_url=url)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchFailed(f"too large: more than {_megabytes(policy.max_bytes)}",
                                      retryable=False, status=response.status_code,
                                      final_url=url)
                if time.monotonic() - started > policy.total_timeout:
                    raise FetchFailed(f"timed out: the page took more than "
                                      f"{policy.total_timeout:g} s", retryable=True,
                                      status=response.status_code, final_url=url)
                if should_stop is not None and should_stop():
                    raise FetchFailed("stopped: the server was shutting down", retryable=True,
                                      final_url=url)
                chunks.append(chunk)
            return _Response(response.status_code, response.reason_phrase, None, media_type,
                             charset, b"".join(chunks))
    except RefusedAddress as exc:
        raise FetchFailed(str(exc), retryable=False, final_url=url) from None
    except httpx.TimeoutException as exc:
        what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the page"
        limit = (policy.connect_timeout if isinstance(exc, httpx.ConnectTimeout)
                 else policy.read_timeout)
        raise FetchFailed(f"timed out {what} (after {limit:g} s)", retryable=True,
                          final_url=url) from None
    except httpx.HTTPError as exc:
        raise FetchFailed(_connection_reason(exc), retryable=True, final_url=url) from None


def _connection_reason(exc: httpx.HTTPError) -> str:
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ssl.SSLError) or "SSL" in type(exc).__name__ or "certificate" in str(
            exc).lower():
        return f"TLS error: {str(exc)[:200]}"
    if isinstance(exc, httpx.ConnectError):
        said = str(exc)[:200] or type(exc).__name__
        return said if said.startswith("cannot") else f"cannot connect: {said}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _page(requested: str, final: str, response: _Response) -> Fetched:
    return Fetched(requested_url=requested, final_url=final, status=response.status,
                   content_type=response.content_type, charset=response.charset,
                   body=response.body, fetched_at=dt.datetime.now(dt.UTC))

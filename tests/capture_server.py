"""A news site on 127.0.0.1 for the capture tests, in a thread of the test process: article
pages written for the tests (English and German, with and without a date, with the
navigation, cookie banner and footer real news pages carry), a redirect, a redirect loop, two
pages over 5 MB (with and without Content-Length), a slow page, a page that waits until the
test lets it go, a 404, a 503 and a PDF. A test may change what a path serves; every request
is counted."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy.orm import Session

from app.services.capture_runs import Capturer, RetryPolicy, Transactions
from app.services.fetching import FetchPolicy

SIX_MB = 6 * 1024 * 1024
# The tests' fetch rules: the site is on 127.0.0.1, and a slow page gives up after 0.5 s.
TEST_POLICY = FetchPolicy(allow_private=True, connect_timeout=2, read_timeout=0.5,
                          total_timeout=10)

# What the pages carry around the article, none of which belongs in a captured text.
BOILERPLATE = ("Home", "Politics", "Sport", "Subscribe", "Sign in", "We use cookies",
               "Cookie settings", "Read more", "Ten recipes for autumn", "Transfer window",
               "Imprint", "Privacy", "Advertise with us", "©")


def article(*, lang: str, title: str, paragraphs: list[str], published: str | None = None,
            author: str | None = None, site: str = "The Daily Record") -> str:
    """A news page as publishers write them: metadata in <head>, the article between a
    navigation bar, a cookie banner, a "read more" box and a footer."""
    meta = [f'<meta property="og:title" content="{title}">',
            f'<meta property="og:site_name" content="{site}">']
    if published:
        meta += [f'<meta property="article:published_time" content="{published}">',
                 f'<meta name="date" content="{published[:10]}">']
    if author:
        meta.append(f'<meta name="author" content="{author}">')
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    byline = f'<p class="byline">By {author}</p>' if author else ""
    time_tag = (f'<time datetime="{published}">{published[:10]}</time>' if published else "")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | {site}</title>
{chr(10).join(meta)}
<link rel="stylesheet" href="/site.css"><script src="/tracking.js"></script>
</head><body>
<header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/subscribe">Subscribe</a></li><li><a href="/login">Sign in</a></li></ul></nav>
<div class="cookie-banner" id="cookies"><p>We use cookies to improve your experience.
<a href="/cookies">Cookie settings</a></p></div></header>
<main><article><h1>{title}</h1>{byline}{time_tag}
{body}
</article>
<aside class="related"><h2>Read more</h2><ul><li><a href="/a">Ten recipes for autumn</a></li>
<li><a href="/b">Transfer window: all the deals</a></li></ul></aside></main>
<footer><p>© 2025 {site} · <a href="/imprint">Imprint</a> · <a href="/privacy">Privacy</a> ·
<a href="/ads">Advertise with us</a></p></footer>
</body></html>"""


ENGLISH = article(
    lang="en", title="North Korean troops: 1,200 casualties, US says",
    published="2025-03-12T09:30:00+00:00", author="Jane Miller",
    paragraphs=[
        "United States officials estimate that about 1,200 North Korean soldiers have been "
        "killed or wounded fighting for Russia in the Kursk region, a spokesman said on "
        "Wednesday.",
        "\u201cWe assess that North Korea has suffered about 1,200 casualties,\u201d the "
        "spokesman told reporters in Washington, adding that the figure was uncertain.",
        "South Korea\u2019s intelligence service gave a lower count of killed soldiers, while "
        "Ukraine\u2019s president put the number of casualties at 4,000.",
    ])
ENGLISH_QUOTE = "We assess that North Korea has suffered about 1,200 casualties"

GERMAN = article(
    lang="de", title="Nordkorea: 300 Soldaten getötet, 2.700 verwundet",
    published="2025-01-13T08:00:00+01:00", author="Anna Schmidt", site="Der Tagesbote",
    paragraphs=[
        "Der südkoreanische Geheimdienst NIS schätzt, dass etwa 300 nordkoreanische Soldaten "
        "in Russland getötet und 2.700 verwundet wurden. Das teilte ein Abgeordneter in Seoul "
        "mit.",
        "\u201eDie Verluste sind erheblich\u201c, sagte der Abgeordnete. Nach Angaben des "
        "ukrainischen Präsidenten Selenskyj liegt die Zahl der Opfer bei 4.000.",
        "Im vergangenen Jahr seien 10.000 bis 12.000 Soldaten nach Russland entsandt worden, "
        "in diesem Monat kämen 1.000 bis 3.000 hinzu.",
    ])
GERMAN_QUOTE = "etwa 300 nordkoreanische Soldaten in Russland getötet und 2.700 verwundet"

UNDATED = article(
    lang="en", title="Statement on the situation in the Kursk region",
    paragraphs=[
        "The ministry is aware of reports that soldiers from North Korea are present in the "
        "Kursk region and takes them seriously.",
        "It does not comment on the numbers given by other governments and will publish its "
        "own assessment once it has verified the information available to it.",
        "Journalists may direct further questions to the press office of the ministry.",
    ])

CHANGED_ENGLISH = ENGLISH.replace("about 1,200 casualties", "about 1,500 casualties").replace(
    "about 1,200 North Korean", "about 1,500 North Korean")


@dataclass
class Page:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer
    chunked: bool = False  # no Content-Length: the body ends when the connection closes


class NewsSite:
    """The server; `url(path)` is a page's address, `pages` what each path serves."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: Counter[str] = Counter()
        self.release = threading.Event()  # lets /blocking answer
        self.stopping = threading.Event()
        self.reset()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests[self.path] += 1
                if self.path == "/blocking":
                    site.release.wait(30)
                page = site.pages.get(self.path)
                if page is None:
                    page = Page(b"<html><body><h1>Not found</h1></body></html>", status=404,
                                headers={"Content-Type": "text/html"})
                if page.delay and site.stopping.wait(page.delay):
                    return
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                try:
                    if page.chunked:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        for start in range(0, len(page.body), 64 * 1024):
                            self.wfile.write(page.body[start:start + 64 * 1024])
                        self.close_connection = True
                    else:
                        self.send_header("Content-Length", str(len(page.body)))
                        self.end_headers()
                        self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client stopped reading: as intended

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve_html(self, path: str, html: str, **kwargs: Any) -> None:
        self.pages[path] = Page(html.encode("utf-8"),
                                headers={"Content-Type": "text/html; charset=utf-8"}, **kwargs)

    def reset(self) -> None:
        html = {"Content-Type": "text/html; charset=utf-8"}
        big = b"<html><body><p>" + b"casualties " * (SIX_MB // 11) + b"</p></body></html>"
        self.pages = {
            "/en/article": Page(ENGLISH.encode(), headers=html),
            "/de/artikel": Page(GERMAN.encode(), headers=html),
            "/undated": Page(UNDATED.encode(), headers=html),
            "/old-address": Page(b"", status=301, headers={"Location": "/en/article"}),
            "/loop": Page(b"", status=302, headers={"Location": "/loop"}),
            "/big": Page(big, headers=html),
            "/big-chunked": Page(big, headers=html, chunked=True),
            "/slow": Page(ENGLISH.encode(), headers=html, delay=3.0),
            "/blocking": Page(ENGLISH.encode(), headers=html),
            "/unavailable": Page(b"busy", status=503, headers={"Content-Type": "text/plain"}),
            "/report.pdf": Page(b"%PDF-1.7 ...", headers={"Content-Type": "application/pdf"}),
            # A page drawn by script: nothing to read without running it.
            "/app-shell": Page(b"<!DOCTYPE html><html><head><title>News</title></head><body>"
                               b"<div id='root'></div><script src='/app.js'></script>"
                               b"</body></html>", headers=html),
            "/statement.txt": Page(b"Statement: about 300 killed.\n",
                                   headers={"Content-Type": "text/plain; charset=utf-8"}),
        }
        self.requests.clear()

    def start(self) -> None:
        threading.Thread(target=self.httpd.serve_forever, name="news-site", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def news_site() -> Iterator[NewsSite]:
    site = NewsSite()
    site.start()
    try:
        yield site
    finally:
        site.stop()


def wait_for(condition: Any, timeout: float = 10.0, every: float = 0.05) -> Any:
    """Ask `condition()` until it answers something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {condition}")
        time.sleep(every)


def in_session(session: Session) -> Transactions:
    """The queue runner's short transactions, inside the test's own (rolled back at the end):
    each commit only releases a savepoint."""
    @contextmanager
    def transaction() -> Iterator[Session]:
        yield session
        session.commit()

    return transaction


def runner(session: Session, policy: FetchPolicy = TEST_POLICY, **retry: Any) -> Capturer:
    """What the capture worker runs each cycle, on the test's session."""
    return Capturer(in_session(session), policy, RetryPolicy(**retry) if retry else None)

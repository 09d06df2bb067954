"""The rendered-page cache (app/web/page_cache.py) on a database of its own, committed to for
real: a public page is rendered once per data stamp and then answered from memory — bodies,
headers and 304s exactly as the app would give them — while editors, tokens, languages and
compression each get their own answer, and a committed change is seen at once."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import Source
from app.web.page_cache import PageCache
from tests import factories
from tests.web.live import seed_one_estimate

PUBLIC = ["/", "/topics/t", "/sources/s", "/topics/t/measures/killed/figures",
          "/api/topics/t", "/embed/topics/t/killed.svg", "/sources", "/estimates/1",
          "/topics/t/measures/killed/range.svg?layout=narrow", "/topics/t?lang=de"]


@dataclass
class Served:
    app: FastAPI
    client: TestClient
    queries: list[str]
    token: str
    estimate_id: int

    @property
    def cache(self) -> PageCache:
        layer = self.app.middleware_stack
        while not isinstance(layer, PageCache):
            layer = layer.app  # type: ignore[union-attr]
        return layer


def _serve(url: str, seeded: tuple[int, str] | None = None,
           **settings: object) -> Iterator[Served]:
    estimate_id, token = seeded or seed_one_estimate(url, "Sahel Monitor")
    settings.setdefault("page_cache_mb", 8)
    # Within a test the stamp is reused: a slow machine must not turn a hit into a query.
    settings.setdefault("stamp_ttl", 60.0)
    app = create_app(Settings(environment="test", database_url=url, secret_key="t" * 32,
                              review="off", **settings))  # type: ignore[arg-type]
    engine: Engine = app.state.engine
    queries: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: queries.append(str(args[2])))
    with TestClient(app) as client:
        client.get("/")  # builds the middleware stack
        yield Served(app, client, queries, token, estimate_id)


@pytest.fixture
def served(live_url: str) -> Iterator[Served]:
    yield from _serve(live_url)


def test_a_public_page_is_rendered_once_then_answered_from_memory(served: Served) -> None:
    first = served.client.get("/topics/t")
    assert first.status_code == 200 and "Sahel Monitor" in first.text
    served.queries.clear()
    again = served.client.get("/topics/t")
    assert served.queries == []
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["last-modified"] == first.headers["last-modified"]
    assert again.headers["content-type"] == first.headers["content-type"]
    # The edge's headers are added to every answer, a fresh request id each time.
    assert "script-src 'self'" in again.headers["content-security-policy"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert again.headers["content-language"] == "en"


def test_revalidations_are_answered_from_memory_even_before_any_full_answer(
        served: Served) -> None:
    reference = served.client.get("/topics/t")
    served.cache.entries.clear()
    # The first revalidation renders the page once to keep it, and still gets its 304.
    first = served.client.get("/topics/t", headers={"If-None-Match": reference.headers["etag"]})
    assert first.status_code == 304 and first.content == b""
    assert first.headers["etag"] == reference.headers["etag"]
    served.queries.clear()
    again = served.client.get("/topics/t", headers={"If-None-Match": reference.headers["etag"]})
    assert again.status_code == 304 and served.queries == []
    assert again.headers["cache-control"] == reference.headers["cache-control"]
    since = served.client.get("/topics/t",
                              headers={"If-Modified-Since": reference.headers["last-modified"]})
    assert since.status_code == 304
    # A stale tag gets the whole page.
    stale = served.client.get("/topics/t", headers={"If-None-Match": 'W/"not-this-one"'})
    assert stale.status_code == 200 and stale.content == reference.content


def test_a_committed_change_is_seen_at_once(served: Served) -> None:
    before = served.client.get("/topics/t")
    assert "1,200" in before.text and "1,700" not in before.text
    version = served.client.get(f"/api/estimates/{served.estimate_id}").json()["version"]
    changed = served.client.patch(f"/api/estimates/{served.estimate_id}",
                                  headers={"Authorization": f"Bearer {served.token}"},
                                  json={"version": version, "figure": "about 1,700"})
    assert changed.status_code == 200, changed.text
    after = served.client.get("/topics/t", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "1,700" in after.text
    assert after.headers["etag"] != before.headers["etag"]


def test_a_change_by_another_process_is_seen_once_the_stamp_expires(live_url: str) -> None:
    for served in _serve(live_url, stamp_ttl=0.3):
        assert "Sahel Monitor" in served.client.get("/sources").text
        other = make_engine(live_url)  # another process: this app is not told
        with make_sessionmaker(other)() as session:
            session.execute(update(Source).values(name="Sahel Watch"))  # onupdate: updated_at
            session.commit()
        other.dispose()
        time.sleep(0.4)
        after = served.client.get("/sources").text
        assert "Sahel Watch" in after and "Sahel Monitor" not in after


def test_every_public_page_reads_the_same_from_memory_as_rendered(live_url: str) -> None:
    seeded = seed_one_estimate(live_url, "Sahel Monitor")
    rendered = {}
    for served in _serve(live_url, seeded, page_cache_mb=0):
        rendered = {path: served.client.get(path) for path in PUBLIC}
    for served in _serve(live_url, seeded):
        for path in PUBLIC:
            served.client.get(path)
        served.queries.clear()
        for path in PUBLIC:
            hit = served.client.get(path)
            assert hit.status_code == 200, path
            assert hit.content == rendered[path].content, path
            assert hit.headers["etag"] == rendered[path].headers["etag"], path
        assert served.queries == []


def test_editors_and_tokens_always_reach_the_app(served: Served,
                                                 live_url: str) -> None:
    served.client.get("/topics/t")
    served.queries.clear()
    with_token = served.client.get("/api/topics/t",
                                   headers={"Authorization": f"Bearer {served.token}"})
    assert with_token.status_code == 200 and served.queries != []
    engine = make_engine(live_url)
    with make_sessionmaker(engine)() as session:
        factories.sign_in(served.client, session)
    engine.dispose()
    served.queries.clear()
    signed_in = served.client.get("/topics/t")
    assert served.queries != [] and signed_in.headers["cache-control"] == "no-store"
    assert "Sign out" in signed_in.text or "sign out" in signed_in.text.lower()
    served.client.cookies.clear()
    anonymous = served.client.get("/topics/t")
    assert anonymous.headers["cache-control"].startswith("public")
    assert "sign out" not in anonymous.text.lower()


def test_each_language_and_encoding_is_kept_apart(served: Served) -> None:
    english = served.client.get("/topics/t", headers={"Accept-Encoding": "identity"})
    german = served.client.get("/topics/t?lang=de", headers={"Accept-Encoding": "identity"})
    asked = served.client.get("/topics/t", headers={"Accept-Language": "de-DE,de;q=0.9",
                                                     "Accept-Encoding": "identity"})
    zipped = served.client.get("/topics/t", headers={"Accept-Encoding": "gzip"})
    served.queries.clear()
    again = {
        "en": served.client.get("/topics/t", headers={"Accept-Encoding": "identity"}),
        "de": served.client.get("/topics/t", headers={"Accept-Language": "de",
                                                       "Accept-Encoding": "identity"}),
        "gz": served.client.get("/topics/t", headers={"Accept-Encoding": "gzip"}),
    }
    assert served.queries == []
    assert english.headers["content-language"] == "en"
    assert asked.headers["content-language"] == "de" == german.headers["content-language"]
    assert again["en"].content == english.content and english.content != asked.content
    assert again["de"].content == asked.content
    assert zipped.headers["content-encoding"] == "gzip"
    assert again["gz"].headers["content-encoding"] == "gzip"
    assert "content-encoding" not in again["en"].headers
    # httpx decodes: the gzipped copy holds the same page.
    assert again["gz"].content == english.content


def test_head_is_answered_from_memory_with_the_headers_of_get(served: Served) -> None:
    got = served.client.get("/topics/t", headers={"Accept-Encoding": "gzip"})
    served.queries.clear()
    head = served.client.head("/topics/t", headers={"Accept-Encoding": "gzip"})
    assert served.queries == [] and head.status_code == 200 and head.content == b""
    for name in ("etag", "content-length", "content-encoding", "content-type"):
        assert head.headers[name] == got.headers[name]
    raw = served.client.get("/topics/t", headers={"Accept-Encoding": "gzip"})
    assert gzip.compress(raw.content)  # the kept copy decodes (httpx already unzipped it)


def test_the_cache_stays_within_its_memory(live_url: str) -> None:
    for served in _serve(live_url):
        cache = served.cache
        cache.max_bytes = 256 * 1024  # twenty topic pages of 13 KB each
        for n in range(60):
            assert served.client.get(f"/topics/t?page={n}&pad={'x' * 200}",
                                     headers={"Accept-Encoding": "identity"}).status_code == 200
        assert 0 < len(cache.entries) < 60
        assert cache.size <= cache.max_bytes
        assert cache.size == sum(entry.size for entry in cache.entries.values())


def test_an_answer_too_large_to_keep_is_served_whole(live_url: str) -> None:
    for served in _serve(live_url):
        served.cache.max_bytes = 1024  # a share of 64 bytes: no page fits
        first = served.client.get("/topics/t")
        revalidated = served.client.get("/topics/t",
                                        headers={"If-None-Match": first.headers["etag"]})
        assert "/topics/t" not in {key[1] for key in served.cache.entries}
        assert first.status_code == 200 and "Sahel Monitor" in first.text
        # Not kept: the app itself answers the revalidation, as without the cache.
        assert revalidated.status_code == 304


def test_errors_and_personal_answers_are_not_kept(served: Served) -> None:
    assert served.client.get("/topics/no-such-topic").status_code == 404
    assert served.client.get("/login").status_code == 200  # sets the CSRF cookie
    assert served.client.get("/changes").status_code == 200  # no validators: always fresh
    kept = {key[1] for key in served.cache.entries}
    assert kept.isdisjoint({"/topics/no-such-topic", "/login", "/changes"})


def test_readers_arriving_together_wait_for_one_rendering(served: Served) -> None:
    served.queries.clear()
    served.client.get("/sources/s")
    one_render = len(served.queries)
    served.cache.entries.clear()
    served.queries.clear()

    async def together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=served.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await asyncio.gather(*(c.get("/sources/s") for _ in range(12)))

    with ThreadPoolExecutor(1) as pool:  # a loop of its own (Playwright may hold this one's)
        answers = pool.submit(asyncio.run, together()).result()
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1 and b"Sahel Monitor" in answers[0].content
    assert len(served.queries) <= one_render  # one rendering (and one stamp), not twelve


def test_each_host_gets_its_own_copy_of_its_absolute_links(served: Served) -> None:
    served.client.get("/topics/t")
    other = served.client.get("/topics/t", headers={"Host": "localhost"})
    again = served.client.get("/topics/t")
    assert "http://localhost/" in other.text and "http://testserver/" not in other.text
    assert "http://testserver/" in again.text and "http://localhost/" not in again.text


def test_a_refused_host_never_reaches_a_kept_page(served: Served) -> None:
    served.client.get("/topics/t")
    for _ in range(2):
        refused = served.client.get("/topics/t", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and "Sahel Monitor" not in refused.text
    assert all(key[1].split(b"|")[0] != b"evil.example" for key in served.cache.entries)


def test_a_kept_answer_keeps_the_edge_headers_and_echoes_the_request_id(served: Served) -> None:
    first = served.client.get("/topics/t")
    hit = served.client.get("/topics/t", headers={"X-Request-ID": "desk-42"})
    revalidated = served.client.get("/topics/t", headers={"If-None-Match": first.headers["etag"],
                                                          "X-Request-ID": "desk-43"})
    assert hit.headers["x-request-id"] == "desk-42"
    assert revalidated.status_code == 304 and revalidated.headers["x-request-id"] == "desk-43"
    for name in ("content-security-policy", "x-frame-options", "content-language", "vary"):
        assert hit.headers[name] == first.headers[name]
        assert revalidated.headers[name] == first.headers[name]
    assert "content-type" not in revalidated.headers
    assert len(hit.headers.get_list("x-request-id")) == 1

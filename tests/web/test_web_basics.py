"""What a browser and a crawler expect of any site: HEAD, gzip, long-lived static files under
versioned names, robots.txt, a description and previews for a topic, and index pages."""

from __future__ import annotations

import re
import urllib.robotparser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import html
from lxml.etree import _Element
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR
from app.domain.vocabulary import SourceKind, Status
from app.models import Estimate, Measure, Source, Topic
from tests import factories
from tests.web.parsing import doc as _doc

TOPIC = "north-korean-troops-in-russia"
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}
# Headers HEAD must repeat exactly as GET sends them.
SAME = ("etag", "last-modified", "content-type", "content-length", "content-encoding",
        "cache-control", "vary", "content-disposition", "content-security-policy")
VERSIONED_CSS = re.compile(r"^/static/reckon\.[0-9a-f]{10}\.css$")
pytestmark = pytest.mark.usefixtures("demo")


def _stylesheet(client: TestClient) -> str:
    (href,) = [link.get("href") for link in _doc(client, "/").cssselect("link[rel=stylesheet]")
               if "reckon." in link.get("href")]
    return urlsplit(href).path


READS = [
    "/", f"/topics/{TOPIC}", f"/topics/{TOPIC}?exclude_parties=1", "/topics", "/sources",
    "/sources/south-korea-nis", "/changes", "/changes.atom", f"/embed/topics/{TOPIC}/casualties",
    f"/embed/topics/{TOPIC}/casualties.svg", "/api/topics", f"/api/topics/{TOPIC}",
    "/api/sources", "/robots.txt", "/static/reckon.css", "/topics/nope",
]


@pytest.mark.parametrize("encoding", [IDENTITY, GZIP], ids=["identity", "gzip"])
@pytest.mark.parametrize("url", READS)
def test_head_answers_like_get_without_a_body(client: TestClient, url: str,
                                              encoding: dict[str, str]) -> None:
    get = client.get(url, headers=encoding)
    head = client.head(url, headers=encoding)
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in SAME:
        assert head.headers.get(name) == get.headers.get(name), name
    assert head.headers["x-content-type-options"] == "nosniff"  # security headers on HEAD too


def test_head_of_a_versioned_static_file_and_304s(client: TestClient) -> None:
    css = _stylesheet(client)
    get, head = client.get(css), client.head(css)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]
    etag = get.headers["etag"]
    for method in (client.get, client.head):
        again = method(css, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""


def test_304_on_a_matching_etag_for_head_and_get(client: TestClient) -> None:
    url = f"/topics/{TOPIC}"
    first = client.head(url)
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag == client.get(url).headers["etag"]
    for method in (client.get, client.head):
        for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified},
                        {"If-None-Match": etag, **GZIP}):
            again = method(url, headers=headers)
            assert again.status_code == 304, (method, headers)
            assert again.content == b"" and again.headers["etag"] == etag
            assert "content-security-policy" in again.headers
    # Weak comparison: the tag as a proxy may hand it back, without W/.
    assert client.get(url, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_gzip_for_a_page_over_1_kb_only_when_accepted(client: TestClient) -> None:
    url = f"/topics/{TOPIC}"
    plain = client.get(url, headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content) > 1000
    zipped = client.get(url, headers=GZIP)
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"] and "Cookie" in zipped.headers["vary"]
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.text == plain.text  # httpx undid the compression
    assert zipped.headers["etag"] == plain.headers["etag"]
    assert zipped.headers["content-security-policy"] == plain.headers["content-security-policy"]
    # Small answers are not worth compressing; pictures are compressed already.
    robots = client.get("/robots.txt", headers=GZIP)
    assert "content-encoding" not in robots.headers
    png = client.get(f"/topics/{TOPIC}/measures/casualties.png", headers=GZIP)
    assert png.status_code == 200 and "content-encoding" not in png.headers


def test_static_files_have_versioned_urls_and_long_lived_caching(client: TestClient) -> None:
    page = _doc(client, f"/topics/{TOPIC}")
    hrefs = {urlsplit(link.get("href")).path: link.get("media")
             for link in page.cssselect("link[rel=stylesheet], link[rel=icon]")}
    assert all(re.fullmatch(r"/static/[\w-]+\.[0-9a-f]{10}\.\w+", h) for h in hrefs), hrefs
    media = {h.split("/")[-1].split(".")[0]: m for h, m in hrefs.items()}
    assert media["reckon"] is None and media["print"] == "print"
    assert "prefers-color-scheme: dark" in media["dark"]
    embed = html.fromstring(client.get(f"/embed/topics/{TOPIC}/casualties").text)
    assert all(VERSIONED_CSS.match(urlsplit(link.get("href")).path)
               for link in embed.cssselect("link[rel=stylesheet]"))
    css = _stylesheet(client)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content == (PROJECT_DIR / "static" / "reckon.css").read_bytes()
    # The plain name still answers, but must be revalidated.
    plain = client.get("/static/reckon.css")
    assert plain.status_code == 200 and plain.content == response.content
    assert "immutable" not in plain.headers["cache-control"]


def test_an_old_version_redirects_to_the_current_one_and_unknown_files_404(
        client: TestClient) -> None:
    css = _stylesheet(client)
    old = client.get("/static/reckon.0123456789.css", follow_redirects=False)
    assert old.status_code == 307 and urlsplit(old.headers["location"]).path == css
    assert "immutable" not in old.headers.get("cache-control", "")
    assert client.get("/static/reckon.0123456789.css").status_code == 200
    for missing in ("/static/nope.css", "/static/nope.0123456789.css", "/static/reckon.x.css",
                    "/static/../app/main.py", "/static/"):
        assert client.get(missing, follow_redirects=False).status_code == 404, missing


def test_robots_txt_keeps_crawlers_out_of_editing_only(client: TestClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    rules = response.text.splitlines()
    assert "User-agent: *" in rules and "Allow: /" in rules
    assert {"Disallow: /admin", "Disallow: /login", "Disallow: /estimates/new",
            "Disallow: /*/edit$"} <= set(rules)
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(rules)
    for private in ("/admin/users", "/login", "/estimates/new"):
        assert not parser.can_fetch("AnyBot", private), private
    for public in ("/", f"/topics/{TOPIC}", "/topics", "/sources", "/api/topics", "/changes"):
        assert parser.can_fetch("AnyBot", public), public
    assert "/admin" in response.text and "secret" not in response.text.lower()


def _meta(doc: _Element, key: str, value: str) -> str:
    (element,) = doc.xpath(f"/html/head/meta[@{key}=$value]", value=value)
    return str(element.get("content"))


def test_topic_page_has_description_canonical_and_open_graph(client: TestClient,
                                                              session: Session) -> None:
    topic = session.scalars(select(Topic).where(Topic.slug == TOPIC)).one()
    doc = _doc(client, f"/topics/{TOPIC}?exclude_parties=1&as_of_to=2025-02-01")
    canonical = f"http://testserver/topics/{TOPIC}"
    assert _meta(doc, "name", "description") == topic.summary
    (link,) = doc.xpath("/html/head/link[@rel='canonical']")
    assert link.get("href") == canonical  # without the query
    assert _meta(doc, "property", "og:title") == topic.title
    assert _meta(doc, "property", "og:description") == topic.summary
    assert _meta(doc, "property", "og:url") == canonical
    assert _meta(doc, "property", "og:type") == "article"
    image = _meta(doc, "property", "og:image")
    assert urlsplit(image).path == f"/topics/{TOPIC}/measures/deployed.png"  # the first chart
    picture = client.get(image)
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_topic_without_summary_is_described_by_its_first_measure(client: TestClient,
                                                                   session: Session) -> None:
    factories.topic_with_measure(session, "quiet", "killed")
    factories.source(session, "s", "Some Source")
    factories.estimate(session, topic="quiet", measure="killed", source="s", low=40)
    session.commit()
    doc = _doc(client, "/topics/quiet")
    description = _meta(doc, "name", "description")
    assert description.startswith("Killed: ") and "40" in description
    assert _meta(doc, "property", "og:description") == description


def test_topics_index_lists_every_topic_with_measures_and_counts(client: TestClient,
                                                                 session: Session) -> None:
    factories.topic_with_measure(session, "empty", "wounded")
    session.commit()
    counts = dict(session.execute(
        select(Measure.id, func.count(Estimate.id))
        .outerjoin(Estimate, (Estimate.measure_id == Measure.id)
                   & (Estimate.status == Status.ACTIVE))
        .group_by(Measure.id)).all())
    doc = _doc(client, "/topics")
    rows = {tr.get("data-topic"): tr for tr in doc.cssselect("table.topics-index tbody tr")}
    topics = session.scalars(select(Topic)).all()
    assert set(rows) == {t.slug for t in topics}
    for topic in topics:
        row = rows[topic.slug]
        (link,) = row.cssselect("th a")
        assert urlsplit(link.get("href")).path == f"/topics/{topic.slug}"
        assert link.text_content() == topic.title
        measures = session.scalars(select(Measure).where(Measure.topic_id == topic.id)
                                   .order_by(Measure.position, Measure.id)).all()
        listed = [(li.get("data-measure"), int(li.get("data-figures")))
                  for li in row.cssselect("li[data-measure]")]
        assert listed == [(m.slug, counts[m.id]) for m in measures]
        total = row.cssselect("td.figures")[0].text_content()
        assert int(total) == sum(counts[m.id] for m in measures)
    assert int(rows[TOPIC].cssselect("td.figures")[0].text_content()) > 0
    assert int(rows["empty"].cssselect("td.figures")[0].text_content()) == 0
    (twin,) = doc.xpath("/html/head/link[@rel='alternate'][@type='application/json']")
    assert urlsplit(twin.get("href")).path == "/api/topics"
    assert {t["slug"] for t in client.get(twin.get("href")).json()} == set(rows)
    assert client.get(f"/topics/{TOPIC}").status_code == 200


def test_sources_index_lists_every_source_with_kind_country_and_count(
        client: TestClient, session: Session) -> None:
    counts = dict(session.execute(
        select(Estimate.source_id, func.count()).where(Estimate.status == Status.ACTIVE)
        .group_by(Estimate.source_id)).all())
    doc = _doc(client, "/sources")
    rows = {tr.get("data-source"): tr for tr in doc.cssselect("table.sources-index tbody tr")}
    sources = session.scalars(select(Source)).all()
    assert set(rows) == {s.slug for s in sources}
    for source in sources:
        row = rows[source.slug]
        (link,) = row.cssselect("th a")
        assert urlsplit(link.get("href")).path == f"/sources/{source.slug}"
        cells = {td.get("data-label"): td.text_content() for td in row.cssselect("td")}
        assert cells["Country"] == (source.country or "—")
        assert cells["Kind"] == SourceKind(source.kind).label
        assert int(cells["Figures"]) == counts.get(source.id, 0)
    (twin,) = doc.xpath("/html/head/link[@rel='alternate'][@type='application/json']")
    assert urlsplit(twin.get("href")).path == "/api/sources"
    assert {s["slug"] for s in client.get(twin.get("href")).json()} == set(rows)


def test_index_pages_have_validators_and_the_breadcrumbs_lead_there(client: TestClient,
                                                                   session: Session) -> None:
    for url in ("/topics", "/sources"):
        first = client.get(url)
        assert first.headers["etag"] and first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    topic_crumb = _doc(client, f"/topics/{TOPIC}").cssselect("nav.crumbs a")[0]
    assert (topic_crumb.text_content(), urlsplit(topic_crumb.get("href")).path) == (
        "Topics", "/topics")
    source_crumb = _doc(client, "/sources/south-korea-nis").cssselect("nav.crumbs a")[0]
    assert (source_crumb.text_content(), urlsplit(source_crumb.get("href")).path) == (
        "Sources", "/sources")
    estimate_id = session.scalar(select(Estimate.id).order_by(Estimate.id))
    estimate_crumb = _doc(client, f"/estimates/{estimate_id}").cssselect("nav.crumbs a")[0]
    assert urlsplit(estimate_crumb.get("href")).path == "/topics"

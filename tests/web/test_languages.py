"""The interface in German and English: how the language is chosen, what a page says about
it (lang, Content-Language, Vary, hreflang), numbers and dates by locale, and caching per
language (README, "Languages")."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import html

from app.config import PROJECT_DIR
from app.web.locale import safe_next

TOPIC = "/topics/north-korean-troops-in-russia"
DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
VNU = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _page(response_text: str) -> html.HtmlElement:
    return html.fromstring(response_text)


@pytest.mark.usefixtures("demo")
def test_accept_language_de_gives_german_topic_page(client: TestClient) -> None:
    r = client.get(TOPIC, headers=DE)
    assert r.status_code == 200
    assert r.headers["content-language"] == "de"
    vary = {v.strip().lower() for v in r.headers["vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary
    page = _page(r.text)
    assert page.get("lang") == "de"
    # Low and high: the third and fourth columns of a table of figures.
    lows = [td.text_content() for td in page.cssselect(
        "table.figures td:nth-child(3), table.figures td:nth-child(4)")]
    assert "10.000" in lows and not any("," in low for low in lows)
    assert page.cssselect("button[type=submit]")[0].text_content().strip() == "Suchen"
    sentence = page.cssselect("p.sentence")[0].text_content()
    assert sentence.startswith(("Die Schätzungen reichen von", "Bisher nur", "Beide", "Alle"))
    # The chart drawn on the page: German key and axis, German number grouping.
    svg_text = " ".join(page.cssselect("svg.range-chart")[0].itertext())
    assert "Anzahl" in svg_text and "Number of" not in svg_text


@pytest.mark.usefixtures("demo")
def test_english_by_default_and_for_english_readers(client: TestClient) -> None:
    for headers in ({}, {"Accept-Language": "en-GB,en;q=0.8"}, {"Accept-Language": "fr"}):
        r = client.get(TOPIC, headers=headers)
        page = _page(r.text)
        assert page.get("lang") == "en"
        assert r.headers["content-language"] == "en"
        assert "10,000" in [td.text_content() for td in page.cssselect(
            "table.figures td:nth-child(3), table.figures td:nth-child(4)")]


@pytest.mark.usefixtures("demo")
def test_switch_sets_a_cookie_that_beats_accept_language(client: TestClient) -> None:
    page = _page(client.get(TOPIC, headers=DE).text)
    switch = page.cssselect("nav.languages a[lang=en]")
    assert switch and switch[0].text_content() == "English"
    r = client.get(switch[0].get("href"), headers=DE, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == TOPIC
    assert "reckon_lang=en" in r.headers["set-cookie"]
    english = client.get(TOPIC, headers=DE)  # the cookie now rides along
    assert _page(english.text).get("lang") == "en"
    assert english.headers["content-language"] == "en"
    assert _page(english.text).cssselect("nav.languages a[lang=de]")[0].text_content() == "Deutsch"
    # And back: the cookie set to German wins over an English Accept-Language.
    client.get("/lang/de", params={"next": TOPIC}, follow_redirects=False)
    assert _page(client.get(TOPIC, headers={"Accept-Language": "en"}).text).get("lang") == "de"


@pytest.mark.usefixtures("demo")
def test_query_overrides_and_hreflang_links(client: TestClient) -> None:
    r = client.get(TOPIC, params={"lang": "de"})
    page = _page(r.text)
    assert page.get("lang") == "de"
    links = {link.get("hreflang"): link.get("href")
             for link in page.cssselect("link[rel=alternate][hreflang]")}
    assert set(links) == {"en", "de", "x-default"}
    assert links["de"].endswith(f"{TOPIC}?lang=de")
    assert links["en"].endswith(f"{TOPIC}?lang=en")
    assert links["x-default"].endswith(TOPIC)
    assert _page(client.get(links["en"]).text).get("lang") == "en"


@pytest.mark.usefixtures("demo")
def test_etag_and_304_are_per_language(client: TestClient) -> None:
    en = client.get(TOPIC)
    de = client.get(TOPIC, headers=DE)
    assert en.headers["etag"] != de.headers["etag"]
    assert client.get(TOPIC, headers={"If-None-Match": en.headers["etag"]}).status_code == 304
    again = client.get(TOPIC, headers={**DE, "If-None-Match": en.headers["etag"]})
    assert again.status_code == 200 and _page(again.text).get("lang") == "de"
    same = client.get(TOPIC, headers={**DE, "If-None-Match": de.headers["etag"]})
    assert same.status_code == 304
    assert same.headers["content-language"] == "de"


@pytest.mark.usefixtures("demo")
def test_json_display_fields_follow_the_language_raw_numbers_stay(client: TestClient) -> None:
    en = client.get("/api/estimates", params={"limit": 50}).json()
    de = client.get("/api/estimates", params={"limit": 50}, headers=DE).json()
    items_en = en["items"] if isinstance(en, dict) else en
    items_de = de["items"] if isinstance(de, dict) else de
    big = next(e for e in items_de if (e["low"] or 0) >= 1000)
    assert isinstance(big["low"], int)
    assert "." in big["figure"] and "," not in big["figure"].split("(")[0]
    twin = next(e for e in items_en if e["id"] == big["id"])
    assert twin["low"] == big["low"] and "," in twin["figure"]


@pytest.mark.usefixtures("demo")
def test_german_404_page(client: TestClient) -> None:
    r = client.get("/topics/no-such-topic", headers=DE)
    assert r.status_code == 404
    page = _page(r.text)
    assert page.get("lang") == "de"
    assert page.cssselect("h1")[0].text_content() == "Nicht gefunden"


@pytest.mark.parametrize("target, expected", [
    ("/topics/x?y=1", "/topics/x?y=1"),
    ("/topics/x?lang=de&y=1", "/topics/x?y=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("\\\\evil.example", "/"),
    ("/x\r\nSet-Cookie: a=b", "/"),
    ("javascript:alert(1)", "/"),
    (None, "/"),
])
def test_the_switch_redirects_only_within_the_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_switch_route_refuses_foreign_targets(client: TestClient) -> None:
    r = client.get("/lang/de", params={"next": "https://evil.example/x"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    unknown = client.get("/lang/xx", params={"next": "/sources"}, follow_redirects=False)
    assert unknown.headers["location"] == "/sources"
    assert "set-cookie" not in unknown.headers


@pytest.mark.usefixtures("demo")
def test_dates_by_locale(client: TestClient) -> None:
    de = " ".join(_page(client.get(TOPIC, headers=DE).text).cssselect("table.estimates")[0]
                  .itertext())
    en = " ".join(_page(client.get(TOPIC).text).cssselect("table.estimates")[0].itertext())
    months_de = re.findall(r"\b(Januar|Februar|März|April|Mai|Juni|Juli|August|September|"
                           r"Oktober|November|Dezember) 20\d\d", de)
    months_en = re.findall(r"\b(January|February|March|April|May|June|July|August|September|"
                           r"October|November|December) 20\d\d", en)
    assert months_de and months_en
    assert not re.search(r"\b(January|February|March|June|July|October|December) 20\d\d", de)


@pytest.mark.usefixtures("demo")
def test_german_pages_are_valid_html(client: TestClient, tmp_path: Path) -> None:
    """The Nu HTML checker on the German topic page and its neighbours (lang="de", the
    language switch, hreflang links): as valid as the English ones."""
    java = shutil.which("java")
    if not (java and VNU.exists()):
        message = "the Nu HTML checker needs java and `npm ci` (vnu-jar)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    for name, path in {"topic": TOPIC, "home": "/", "login": "/login", "changes": "/changes",
                       "sources": "/sources", "not-found": "/topics/gibt-es-nicht"}.items():
        (tmp_path / f"{name}.de.html").write_text(client.get(path, headers=DE).text)
    (tmp_path / "topic.en.html").write_text(client.get(TOPIC, params={"lang": "en"}).text)
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json",
         *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") == "error"]
    assert not problems, "\n".join(problems)

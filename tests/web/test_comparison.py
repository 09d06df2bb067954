"""Like is compared with like, on a messy fictional data set (tests/fixtures/messy.py): read
from the topic page, its SVG and its JSON twin, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml.etree import _Element
from sqlalchemy.orm import Session

from tests.fixtures import messy
from tests.web.parsing import chart, doc, rows, timeline

OSTRAVA = f"/topics/{messy.OSTRAVA}"


@pytest.fixture
def data(session: Session) -> dict[str, str]:
    return messy.load(session)


def _twin(client: TestClient, url: str, measure: str) -> dict[str, Any]:
    page = doc(client, url)
    (link,) = page.cssselect('link[rel="alternate"][type="application/json"]')
    body = client.get(link.get("href")).json()
    return next(m for m in body["measures"] if m["slug"] == measure)


def _sentence(page: _Element, measure: str) -> str:
    (p,) = page.cssselect(f"section#measure-{measure} p.sentence")
    return str(p.text_content())


def _groups(page: _Element, measure: str) -> tuple[list[str], list[str]]:
    drawn = rows(chart(page, measure))
    return ([r["source"] for r in drawn if r["compared"]],
            [r["source"] for r in drawn if not r["compared"]])


@pytest.mark.usefixtures("data")
def test_partial_figures_stand_beside_the_totals_with_their_notes(client: TestClient) -> None:
    page = doc(client, OSTRAVA)
    compared, beside = _groups(page, "deployed")
    assert sorted(compared) == ["meridian-post", "northwind-nia", "valdorian-staff"]
    assert sorted(beside) == ["harbor-institute", "ostravan-mod", "red-lantern-society"]
    notes = {r["source"]: r["note"] for r in rows(chart(page, "deployed")) if not r["compared"]}
    assert notes["red-lantern-society"].endswith("additional troops sent this month, according "
                                                 "to local reports")
    assert notes["harbor-institute"] == "one area only: Lirnia region only"
    assert notes["ostravan-mod"].startswith("announced or planned")
    (heading,) = chart(page, "deployed").cssselect("text.group-heading")
    assert heading.text == "Not comparable with totals"
    sentence = _sentence(page, "deployed")
    assert sentence.startswith("Estimates range from fewer than 5,000 (Valdorian General "
                               "Staff) to 12,000 (Northwind Intelligence Agency)")
    assert "1,000" not in sentence and "20,000" not in sentence
    assert sentence.endswith("3 other figures are shown below, not compared.")
    twin = _twin(client, OSTRAVA, "deployed")
    assert twin["sentence"] == sentence
    assert {e["source"]["slug"]: (e["compared"], e["scope"]) for e in twin["latest"]} == {
        "northwind-nia": (True, "total"), "meridian-post": (True, "total"),
        "valdorian-staff": (True, "total"), "red-lantern-society": (False, "increment"),
        "harbor-institute": (False, "area"), "ostravan-mod": (False, "plan")}


@pytest.mark.usefixtures("data")
def test_the_latest_figure_follows_the_documented_rule(client: TestClient) -> None:
    twin = _twin(client, OSTRAVA, "killed")
    latest = {(e["source"]["slug"], e["scope"]): e for e in twin["latest"]}
    # A figure without as_of but stated recently is newer than an older dated one.
    meridian = latest["meridian-post", "total"]
    assert (meridian["figure"], meridian["as_of"], meridian["dated"]) == (
        "more than 1,100", None, "2025-01-15")
    # On the same day the total is preferred; the region-only figure stands beside it.
    assert latest["harbor-institute", "total"]["figure"] == "about 500"
    assert latest["harbor-institute", "area"]["compared"] is False
    # The ministry's one-week figure is no total, so its January total is the one compared.
    assert latest["ostravan-mod", "total"]["figure"] == "at least 1,000"
    assert latest["ostravan-mod", "period"]["period_start"] == "2024-12-16"


@pytest.mark.usefixtures("data")
def test_broader_disputed_and_uncertain_claims_are_marked(client: TestClient) -> None:
    page = doc(client, OSTRAVA)
    drawn = {r["source"] + ("" if r["compared"] else "/beside"): r
             for r in rows(chart(page, "killed"))}
    assert drawn["kestrel-monitor/beside"]["note"] == (
        "counts more than the measure: killed or missing")
    assert drawn["valdorian-staff/beside"]["note"] == (
        "disputed: contradicted by the staff's own later briefing")
    assert "uncertain" in drawn["harbor-institute"]["date"]
    twin = _twin(client, OSTRAVA, "killed")
    harbor = next(e for e in twin["latest"] if e["source"]["slug"] == "harbor-institute"
                  and e["scope"] == "total")
    assert (harbor["confidence"], harbor["confidence_note"], harbor["compared"]) == (
        "uncertain", "date inferred from the article", True)
    missing = _twin(client, OSTRAVA, "missing")
    requests = next(e for e in missing["latest"] if e["scope"] == "other")
    assert (requests["compared"], requests["scope_note"]) == (
        False, "requests about missing soldiers")


@pytest.mark.usefixtures("data")
def test_open_ends_are_stated_as_bounds_in_the_sentence(client: TestClient) -> None:
    sentence = _sentence(doc(client, OSTRAVA), "killed")
    assert sentence.startswith(
        "Estimates range from 300 (Northwind Intelligence Agency) to more than 1,100 (The "
        "Meridian Post); the highest is at least 3.7 times the lowest.")


@pytest.mark.usefixtures("data")
def test_party_status_belongs_to_the_topic(client: TestClient) -> None:
    ostrava = {r["source"]: r for r in rows(chart(doc(client, OSTRAVA), "killed"))}
    assert "party to the conflict" in ostrava["ostravan-mod"]["kind"]
    corvia = {r["source"]: r for r in rows(chart(doc(client, f"/topics/{messy.CORVIA}"),
                                                  "killed"))}
    assert "party" not in corvia["ostravan-mod"]["kind"]
    assert _twin(client, OSTRAVA, "killed")["latest"][0]["party_to_conflict"] in (True, False)
    parties = {e["source"]["slug"]: e["party_to_conflict"]
               for e in _twin(client, f"/topics/{messy.CORVIA}", "killed")["latest"]}
    assert parties["ostravan-mod"] is False


@pytest.mark.usefixtures("data")
def test_leaving_out_parties_changes_the_comparison_and_the_permalink_keeps_it(
    client: TestClient,
) -> None:
    plain = doc(client, OSTRAVA)
    assert "No single figure is consistent" in _sentence(plain, "deployed")
    assert chart(plain, "deployed").cssselect("rect.gap")
    chosen = doc(client, f"{OSTRAVA}?exclude_parties=1")
    sentence = _sentence(chosen, "deployed")
    assert sentence.startswith("Estimates range from 10,000 (Northwind Intelligence Agency) to "
                               "12,000 (Northwind Intelligence Agency)")
    assert "All sources are consistent with 11,000." in sentence
    svg = chart(chosen, "deployed")
    (band,) = svg.cssselect("rect.overlap")
    assert not svg.cssselect("rect.gap")
    compared, beside = _groups(chosen, "deployed")
    assert "valdorian-staff" in beside and "valdorian-staff" not in compared
    (permalink,) = chosen.cssselect("p.permalink a")
    href = permalink.get("href")
    assert "exclude_parties=1" in href and "recorded=" in href
    assert _sentence(doc(client, href), "deployed") == sentence
    twin = _twin(client, f"{OSTRAVA}?exclude_parties=1", "deployed")
    assert twin["sentence"] == sentence and twin["overlap"] == {"low": 11000, "high": 11000}
    (checkbox,) = chosen.cssselect("input#exclude_parties")
    assert checkbox.get("checked") is not None
    assert band is not None


@pytest.mark.usefixtures("data")
def test_readers_choose_sources_dates_and_partial_figures(client: TestClient) -> None:
    two = doc(client, f"{OSTRAVA}?source=northwind-nia&source=meridian-post")
    assert sorted(r["source"] for r in rows(chart(two, "deployed"))) == [
        "meridian-post", "northwind-nia"]
    recent = doc(client, f"{OSTRAVA}?as_of_from=2025-01-01")
    compared, _ = _groups(recent, "deployed")
    assert compared == ["valdorian-staff"]
    partial = doc(client, f"{OSTRAVA}?include_partial=1")
    compared, beside = _groups(partial, "deployed")
    assert "red-lantern-society" in compared and beside == []
    assert _sentence(partial, "deployed").startswith("Estimates range from 1,000 (Red Lantern")


@pytest.mark.usefixtures("data")
def test_figures_years_apart_are_named_with_their_dates(client: TestClient) -> None:
    sentence = _sentence(doc(client, f"/topics/{messy.CORVIA}"), "killed")
    assert sentence.startswith("Estimates range from 5,937 (Corvia Health Ministry) to "
                               "325,000 (Tallis Observatory); the highest is 55 times")
    assert sentence.endswith("The figures compared are dated from September 2022 to "
                             "December 2025.")


@pytest.mark.usefixtures("data")
def test_a_source_revising_often_is_compared_on_its_latest_and_drawn_over_time(
    client: TestClient,
) -> None:
    page = doc(client, f"/topics/{messy.CORVIA}")
    tallis = [r for r in rows(chart(page, "killed")) if r["source"] == "tallis-observatory"]
    assert [r["value"] for r in tallis] == ["about 325,000"]
    (series,) = timeline(client, page, "killed").cssselect(
        'g.series[data-source="tallis-observatory"]')
    assert len(series.cssselect(".mark")) == 6


@pytest.mark.usefixtures("data")
def test_three_hundred_to_a_million_uses_a_log_scale(client: TestClient) -> None:
    svg = chart(doc(client, f"/topics/{messy.MARROW}"), "displaced")
    assert "logarithmic" in svg.cssselect("text.axis-label")[0].text_content()
    xs = {r["source"]: r["x1"] for r in rows(svg)}
    assert xs["harbor-institute"] < xs["meridian-post"] < xs["kestrel-monitor"]


@pytest.mark.usefixtures("data")
def test_the_home_page_compares_as_the_topic_page_does(client: TestClient) -> None:
    """A card says in words what the topic page says above each chart, with how many
    sources it rests on and the newest of their figures, and links to that chart."""
    home = doc(client, "/")
    (card,) = home.cssselect(f'article.topic-card[aria-labelledby="card-{messy.OSTRAVA}"]')
    (killed,) = [h for h in card.cssselect("div.headline")
                 if h.cssselect("dt a")[0].get("href").endswith("#measure-killed")]
    topic = doc(client, OSTRAVA)
    compared, _ = _groups(topic, "killed")
    sentence = _sentence(topic, "killed")
    facts = killed.cssselect(".headline-facts")[0].text_content()
    # The same sentence, but for its pointer to the figures "shown below" the chart.
    said = re.sub(r" \d+ other figures? (is|are) shown below, not compared\.$", "", sentence)
    assert killed.cssselect("dd")[0].text_content() == f"{said} {facts}"
    twin = _twin(client, OSTRAVA, "killed")["latest"]
    newest = max((e["dated"] or "" for e in twin if e["compared"]), default="")
    assert facts.startswith(f"{len(set(compared))} sources compared, newest ")
    assert newest[:4] in facts  # the year of the newest figure compared
    others = len([e for e in twin if not e["compared"]])
    assert facts.endswith(f"; {others} other figures not compared" if others > 1 else
                          "; 1 other figure not compared" if others else "")
    assert card.cssselect("h2 a")[0].get("href").endswith(OSTRAVA)

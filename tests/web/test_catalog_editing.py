"""Correcting the catalogue — topics, measures, sources, a source's party status per topic —
through the API and the editor forms; every change listed with the estimates' changes; and
readable slugs for names in any script."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree, html
from lxml.etree import _Element
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from app.domain.errors import Conflict
from app.models import CatalogRevision, Measure, Source, Topic, TopicSource
from app.schemas.catalog import TopicPatch
from app.services import catalog, catalog_edits
from tests import factories
from tests.factories import csrf_from, sign_in


@pytest.fixture
def two_topics(session: Session) -> None:
    """Two topics that share a source: "s" (no party by default) has figures in both, "p"
    (a party by default) only in t1."""
    for slug in ("t1", "t2"):
        factories.topic_with_measure(session, slug)
    factories.source(session, "s", "Ministry of Defence")
    factories.source(session, "p", "Party Press", party_to_conflict=True)
    factories.estimate(session, topic="t1", source="s", low=100, high=100)
    factories.estimate(session, topic="t1", source="p", low=300, high=300)
    factories.estimate(session, topic="t2", source="s", low=200, high=200)
    session.commit()


pytestmark = pytest.mark.usefixtures("two_topics")


def _latest_party(client: TestClient, topic: str, source: str) -> bool:
    body = client.get(f"/api/topics/{topic}").json()
    (measure,) = body["measures"]
    (entry,) = [e for e in measure["latest"] if e["source"]["slug"] == source]
    return bool(entry["party_to_conflict"])


def _fresh(session: Session, model: type[Any], slug: str) -> Any:
    session.expire_all()
    return session.scalars(select(model).where(model.slug == slug)).one()


def _revisions(session: Session) -> list[CatalogRevision]:
    session.expire_all()
    return list(session.scalars(select(CatalogRevision).where(CatalogRevision.action == "edit")
                                .order_by(CatalogRevision.id)))


# ---- API -----------------------------------------------------------------------------------

def test_api_patches_with_a_version_field_or_if_match(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    topic = client.patch("/api/topics/t1", headers=auth,
                         json={"version": 1, "title": "Topic One", "comment": "typo"})
    assert topic.status_code == 200
    assert (topic.json()["title"], topic.json()["version"], topic.json()["slug"]) == (
        "Topic One", 2, "t1")
    summary = client.patch("/api/topics/t1", headers={**auth, "If-Match": '"2"'},
                           json={"summary": "Who counts what"})
    assert (summary.status_code, summary.json()["version"]) == (200, 3)
    measure = client.patch("/api/topics/t1/measures/killed", headers={**auth, "If-Match": 'W/"1"'},
                           json={"label": "Killed in action", "unit": "soldiers", "position": 5})
    assert measure.status_code == 200
    assert {k: measure.json()[k] for k in ("slug", "label", "unit", "position", "version")} == {
        "slug": "killed", "label": "Killed in action", "unit": "soldiers", "position": 5,
        "version": 2}
    source = client.patch("/api/sources/s", headers=auth,
                          json={"version": 1, "short_name": "MoD", "kind": "government"})
    assert source.status_code == 200
    assert (source.json()["short_name"], source.json()["kind"], source.json()["slug"],
            source.json()["version"]) == ("MoD", "government", "s", 2)
    assert _fresh(session, Topic, "t1").summary == "Who counts what"
    units = dict(session.execute(select(Topic.slug, Measure.unit).join(Measure)).all())
    assert units == {"t1": "soldiers", "t2": "people"}
    kinds = [(r.entity, r.comment, r.user_id is not None) for r in _revisions(session)]
    assert kinds == [("topic", "typo", True), ("topic", "", True), ("measure", "", True),
                     ("source", "", True)]
    last = _revisions(session)[-1]
    assert (last.before["short_name"], last.after["short_name"]) == ("", "MoD")


def test_a_stale_version_is_409_with_the_current_one_and_changes_nothing(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    assert client.patch("/api/sources/s", headers=auth,
                        json={"version": 1, "name": "MoD"}).status_code == 200
    stale = client.patch("/api/sources/s", headers=auth, json={"version": 1, "name": "Other"})
    assert stale.status_code == 409
    assert stale.json()["detail"]["current_version"] == 2
    stale_header = client.patch("/api/topics/t1/measures/killed",
                                headers={**auth, "If-Match": '"7"'}, json={"label": "X"})
    assert (stale_header.status_code, stale_header.json()["detail"]["current_version"]) == (409, 1)
    assert _fresh(session, Source, "s").name == "MoD"
    assert len(_revisions(session)) == 1
    missing = client.patch("/api/topics/t1", headers=auth, json={"title": "No version"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "version"]
    empty = client.patch("/api/topics/t1", headers=auth, json={"version": 1, "title": " "})
    assert [e["loc"] for e in empty.json()["detail"]] == [["body", "title"]]
    renamed = client.patch("/api/sources/s", headers=auth, json={"version": 2, "slug": "new"})
    assert renamed.status_code == 422  # a slug never changes
    assert _fresh(session, Topic, "t1").title == "Topic t1"


def test_a_save_that_loses_a_race_is_a_conflict_with_the_winning_version(
    session: Session
) -> None:
    catalog.get_topic(session, "t1")  # loaded at version 1 …
    session.execute(text("UPDATE topics SET version = version + 1 WHERE slug = 't1'"))  # … won
    with pytest.raises(Conflict) as lost:
        catalog_edits.update_topic(session, "t1", TopicPatch(title="Mine"), None, version=1)
    assert lost.value.current_version == 2
    assert _fresh(session, Topic, "t1").title == "Topic t1" and _revisions(session) == []


def test_catalogue_writes_need_an_editor(client: TestClient, session: Session) -> None:
    writes = [("PATCH", "/api/topics/t1", {"version": 1, "title": "X"}),
              ("PATCH", "/api/topics/t1/measures/killed", {"version": 1, "label": "X"}),
              ("PATCH", "/api/sources/s", {"version": 1, "name": "X"}),
              ("PUT", "/api/topics/t1/sources/s/party", {"party_to_conflict": True})]
    for method, url, body in writes:
        assert client.request(method, url, json=body).status_code == 401, url
        wrong = client.request(method, url, json=body, headers={"Authorization": "Bearer rk_x"})
        assert wrong.status_code == 401, url
    for url in ("/topics/t1/edit", "/topics/t1/measures/killed/edit", "/sources/s/edit"):
        away = client.get(url, follow_redirects=False)
        assert away.status_code == 303 and away.headers["location"].startswith("/login"), url
    sign_in(client, session)
    forged = client.post("/sources/s/edit", data={"csrf_token": "forged", "version": "1",
                                                  "name": "X", "kind": "other",
                                                  "party_to_conflict": "no"})
    assert forged.status_code == 403
    assert _revisions(session) == []
    assert _fresh(session, Source, "s").name == "Ministry of Defence"


def test_party_status_per_topic_changes_that_topic_only(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    listed = {row["source"]["slug"]: row for row in client.get("/api/topics/t1/sources").json()}
    assert {k: (v["default"], v["own"], v["party_to_conflict"]) for k, v in listed.items()} == {
        "s": (False, None, False), "p": (True, None, True)}
    marked = client.put("/api/topics/t1/sources/s/party", headers=auth,
                        json={"party_to_conflict": True, "comment": "a belligerent here"})
    assert marked.status_code == 200
    assert (marked.json()["own"], marked.json()["party_to_conflict"]) == (True, True)
    assert _latest_party(client, "t1", "s") is True
    assert _latest_party(client, "t2", "s") is False  # the other topic keeps the default
    client.put("/api/topics/t1/sources/p/party", headers=auth, json={"party_to_conflict": False})
    assert _latest_party(client, "t1", "p") is False
    back = client.put("/api/topics/t1/sources/s/party", headers=auth,
                      json={"party_to_conflict": None})
    assert (back.json()["own"], back.json()["party_to_conflict"]) == (None, False)
    assert _latest_party(client, "t1", "s") is False
    session.expire_all()
    assert session.scalars(select(TopicSource.party_to_conflict)).all() == [False]  # p in t1
    comments = [r.comment for r in _revisions(session) if r.entity == "topic_source"]
    assert comments == ["a belligerent here", "", ""]
    assert client.put("/api/topics/t1/sources/nope/party", headers=auth,
                      json={"party_to_conflict": True}).status_code == 404
    assert client.get("/api/topics/nope/sources").status_code == 404


# ---- forms ---------------------------------------------------------------------------------

def _form(client: TestClient, url: str) -> tuple[dict[str, str], _Element]:
    """The values of the form on the page, as a browser would post them."""
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    doc = html.fromstring(response.text)
    (form,) = doc.cssselect("form.catalog-form")
    data = {i.get("name"): i.get("value") or "" for i in form.cssselect("input")}
    data.update({t.get("name"): t.text or "" for t in form.cssselect("textarea")})
    for select_ in form.cssselect("select"):
        chosen = select_.cssselect("option[selected]") or select_.cssselect("option")
        data[select_.get("name")] = chosen[0].get("value")
    return {**data, "action": "save"}, doc


def _messages(doc: _Element) -> dict[str, str]:
    return {e.get("id").removesuffix("-error"): e.text_content()
            for e in doc.cssselect("p.field-error")}


def test_the_topic_form_saves_the_title_and_party_status_in_this_topic(
    client: TestClient, session: Session
) -> None:
    editor = sign_in(client, session)
    data, doc = _form(client, "/topics/t1/edit")
    labels = {lab.get("for"): lab.text_content() for lab in doc.cssselect("label")}
    assert labels["party-s"] == "Ministry of Defence" and labels["party-p"] == "Party Press"
    options = [o.text_content() for o in doc.cssselect("select#party-s option")]
    assert options == ["The source's default (no)", "Party to the conflict", "Not a party"]
    other, _ = _form(client, "/topics/t2/edit")
    assert "party-s" in other and "party-p" not in other  # only sources with figures there
    saved = client.post("/topics/t1/edit", follow_redirects=False, data={
        **data, "title": "Topic One", "party-s": "yes", "comment": "sources agree"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("/topics/t1")
    assert _fresh(session, Topic, "t1").title == "Topic One"
    assert _latest_party(client, "t1", "s") is True
    assert _latest_party(client, "t1", "p") is True  # unchanged: still its default
    edits = _revisions(session)
    assert [(r.entity, r.user_id, r.comment) for r in edits] == [
        ("topic", editor.id, "sources agree"), ("topic_source", editor.id, "sources agree")]
    again, _ = _form(client, "/topics/t1/edit")
    assert (again["party-s"], again["version"]) == ("yes", "2")


def test_a_form_with_mistakes_keeps_every_value_beside_its_message(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    data, _ = _form(client, "/sources/s/edit")
    typed = {**data, "name": "  ", "short_name": "MoD", "url": "javascript:alert(1)",
             "country": "Ukraine", "description": "<b>kept</b>", "comment": "why"}
    response = client.post("/sources/s/edit", data=typed)
    assert response.status_code == 422
    doc = html.fromstring(response.text)
    for name in ("short_name", "url", "country", "comment"):
        assert doc.cssselect(f"input#{name}")[0].get("value") == typed[name], name
    assert doc.cssselect("textarea#description")[0].text == "<b>kept</b>"
    messages = _messages(doc)
    assert set(messages) == {"name", "url"}
    assert messages["name"] == "This cannot be empty."
    assert "http" in messages["url"]
    field = doc.cssselect("p#url-error")[0].getparent()
    assert "has-error" in field.get("class") and field.cssselect("input#url")
    assert doc.cssselect("input#name")[0].get("aria-invalid") == "true"
    assert _fresh(session, Source, "s").short_name == "" and _revisions(session) == []

    data, _ = _form(client, "/topics/t1/measures/killed/edit")
    bad = client.post("/topics/t1/measures/killed/edit",
                      data={**data, "position": "ten", "unit": "", "label": "Killed (KIA)"})
    assert bad.status_code == 422
    doc = html.fromstring(bad.text)
    assert set(_messages(doc)) == {"position", "unit"}
    assert doc.cssselect("input#position")[0].get("value") == "ten"
    assert doc.cssselect("input#label")[0].get("value") == "Killed (KIA)"


def test_the_measure_form_saves_and_returns_to_the_measure(client: TestClient,
                                                           session: Session) -> None:
    sign_in(client, session)
    data, doc = _form(client, "/topics/t1/measures/killed/edit")
    assert {lab.get("for") for lab in doc.cssselect("label")} >= {
        "label", "unit", "description", "position", "comment"}
    saved = client.post("/topics/t1/measures/killed/edit", follow_redirects=False, data={
        **data, "label": "Killed in action", "description": "Confirmed deaths", "position": "3"})
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/topics/t1#measure-killed")
    session.expire_all()
    measure = session.scalars(select(Measure).join(Topic).where(Topic.slug == "t1")).one()
    assert (measure.slug, measure.label, measure.description, measure.position,
            measure.version) == ("killed", "Killed in action", "Confirmed deaths", 3, 2)
    stale = client.post("/topics/t1/measures/killed/edit", data={**data, "unit": "soldiers"})
    assert stale.status_code == 409
    since = html.fromstring(stale.text).cssselect("section[aria-labelledby=since-h] tbody th")
    assert [th.text for th in since] == ["Label", "Definition", "Order"]


def test_an_outdated_save_shows_the_conflict_and_can_apply_on_top(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    first, _ = _form(client, "/sources/s/edit")
    second, _ = _form(client, "/sources/s/edit")
    assert client.post("/sources/s/edit", data={**first, "short_name": "MoD"},
                       follow_redirects=False).status_code == 303
    conflict = client.post("/sources/s/edit", data={
        **second, "name": "Ministry of Defence of Ukraine", "comment": "full name"})
    assert conflict.status_code == 409
    doc = html.fromstring(conflict.text)
    assert doc.cssselect("h1")[0].text == "Someone else changed this source first"

    def rows(section: str) -> dict[str, tuple[str, str]]:
        table = doc.cssselect(f"section[aria-labelledby={section}] table.diff")[0]
        return {r.cssselect("th")[0].text: (r.cssselect("td")[0].text_content(),
                                             r.cssselect("td")[1].text_content())
                for r in table.cssselect("tbody tr")}

    assert rows("since-h") == {"Short name": ("—", "MoD")}
    # The short name was not touched in this form: applying on top keeps the new one.
    assert rows("mine-h") == {"Name": ("Ministry of Defence", "Ministry of Defence of Ukraine")}
    assert _fresh(session, Source, "s").name == "Ministry of Defence"  # nothing written
    forms = {f.cssselect("button")[0].text: f for f in doc.cssselect("form[method=post]")
             if f.cssselect("button[name=action]")}
    further = {i.get("name"): i.get("value") for i in
               forms["Edit my changes further"].cssselect("input")}
    assert further["name"] == "Ministry of Defence of Ukraine" and further["version"] == "2"
    review = client.post("/sources/s/edit", data={**further, "action": "edit"})
    assert review.status_code == 200
    review_doc = html.fromstring(review.text)
    assert review_doc.cssselect("input#name")[0].get("value") == "Ministry of Defence of Ukraine"
    assert review_doc.cssselect("input#short_name")[0].get("value") == "MoD"
    assert review_doc.cssselect("input#comment")[0].get("value") == "full name"
    carried = {i.get("name"): i.get("value") for i in
               forms["Apply my changes on top"].cssselect("input")}
    applied = client.post("/sources/s/edit", data={**carried, "action": "save"},
                          follow_redirects=False)
    assert applied.status_code == 303
    source = _fresh(session, Source, "s")
    assert (source.name, source.short_name, source.version, source.slug) == (
        "Ministry of Defence of Ukraine", "MoD", 3, "s")


def test_a_party_status_changed_meanwhile_is_a_conflict_not_overwritten(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    sign_in(client, session)
    opened, _ = _form(client, "/topics/t1/edit")
    client.put("/api/topics/t1/sources/s/party", headers=auth, json={"party_to_conflict": True})
    # Saving without touching s keeps what the other editor set …
    assert client.post("/topics/t1/edit", data={**opened, "summary": "new"},
                       follow_redirects=False).status_code == 303
    assert _latest_party(client, "t1", "s") is True
    # … and changing it from the outdated value is a conflict.
    stale = client.post("/topics/t1/edit", data={**opened, "version": "2", "party-s": "no"})
    assert stale.status_code == 409
    since = html.fromstring(stale.text).cssselect(
        "section[aria-labelledby=since-h] table.diff tbody tr")
    assert [r.cssselect("th")[0].text for r in since] == ["Party: Ministry of Defence"]
    assert _latest_party(client, "t1", "s") is True


# ---- the list of changes -------------------------------------------------------------------

def test_catalogue_changes_are_listed_with_the_estimates_newest_first(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    client.patch("/api/sources/s", headers=auth, json={"version": 1, "short_name": "NIS"})
    client.put("/api/topics/t1/sources/s/party", headers=auth, json={"party_to_conflict": True})
    created = client.post("/api/estimates", headers=auth, json={
        "topic": "t2", "measure": "killed", "source": "p", "figure": "about 50",
        "citations": [{"publication": "Gazette"}]})
    assert created.status_code == 201
    client.patch("/api/topics/t2", headers=auth, json={"version": 1, "title": "Topic Two"})
    body = client.get("/api/changes", params={"per_page": 4}).json()
    assert body["total"] == 3 + 4  # three estimates in the fixture; creations not listed
    items = body["items"]
    assert [i["kind"] for i in items] == ["topic", "estimate", "topic_source", "source"]
    assert items[3]["summary"] == "Source “Ministry of Defence”: short name set to “NIS”"
    assert items[2]["summary"] == ("Source “Ministry of Defence” in “Topic t1”: marked as a "
                                   "party to the conflict")
    assert items[0]["summary"] == "Topic “Topic Two”: title changed from “Topic t2” to “Topic Two”"
    assert all(items[k][f] is None for k in (0, 2, 3) for f in ("estimate_id", "number",
                                                                "figure"))
    assert (items[3]["source"], items[3]["topic"], items[0]["topic"]) == ("s", None, "t2")
    assert (items[1]["figure"], items[1]["number"], items[1]["source"]) == ("about 50", 1, "p")
    second = client.get("/api/changes", params={"per_page": 4, "page": 2}).json()["items"]
    assert [i["kind"] for i in second] == ["estimate"] * 3
    doc = html.fromstring(client.get("/changes").text)
    rows = doc.cssselect("table.changes tbody tr")
    assert [r.get("class") for r in rows[:4]] == [
        "change-topic", "change-estimate", "change-topic_source", "change-source"]
    source_row = doc.cssselect("tr.change-source")[0]
    link = source_row.cssselect("td a")[0]
    assert link.get("href").endswith("/sources/s") and "short name set" in link.text_content()
    assert source_row.cssselect("td")[2].text_content() == "edit"
    feed = etree.fromstring(client.get("/changes.atom").content)
    titles = [e.text for e in feed.iterfind("{http://www.w3.org/2005/Atom}entry/"
                                            "{http://www.w3.org/2005/Atom}title")]
    assert titles[0] == "edit: Topic “Topic Two”: title changed from “Topic t2” to “Topic Two”"
    assert titles[1].startswith("create: Party Press")


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_the_changes_list_takes_the_same_queries_for_any_page_size(
    client: TestClient, session: Session, auth: dict[str, str], statements: list[str]
) -> None:
    for n in range(12):
        client.patch("/api/sources/s", headers=auth, json={"version": n + 1, "country": f"C{n}"})
        client.patch("/api/topics/t1", headers=auth, json={"version": n + 1, "summary": f"S{n}"})
        factories.estimate(session, topic="t2", source="p", low=n, high=n)
    session.commit()
    sizes = {}
    for per_page in (3, 40):  # each page holds every kind
        statements.clear()
        body = client.get("/api/changes", params={"per_page": per_page}).json()
        assert len(body["items"]) == min(per_page, body["total"])
        sizes[per_page] = len(statements)
    assert {i["kind"] for i in body["items"]} == {"source", "topic", "estimate"}
    assert sizes[3] == sizes[40]


# ---- slugs ---------------------------------------------------------------------------------

def test_names_in_any_script_get_readable_distinct_slugs_through_the_form(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    token = csrf_from(client.get("/estimates/new").text)

    def new_source(name: str) -> Any:
        return client.post("/estimates/new", follow_redirects=False, data={
            "csrf_token": token, "topic": "t1", "measure": "killed", "source": "__new__",
            "new_source_name": name, "new_source_kind": "government", "figure": "about 10",
            "citation-0-publication": "Gazette", "action": "save"})

    missing = new_source("")
    assert missing.status_code == 422
    (message,) = html.fromstring(missing.text).cssselect("p#new_source_name-error")
    assert "has-error" in message.getparent().get("class")  # shown with its field
    for name in ("Міністерство оборони України", "Ministerstvo oborony Ukrainy!",
                 "국가정보원"):
        assert new_source(name).status_code == 303, name
    session.expire_all()
    slugs = dict(session.execute(select(Source.name, Source.slug)).all())
    assert slugs["Міністерство оборони України"] == "ministerstvo-oborony-ukrainy"
    assert slugs["Ministerstvo oborony Ukrainy!"] == "ministerstvo-oborony-ukrainy-2"
    assert slugs["국가정보원"] == "guggajeongboweon"
    page = html.fromstring(client.get("/sources/guggajeongboweon").text)
    assert page.cssselect("h1")[0].text == "국가정보원"


def test_names_in_any_script_get_readable_distinct_slugs_through_the_api(
    client: TestClient, auth: dict[str, str]
) -> None:
    made = [client.post("/api/sources", headers=auth, json={"name": name})
            for name in ("Міністерство оборони України", "Міністерство оборони України",
                         "국가정보원", "🙂")]
    assert [m.status_code for m in made] == [201] * 4
    assert [m.json()["slug"] for m in made] == [
        "ministerstvo-oborony-ukrainy", "ministerstvo-oborony-ukrainy-2", "guggajeongboweon",
        "source"]
    blank = client.post("/api/sources", headers=auth, json={"name": " "})
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "name"]

"""Review before publication, through the app with RECKON_REVIEW=required: an editor's new
estimate, or a change to what readers compare, reaches no reader — no page, feed, chart,
embed, download, index or JSON read — until a second editor approves it; the author cannot
approve their own; the queue lists what waits, oldest first; a sent-back estimate stays
unpublished; a proposal the estimate moved on from cannot be approved blindly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Estimate, Proposal, Revision, User
from app.schemas.catalog import MeasureCreate, TopicCreate
from app.schemas.estimates import EstimateCreate
from app.services import catalog, new_estimates, users
from tests import factories
from tests.web.live import LogLines

TOPIC = "nordkoreanische-truppen"
NIS_QUOTE = "약 1,200명이 사망한 것으로 추정된다"
# The pending figures, written as the sources wrote them; none of these numbers is anywhere
# else in the data, so where they show, the pending figure leaked.
NEW_FIGURE = "zwischen 3.170 und 3.490"
NEW_MARKS = ("3,170", "3170")
EDITED_FIGURE = "etwa 1.450"
EDIT_MARKS = ("1,450", "1450")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(environment="test", database_url=db_url, secret_key="t" * 32,
                    review="required")


@dataclass(frozen=True)
class Editor:
    user: User
    auth: dict[str, str]


@dataclass(frozen=True)
class Desk:
    alice: Editor  # writes
    bob: Editor  # reviews
    published_id: int  # NIS's figure, published before review was switched on


def _editor(session: Session, name: str, role: str = "editor") -> Editor:
    user = users.create_user(session, f"{name.lower()}@example.org", factories.PASSWORD,
                             role=role, display_name=name)
    token = users.create_api_token(session, user)
    session.commit()
    return Editor(user, {"Authorization": f"Bearer {token}"})


@pytest.fixture
def desk(session: Session) -> Desk:
    topic = catalog.create_topic(session, TopicCreate(
        slug=TOPIC, title="Nordkoreanische Truppen in Russland („Kursk“)"))
    catalog.create_measure(session, topic, MeasureCreate(slug="killed", label="Getötete"))
    factories.source(session, "nis", "국가정보원 (NIS)", kind="intelligence",
                     country="South Korea")
    factories.source(session, "sbu", "Служба безпеки України (SBU)", kind="intelligence",
                     country="Ukraine", party_to_conflict=True)
    published = new_estimates.create_estimate(session, EstimateCreate(
        topic=TOPIC, measure="killed", source="nis", figure="about 1,200", as_of="2025-01",
        stated_on="2025-01-13", citations=[{"url": "https://example.org/yonhap/nis",
                                            "publication": "Yonhap", "quote": NIS_QUOTE,
                                            "language": "ko"}]), None)
    session.commit()
    return Desk(_editor(session, "Alice"), _editor(session, "Bob"), published.id)


def _propose_new(client: TestClient, editor: Editor, **values: Any) -> dict[str, Any]:
    body = {"topic": TOPIC, "measure": "killed", "source": "sbu", "figure": NEW_FIGURE,
            "as_of": "2025-02", "claimant": "Кирило Буданов",
            "citations": [{"url": "https://example.org/ukrinform/sbu", "publication":
                           "Укрінформ", "quote": "від 3170 до 3490 загиблих", "language": "uk"}],
            **values}
    response = client.post("/api/estimates", json=body, headers=editor.auth)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _propose_edit(client: TestClient, editor: Editor, estimate_id: int,
                  **values: Any) -> dict[str, Any]:
    current = client.get(f"/api/estimates/{estimate_id}", headers=editor.auth).json()
    response = client.patch(f"/api/estimates/{estimate_id}", headers=editor.auth,
                            json={"version": current["version"], **values})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _approve(client: TestClient, editor: Editor, estimate_id: int) -> Any:
    version = client.get(f"/api/estimates/{estimate_id}", headers=editor.auth).json()["version"]
    return client.post(f"/api/estimates/{estimate_id}/approve", headers=editor.auth,
                       json={"version": version})


def _sign_in(app: FastAPI, user: User) -> TestClient:
    browser = TestClient(app)
    token = factories.csrf_from(browser.get("/login").text)
    response = browser.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                            "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return browser


@pytest.fixture
def browsers(app: FastAPI, desk: Desk) -> Iterator[tuple[TestClient, TestClient]]:
    """Alice and Bob signed in, each in a browser of their own."""
    with _sign_in(app, desk.alice.user) as alice, _sign_in(app, desk.bob.user) as bob:
        yield alice, bob


# ---- every public surface ------------------------------------------------------------------

def _text(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    return response.text


def _topics_index_count(client: TestClient) -> int:
    doc = html.fromstring(_text(client, "/topics"))
    (item,) = doc.cssselect('li[data-measure="killed"]')
    return int(item.get("data-figures"))


def _sources_index_count(client: TestClient) -> int:
    doc = html.fromstring(_text(client, "/sources"))
    (row,) = [tr for tr in doc.cssselect("tr") if "(SBU)" in tr.text_content()]
    return int(row.cssselect("td.figures")[0].text_content())


def _topic_sources(client: TestClient) -> list[str]:
    return [s["source"]["slug"] for s in client.get(f"/api/topics/{TOPIC}/sources").json()]


def _form_data(page: Any) -> dict[str, str]:
    """What the estimate form would send as it stands."""
    form = page.cssselect("form.estimate-form")[0]
    data = {i.get("name"): i.get("value") or "" for i in form.cssselect("input")
            if i.get("name") and (i.get("type") not in ("checkbox", "radio")
                                  or i.get("checked") is not None)}
    for area in form.cssselect("textarea"):
        data[area.get("name")] = area.text_content()
    for chooser in form.cssselect("select"):
        chosen = chooser.cssselect("option[selected]")
        data[chooser.get("name")] = chosen[0].get("value") if chosen else ""
    return {**data, "action": "save"}


# Where readers see figures; each must show the pending ones only once approved.
FIGURE_SURFACES = [
    "/", f"/topics/{TOPIC}", f"/topics/{TOPIC}/measures/killed/figures", "/sources/sbu",
    "/sources/nis", "/changes", "/changes.atom", f"/embed/topics/{TOPIC}/killed",
    f"/embed/topics/{TOPIC}/killed.svg", f"/topics/{TOPIC}/measures/killed/range.svg",
    f"/topics/{TOPIC}/measures/killed/timeline.svg", f"/topics/{TOPIC}/measures/killed.svg",
    f"/topics/{TOPIC}/measures/killed.csv", f"/topics/{TOPIC}/figures.csv",
    f"/topics/{TOPIC}/figures.json", f"/api/topics/{TOPIC}", "/api/estimates",
    f"/api/estimates?topic={TOPIC}&measure=killed", "/api/sources/sbu", "/api/sources/nis",
    "/api/changes",
]


def _shows(text: str, marks: tuple[str, ...]) -> bool:
    return any(mark in text for mark in marks)


@pytest.mark.parametrize("url", FIGURE_SURFACES)
def test_readers_see_pending_figures_nowhere_until_a_second_editor_approves(
        client: TestClient, desk: Desk, url: str) -> None:
    created = _propose_new(client, desk.alice)
    _propose_edit(client, desk.alice, desk.published_id, figure=EDITED_FIGURE)
    assert created["review"] == "pending"
    # The home page states each measure's spread by its extremes and names their sources:
    # the new figure shows there as its source, the top of the spread.
    new_marks = ("(SBU)",) if url == "/" else NEW_MARKS

    before = _text(client, url)
    assert not _shows(before, new_marks), f"{url} shows the pending new estimate"
    assert not _shows(before, EDIT_MARKS), f"{url} shows the pending change"
    if "sbu" not in url:
        assert _shows(before, ("1,200", "1200")), f"{url} lost the published figure"

    assert _approve(client, desk.bob, created["id"]).status_code == 200
    assert _approve(client, desk.bob, desk.published_id).status_code == 200
    after = _text(client, url)
    if "nis" not in url:
        assert _shows(after, new_marks), f"{url} misses the approved new estimate"
    if "sbu" not in url:
        assert _shows(after, EDIT_MARKS), f"{url} misses the approved change"


def test_readers_get_404_for_a_pending_estimate_and_its_history(
        client: TestClient, desk: Desk) -> None:
    created = _propose_new(client, desk.alice)
    eid = created["id"]
    for url in (f"/estimates/{eid}", f"/estimates/{eid}/history", f"/api/estimates/{eid}"):
        assert client.get(url).status_code == 404, url
    # Its author (and any editor) reads it with a token, pending, with what waits.
    mine = client.get(f"/api/estimates/{eid}", headers=desk.alice.auth).json()
    assert mine["review"] == "pending" and mine["proposal"]["kind"] == "new"
    assert mine["proposal"]["author"] == "Alice"
    # A token that is not one is refused, not read as a reader's request.
    assert client.get(f"/api/estimates/{eid}",
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    assert _approve(client, desk.bob, eid).status_code == 200
    for url in (f"/estimates/{eid}", f"/estimates/{eid}/history", f"/api/estimates/{eid}"):
        assert client.get(url).status_code == 200, url


def test_indexes_and_topic_sources_count_only_published_figures(
        client: TestClient, desk: Desk) -> None:
    assert (_topics_index_count(client), _sources_index_count(client)) == (1, 0)
    created = _propose_new(client, desk.alice)
    assert (_topics_index_count(client), _sources_index_count(client)) == (1, 0)
    assert "sbu" not in _topic_sources(client)
    doc = html.fromstring(_text(client, f"/topics/{TOPIC}"))
    assert not doc.cssselect("#source-sbu"), "the reader's source choices list SBU"
    assert _approve(client, desk.bob, created["id"]).status_code == 200
    assert (_topics_index_count(client), _sources_index_count(client)) == (2, 1)
    assert "sbu" in _topic_sources(client)


def test_search_finds_the_catalogue_but_never_a_pending_figure(
        client: TestClient, desk: Desk) -> None:
    created = _propose_new(client, desk.alice)
    for url in ("/?q=SBU", "/api/search?q=SBU", "/?q=Ukraine", "/api/search?q=intelligence"):
        assert not _shows(_text(client, url), NEW_MARKS), url
    found = client.get("/api/search?q=SBU").json()
    assert [s["slug"] for s in found["sources"]] == ["sbu"]  # the catalogue is not reviewed
    assert _approve(client, desk.bob, created["id"]).status_code == 200


# ---- the author, the second editor, the queue ----------------------------------------------

def test_the_author_cannot_approve_their_own(client: TestClient, desk: Desk,
                                             browsers: tuple[TestClient, TestClient]) -> None:
    created = _propose_new(client, desk.alice)
    refused = _approve(client, desk.alice, created["id"])
    assert refused.status_code == 403
    assert "second editor" in refused.json()["detail"]
    # Nor through the page: there is no Approve button for her, and posting one is refused.
    alice, _ = browsers
    page = html.fromstring(_text(alice, f"/estimates/{created['id']}"))
    (panel,) = page.cssselect("section.review-panel")
    assert "You put this forward" in panel.text_content()
    assert not panel.cssselect("form.approve")
    form = {"csrf_token": factories.csrf_from(alice.get("/review").text),
            "version": str(created["version"])}
    posted = alice.post(f"/estimates/{created['id']}/approve", data=form)
    assert posted.status_code == 403 and "second editor" in posted.text
    assert client.get(f"/api/estimates/{created['id']}").status_code == 404


def test_the_queue_lists_what_waits_oldest_first_for_editors_only(
        client: TestClient, session: Session, desk: Desk,
        browsers: tuple[TestClient, TestClient]) -> None:
    first = _propose_new(client, desk.alice)
    _propose_edit(client, desk.bob, desk.published_id, figure=EDITED_FIGURE,
                  comment="NIS revised its count")
    third = _propose_new(client, desk.alice, source="nis", figure="mindestens 2.001",
                         as_of="2025-03")
    queue = client.get("/api/review", headers=desk.bob.auth)
    assert queue.status_code == 200 and queue.headers["cache-control"] == "no-store"
    items = queue.json()["items"]
    assert [(i["estimate_id"], i["kind"], i["author"]) for i in items] == [
        (first["id"], "new", "Alice"), (desk.published_id, "edit", "Bob"),
        (third["id"], "new", "Alice")]
    assert [c["field"] for c in items[1]["changes"]] == ["low", "high"]
    assert (items[1]["changes"][0]["before"], items[1]["changes"][0]["after"]) == (1200, 1450)
    page_two = client.get("/api/review?per_page=2&page=2", headers=desk.bob.auth).json()
    assert page_two["total"] == 3 and [i["estimate_id"] for i in page_two["items"]] == [
        third["id"]]
    # Readers and anonymous API clients have no queue.
    assert client.get("/api/review").status_code == 401
    assert client.get("/review", follow_redirects=False).status_code == 303

    alice, bob = browsers
    response = bob.get("/review")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    doc = html.fromstring(response.text)
    rows = doc.cssselect("table.review-queue tbody tr")
    assert [r.get("id") for r in rows] == [f"waiting-{first['id']}",
                                            f"waiting-{desk.published_id}",
                                            f"waiting-{third['id']}"]
    # Bob may approve Alice's two, not his own.
    assert [bool(r.cssselect("form.approve")) for r in rows] == [True, False, True]
    assert "1,200" in rows[1].text_content() and "1,450" in rows[1].text_content()
    # The editors' navigation counts what waits for each of them.
    for browser, for_them in ((bob, 2), (alice, 1)):
        nav = html.fromstring(browser.get("/").text).cssselect("a.review-link")[0]
        assert " ".join(nav.text_content().split()) == (
            f"Review ({for_them} for you to review, 3 waiting in all)")


def test_approving_from_the_queue_publishes_and_goes_back_to_the_queue(
        client: TestClient, desk: Desk, browsers: tuple[TestClient, TestClient]) -> None:
    created = _propose_new(client, desk.alice)
    _, bob = browsers
    queue = bob.get("/review").text
    (form,) = html.fromstring(queue).cssselect(f"#waiting-{created['id']} form.approve")
    data = {i.get("name"): i.get("value") for i in form.cssselect("input")}
    assert data["return_to"] == "queue"
    log = LogLines()
    done = bob.post(form.get("action"), data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("/review")
    assert "Nothing waits for review" in bob.get("/review").text
    assert client.get(f"/api/estimates/{created['id']}").json()["review"] == "approved"
    events = [e["event"] for e in log.events() if e.get("audit")]
    assert "review_approved" in events and "estimate_changed" in events
    # Without the form's CSRF token nothing is approved.
    other = _propose_new(client, desk.alice, source="nis", figure="2.002", as_of="2025-04")
    refused = bob.post(f"/estimates/{other['id']}/approve",
                       data={"version": str(other["version"])})
    assert refused.status_code == 403
    assert client.get(f"/api/estimates/{other['id']}").status_code == 404


def test_a_pending_edit_keeps_the_published_values_and_shows_editors_the_change(
        client: TestClient, session: Session, desk: Desk,
        browsers: tuple[TestClient, TestClient]) -> None:
    eid = desk.published_id
    answer = _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE,
                           notes="Zahl laut Yonhap vom 13. Januar", comment="NIS revised")
    # The notes apply at once; the figure waits.
    assert (answer["low"], answer["high"], answer["notes"]) == (
        1200, 1200, "Zahl laut Yonhap vom 13. Januar")
    assert answer["proposal"]["kind"] == "edit"
    assert [(c["field"], c["before"], c["after"]) for c in answer["proposal"]["changes"]] == [
        ("low", 1200, 1450), ("high", 1200, 1450)]
    public = client.get(f"/api/estimates/{eid}").json()
    assert (public["low"], public["figure"], public["notes"]) == (
        1200, "about 1,200", "Zahl laut Yonhap vom 13. Januar")
    assert public["proposal"] is None
    assert [r["action"] for r in public["revisions"]] == ["create", "edit"]
    assert "proposed" not in _text(client, f"/estimates/{eid}/history")

    alice, bob = browsers
    page = html.fromstring(_text(bob, f"/estimates/{eid}"))
    assert page.cssselect("h1")[0].text_content().strip().endswith("about 1,200")
    (panel,) = page.cssselect("section.review-panel")
    diff = [[c.text_content().strip() for c in tr.cssselect("th, td")]
            for tr in panel.cssselect("table.diff tbody tr")]
    assert diff == [["Low", "1,200", "1,450"], ["High", "1,200", "1,450"]]
    assert "Alice" in panel.text_content() and "NIS revised" in panel.text_content()
    assert panel.cssselect("form.approve") and panel.cssselect("form.send-back textarea")
    own = html.fromstring(_text(alice, f"/estimates/{eid}"))
    assert own.cssselect("section.review-panel form.withdraw")
    # Her edit form goes on from what she proposed.
    form = html.fromstring(_text(alice, f"/estimates/{eid}/edit"))
    assert form.cssselect("input#figure")[0].get("value") == "about 1,450"
    assert "awaits review" in form.cssselect("p.review-note")[0].text_content()

    approved = _approve(client, desk.bob, eid).json()
    assert (approved["low"], approved["review"], approved["proposal"]) == (1450, "approved",
                                                                           None)
    history = session.scalars(select(Revision).where(Revision.estimate_id == eid)
                              .order_by(Revision.number)).all()
    assert [r.action for r in history] == ["create", "edit", "proposed", "approved"]
    assert [r.after["review"] for r in history[1:]] == ["approved", "pending", "approved"]
    assert approved["version"] == history[-1].number
    assert [r["action"] for r in client.get(f"/api/estimates/{eid}").json()["revisions"]] == [
        "create", "edit", "approved"]


def test_another_editor_cannot_change_what_waits_but_may_fix_the_rest(
        client: TestClient, desk: Desk, browsers: tuple[TestClient, TestClient]) -> None:
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    clash = client.patch(f"/api/estimates/{eid}", headers=desk.bob.auth,
                         json={"version": version, "as_of": "2025-02"})
    assert clash.status_code == 409 and "Alice" in clash.json()["detail"]["msg"]
    fixed = client.patch(f"/api/estimates/{eid}", headers=desk.bob.auth,
                         json={"version": version, "claimant": "NIS, vor dem Parlament"})
    assert fixed.status_code == 200 and fixed.json()["claimant"] == "NIS, vor dem Parlament"
    # Through the form too: nothing typed is lost, the reason is said.
    _, bob = browsers
    data = _form_data(html.fromstring(_text(bob, f"/estimates/{eid}/edit")))
    data["figure"] = "etwa 9.999"
    refused = bob.post(f"/estimates/{eid}/edit", data=data)
    assert refused.status_code == 409
    doc = html.fromstring(refused.text)
    assert "awaits review" in doc.cssselect("div.form-error")[0].text_content()
    assert doc.cssselect("input#figure")[0].get("value") == "etwa 9.999"


def test_sending_back_needs_a_reason_and_the_author_may_resubmit(
        client: TestClient, desk: Desk, browsers: tuple[TestClient, TestClient]) -> None:
    created = _propose_new(client, desk.alice)
    eid = created["id"]
    empty = client.post(f"/api/estimates/{eid}/reject", headers=desk.bob.auth,
                        json={"version": created["version"], "reason": "  "})
    assert empty.status_code == 422
    alice, bob = browsers
    no_reason = bob.post(f"/estimates/{eid}/reject", data={
        "csrf_token": factories.csrf_from(bob.get("/review").text),
        "version": str(created["version"]), "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    reason = "Quelle nennt 3.170 nur als Obergrenze – bitte „bis zu“ prüfen"
    rejected = client.post(f"/api/estimates/{eid}/reject", headers=desk.bob.auth,
                           json={"version": created["version"], "reason": reason})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["review"] == "rejected"
    assert rejected.json()["revisions"][-1]["action"] == "rejected"
    assert rejected.json()["revisions"][-1]["comment"] == reason
    assert client.get(f"/api/estimates/{eid}").status_code == 404
    assert client.get("/api/review", headers=desk.bob.auth).json()["total"] == 0
    page = html.fromstring(_text(alice, f"/estimates/{eid}"))
    assert page.cssselect(".review-sent-back .review-reason")[0].text_content() == reason
    assert "sent back" in page.cssselect("p.review-rejected")[0].text_content()
    # Bob may not rewrite Alice's figure for her; she edits it and it waits again.
    version = rejected.json()["version"]
    assert client.patch(f"/api/estimates/{eid}", headers=desk.bob.auth, json={
        "version": version, "figure": "bis zu 3.490"}).status_code == 403
    again = client.patch(f"/api/estimates/{eid}", headers=desk.alice.auth, json={
        "version": version, "figure": "bis zu 3.490"}).json()
    assert again["review"] == "pending" and again["proposal"]["version"] == again["version"]
    assert (again["low"], again["high"], again["qualifier"]) == (None, 3490, "up_to")
    assert client.get("/api/review", headers=desk.bob.auth).json()["total"] == 1
    assert _approve(client, desk.bob, eid).status_code == 200
    assert client.get(f"/api/estimates/{eid}").json()["figure"] == "up to 3,490"


def test_a_change_sent_back_leaves_the_published_values(client: TestClient,
                                                        desk: Desk) -> None:
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    outdated = client.post(f"/api/estimates/{eid}/reject",
                           headers={**desk.bob.auth, "If-Match": f'"{version - 1}"'},
                           json={"reason": "Yonhap sagt weiterhin 1.200"})
    assert outdated.status_code == 409
    assert outdated.json()["detail"]["current_version"] == version
    sent = client.post(f"/api/estimates/{eid}/reject",
                       headers={**desk.bob.auth, "If-Match": f'"{version}"'},
                       json={"reason": "Yonhap sagt weiterhin 1.200"})
    assert sent.status_code == 200
    body = sent.json()
    assert (body["low"], body["review"], body["proposal"]) == (1200, "approved", None)
    assert body["version"] == version + 1 == body["revisions"][-1]["number"]
    assert body["revisions"][-1]["after"]["review"] == "approved"


def test_a_proposal_the_estimate_moved_on_from_is_not_approved_blindly(
        client: TestClient, desk: Desk, browsers: tuple[TestClient, TestClient]) -> None:
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    # Bob fixes what needs no review; Alice's proposal was made on the older version.
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    assert client.patch(f"/api/estimates/{eid}", headers=desk.bob.auth, json={
        "version": version, "confidence": "disputed",
        "confidence_note": "Die SBU nennt eine höhere Zahl"}).status_code == 200
    stale = _approve(client, desk.bob, eid)
    assert stale.status_code == 409
    detail = stale.json()["detail"]
    assert detail["proposal_version"] == version and detail["current_version"] == version + 1
    assert [c["field"] for c in detail["changed_since"]] == ["confidence", "confidence_note"]
    assert detail["changed_since"][0] == {"field": "confidence", "label": "Confidence",
                                          "then": "reported", "now": "disputed"}
    # The page shows the conflict instead of approving.
    alice, bob = browsers
    page = html.fromstring(_text(bob, f"/estimates/{eid}"))
    assert page.cssselect("section.review-panel.stale")
    form = {"csrf_token": factories.csrf_from(bob.get("/review").text),
            "version": str(version + 1)}
    conflict = bob.post(f"/estimates/{eid}/approve", data=form)
    assert conflict.status_code == 409
    doc = html.fromstring(conflict.text)
    rows = [[c.text_content().strip() for c in tr.cssselect("th, td")]
            for tr in doc.cssselect("section[aria-labelledby=since-h] table.diff tbody tr")]
    assert rows[0] == ["Confidence", "reported", "disputed"]
    assert client.get(f"/api/estimates/{eid}").json()["low"] == 1200
    # Alice saves it again on top of the current version; now it may be approved.
    data = _form_data(html.fromstring(_text(alice, f"/estimates/{eid}/edit")))
    assert (data["figure"], data["confidence"]) == ("about 1,450", "disputed")
    saved = alice.post(f"/estimates/{eid}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    done = _approve(client, desk.bob, eid)
    assert done.status_code == 200, done.text
    assert (done.json()["low"], done.json()["confidence"]) == (1450, "disputed")


def test_the_author_may_withdraw_a_change_and_editing_it_back_withdraws_it(
        client: TestClient, session: Session, desk: Desk) -> None:
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    assert client.post(f"/api/estimates/{eid}/withdraw", headers=desk.bob.auth,
                       json={"version": version}).status_code == 403
    gone = client.post(f"/api/estimates/{eid}/withdraw", headers=desk.alice.auth,
                       json={"version": version})
    assert gone.status_code == 200 and gone.json()["proposal"] is None
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    back = _propose_edit(client, desk.alice, eid, figure="about 1,200")
    assert back["proposal"] is None
    states = session.scalars(select(Proposal.state).where(Proposal.estimate_id == eid)
                             .order_by(Proposal.id)).all()
    assert states == ["withdrawn", "withdrawn"]
    assert client.get("/api/review", headers=desk.bob.auth).json()["total"] == 0


def test_a_revert_cannot_publish_a_proposal_and_waits_for_review_itself(
        client: TestClient, session: Session, desk: Desk) -> None:
    carol = _editor(session, "Carol", role="admin")  # may revert others' changes
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE)
    detail = client.get(f"/api/estimates/{eid}", headers=desk.alice.auth).json()
    proposed = next(r["number"] for r in detail["revisions"] if r["action"] == "proposed")
    refused = client.post(f"/api/estimates/{eid}/revert", headers=desk.alice.auth,
                          json={"revision": proposed, "version": detail["version"]})
    assert refused.status_code == 422 and "never published" in refused.text
    assert _approve(client, desk.bob, eid).status_code == 200
    # Carol takes the change back by reverting to revision 1: that too waits for review.
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    reverted = client.post(f"/api/estimates/{eid}/revert", headers=carol.auth,
                           json={"revision": 1, "version": version})
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["low"] == 1450 and reverted.json()["proposal"]["changes"]
    assert _approve(client, carol, eid).status_code == 403
    assert _approve(client, desk.bob, eid).json()["low"] == 1200


def test_with_review_off_an_estimate_is_published_at_once(
        db_url: str, engine: Any, session: Session, desk: Desk) -> None:
    from app.main import create_app
    from app.web.deps import get_session

    app = create_app(Settings(environment="test", database_url=db_url, secret_key="t" * 32,
                              review="off"), engine=engine)

    def _same_session() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[get_session] = _same_session
    with TestClient(app) as off:
        created = _propose_new(off, desk.alice)
        assert created["review"] == "approved" and created["proposal"] is None
        assert off.get(f"/api/estimates/{created['id']}").status_code == 200
        edited = _propose_edit(off, desk.alice, desk.published_id, figure=EDITED_FIGURE)
        assert (edited["low"], edited["proposal"]) == (1450, None)
        assert off.get("/api/review", headers=desk.bob.auth).json()["total"] == 0
        assert _shows(_text(off, f"/topics/{TOPIC}"), NEW_MARKS + EDIT_MARKS)
    assert session.scalars(select(Estimate.review)).all() == ["approved", "approved"]


def test_the_snapshot_of_every_revision_says_whether_readers_saw_it(
        client: TestClient, session: Session, desk: Desk) -> None:
    created = _propose_new(client, desk.alice)
    _approve(client, desk.bob, created["id"])
    _propose_edit(client, desk.alice, created["id"], figure="etwa 3.300")
    snaps = [json.loads(json.dumps(r.after)) for r in session.scalars(
        select(Revision).where(Revision.estimate_id == created["id"])
        .order_by(Revision.number))]
    assert [(s["review"], s["low"]) for s in snaps] == [
        ("pending", 3170), ("approved", 3170), ("pending", 3300)]


def test_the_review_pages_are_valid_html(client: TestClient, desk: Desk, db_url: str,
                                         browsers: tuple[TestClient, TestClient],
                                         tmp_path: Any) -> None:
    import shutil
    import subprocess

    from tests.web.test_html_valid import VNU

    java = shutil.which("java")
    if not (java and VNU.exists()) or not db_url.startswith("sqlite"):
        pytest.skip("the Nu HTML checker (java, vnu-jar) runs once, on SQLite")
    alice, bob = browsers
    created = _propose_new(client, desk.alice)
    sent_back = _propose_new(client, desk.alice, source="nis", figure="2.003", as_of="2025-05")
    client.post(f"/api/estimates/{sent_back['id']}/reject", headers=desk.bob.auth,
                json={"version": sent_back["version"], "reason": "<b>Quelle?</b> „fehlt“"})
    eid = desk.published_id
    _propose_edit(client, desk.alice, eid, figure=EDITED_FIGURE, comment="<i>neu</i>")
    version = client.get(f"/api/estimates/{eid}").json()["version"]
    client.patch(f"/api/estimates/{eid}", headers=desk.bob.auth,
                 json={"version": version, "notes": "Stand: Januar"})
    token = factories.csrf_from(bob.get("/review").text)
    pages = {
        "queue": bob.get("/review"), "new-for-reviewer": bob.get(f"/estimates/{created['id']}"),
        "change-for-author": alice.get(f"/estimates/{eid}"),
        "change-for-reviewer": bob.get(f"/estimates/{eid}"),
        "sent-back": alice.get(f"/estimates/{sent_back['id']}"),
        "reason-form": bob.get(f"/estimates/{created['id']}/reject?return_to=queue"),
        "reason-missing": bob.post(f"/estimates/{created['id']}/reject", data={
            "csrf_token": token, "version": str(created["version"]), "reason": ""}),
        "stale": bob.post(f"/estimates/{eid}/approve", data={
            "csrf_token": token, "version": str(version + 1)}),
        "edit-form": alice.get(f"/estimates/{eid}/edit"),
        "history": bob.get(f"/estimates/{eid}/history"),
    }
    assert [r.status_code for r in pages.values()] == [200] * 6 + [422, 409, 200, 200]
    for name, response in pages.items():
        assert "<b>" not in response.text and "<i>" not in response.text, name
        (tmp_path / f"{name}.html").write_text(response.text)
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json",
         *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=120, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
                for m in messages if m.get("type") == "error"]
    assert not problems, "\n".join(problems)


def test_a_new_estimate_saved_through_the_form_waits_for_review(
        client: TestClient, desk: Desk, browsers: tuple[TestClient, TestClient]) -> None:
    alice, bob = browsers
    form = html.fromstring(_text(alice, "/estimates/new"))
    assert "second editor approves" in form.cssselect("p.review-note")[0].text_content()
    token = factories.csrf_from(alice.get("/estimates/new").text)
    saved = alice.post("/estimates/new", follow_redirects=False, data={
        "csrf_token": token, "topic": TOPIC, "measure": "killed", "source": "sbu",
        "figure": NEW_FIGURE, "as_of": "2025-02", "scope": "total", "confidence": "reported",
        "citation-0-url": "https://example.org/ukrinform/sbu",
        "citation-0-publication": "Укрінформ", "action": "save"})
    assert saved.status_code == 303, saved.text
    eid = int(saved.headers["location"].rsplit("/", 1)[1])
    page = html.fromstring(_text(alice, f"/estimates/{eid}"))
    assert "awaits review" in page.cssselect("p.review-pending")[0].text_content()
    assert client.get(f"/estimates/{eid}").status_code == 404
    assert not _shows(_text(client, f"/topics/{TOPIC}"), NEW_MARKS)
    # Bob approves it from its page.
    (approve,) = html.fromstring(_text(bob, f"/estimates/{eid}")).cssselect("form.approve")
    data = {i.get("name"): i.get("value") for i in approve.cssselect("input")}
    done = bob.post(approve.get("action"), data=data, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith(f"/estimates/{eid}")
    assert _shows(_text(client, f"/topics/{TOPIC}"), NEW_MARKS)
    assert not html.fromstring(_text(bob, f"/estimates/{eid}")).cssselect(
        "section.review-panel")

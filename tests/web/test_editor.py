"""Editor forms on the real app: add, validate, edit with conflicts, retract, history, revert,
activity, user management — nothing typed is lost, every change leaves a revision."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from fastapi.testclient import TestClient
from lxml import etree, html
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Estimate, LoginSession, Measure, Revision, Source, Topic, User
from tests import factories
from tests.factories import csrf_from, sign_in

TOPIC = "north-korean-troops-in-russia"
pytestmark = pytest.mark.usefixtures("demo")


def _form(client: TestClient, url: str = "/estimates/new") -> tuple[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return csrf_from(response.text), html.fromstring(response.text)


def _new(token: str, **values: str) -> dict[str, str]:
    return {"csrf_token": token, "topic": TOPIC, "measure": "killed", "source": "us-officials",
            "as_of": "2025-03", "stated_on": "2025-03-05", "claimant": "US officials, anonymous",
            "notes": "briefing", "citation-0-url": "https://example.org/brief",
            "citation-0-publication": "Post", "citation-0-quote": "zwischen 1.000 und 3.000",
            "citation-0-language": "de", "action": "save", **values}


def _count(session: Session, model: type = Estimate) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _estimate(session: Session, source: str = "us-officials", measure: str = "casualties"
              ) -> Estimate:
    session.expire_all()
    return session.scalars(select(Estimate).join(Source).join(Measure).where(
        Source.slug == source, Measure.slug == measure).order_by(Estimate.id.desc())).first()


def test_the_topic_page_links_to_a_prefilled_form(client: TestClient, session: Session) -> None:
    assert "Add a killed estimate" not in client.get(f"/topics/{TOPIC}").text  # readers
    sign_in(client, session)
    doc = html.fromstring(client.get(f"/topics/{TOPIC}").text)
    (link,) = [a for a in doc.cssselect("p.editor-actions a")
               if a.text_content() == "Add a killed estimate"]
    _, form = _form(client, link.get("href"))
    assert form.cssselect("select#topic option[selected]")[0].get("value") == TOPIC
    assert form.cssselect("input#measure")[0].get("value") == "killed"


def test_add_an_estimate_from_a_german_figure(client: TestClient, session: Session) -> None:
    editor = sign_in(client, session)
    token, _ = _form(client)
    before = _count(session)
    preview = client.post("/estimates/new",
                          data=_new(token, figure="zwischen 1.000 und 3.000", action="preview"))
    assert preview.status_code == 200
    reading = html.fromstring(preview.text).cssselect("div.reading")[0].text_content()
    assert "low 1,000, high 3,000, between" in reading
    assert _count(session) == before  # a preview saves nothing
    saved = client.post("/estimates/new", data=_new(token, figure="zwischen 1.000 und 3.000"),
                        follow_redirects=False)
    assert saved.status_code == 303
    e = _estimate(session, measure="killed")
    assert (e.low, e.high, e.qualifier, e.claimant) == (1000, 3000, "between",
                                                        "US officials, anonymous")
    assert (e.as_of.isoformat(), e.as_of_precision) == ("2025-03-01", "month")
    assert e.created_by_id == editor.id
    doc = html.fromstring(client.get(f"/topics/{TOPIC}").text)
    (row,) = doc.cssselect('#measure-killed .for-wide g.row[data-source="us-officials"]')
    assert (row.get("data-low"), row.get("data-high")) == ("1000", "3000")
    assert row.cssselect("rect.bar")


def test_a_form_with_mistakes_keeps_every_value_and_says_what_to_do(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    token, _ = _form(client)
    before = _count(session)
    data = _new(token, low="5000", high="3000", **{"citation-0-url": "javascript:alert(1)",
                                                  "as_of": "2025-02-30"})
    response = client.post("/estimates/new", data=data)
    assert response.status_code == 422
    doc = html.fromstring(response.text)
    for name in ("low", "high", "claimant", "stated_on", "citation-0-publication",
                 "citation-0-url", "as_of"):
        assert doc.cssselect(f"input#{name}")[0].get("value") == data[name], name
    assert doc.cssselect("textarea#notes")[0].text == "briefing"
    assert doc.cssselect("textarea#citation-0-quote")[0].text == "zwischen 1.000 und 3.000"
    messages = {e.get("id"): e.text_content() for e in doc.cssselect("p.field-error")}
    assert messages["low-error"] == "The low figure is above the high figure: 5,000 > 3,000."
    assert "http" in messages["citation-0-url-error"]
    assert "not a real date" in messages["as_of-error"]
    assert doc.cssselect("input#low")[0].get("aria-invalid") == "true"
    assert _count(session) == before


@pytest.mark.parametrize(("values", "field", "text"), [
    ({"figure": "abc"}, "figure", "abc"),
    ({"figure": "1-2-3"}, "figure", "1-2-3"),
    ({"figure": "-5"}, "figure", "-5"),
    ({"figure": "5", "low": "5"}, "figure", "not both"),
    ({"figure": "5", "source": ""}, "source", "Choose a source"),
    ({"figure": "5", "topic": "__new__"}, "new_topic_title", "title"),
    ({"figure": "5", "source": "__new__"}, "new_source_name", "name"),
    ({"figure": "5", "citation-0-url": "", "citation-0-publication": ""}, "citation-0-url",
     "URL"),
])
def test_each_mistake_is_reported_beside_its_field(
    client: TestClient, session: Session, values: dict[str, str], field: str, text: str
) -> None:
    sign_in(client, session)
    token, _ = _form(client)
    response = client.post("/estimates/new", data=_new(token, **values))
    assert response.status_code == 422
    (message,) = html.fromstring(response.text).cssselect(f"p#{field}-error")
    assert text in message.text_content()


def test_new_topic_measure_and_source_in_one_form(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    token, _ = _form(client)
    topics, sources = _count(session, Topic), _count(session, Source)
    # A mistake elsewhere in the form creates none of them …
    bad = _new(token, topic="__new__", new_topic_title="Wagner in Africa", measure="deployed",
               source="__new__", new_source_name="All Eyes on Wagner", new_source_kind="ngo",
               new_source_party="on", figure="at least abc")
    assert client.post("/estimates/new", data=bad).status_code == 422
    assert (_count(session, Topic), _count(session, Source)) == (topics, sources)
    # … and the corrected form creates all of them with the estimate.
    good = client.post("/estimates/new", data={**bad, "figure": "mindestens 1.500"},
                       follow_redirects=False)
    assert good.status_code == 303
    e = _estimate(session, source="all-eyes-on-wagner", measure="deployed")
    assert (e.low, e.high, e.qualifier) == (1500, None, "at_least")
    source = session.scalars(select(Source).where(Source.slug == "all-eyes-on-wagner")).one()
    assert (source.kind, source.party_to_conflict) == ("ngo", True)
    assert session.scalars(select(Topic.title).where(Topic.slug == "wagner-in-africa")).one()


def _edit(client: TestClient, eid: int) -> dict[str, str]:
    token, doc = _form(client, f"/estimates/{eid}/edit")
    data = {i.get("name"): i.get("value") or "" for i in doc.cssselect("form.estimate-form input")
            if i.get("name") and i.get("type") != "checkbox"}
    data.update({t.get("name"): t.text or "" for t in doc.cssselect("form.estimate-form textarea")})
    data["csrf_token"] = token
    data["action"] = "save"
    return data


def test_edit_conflict_is_refused_and_nothing_typed_is_lost(
    client: TestClient, session: Session
) -> None:
    sign_in(client, session)
    eid = _estimate(session).id
    first, second = _edit(client, eid), _edit(client, eid)
    assert first["version"] == second["version"] == "1"
    assert first["figure"] == "about 1,200"
    revisions = _count(session, Revision)
    assert client.post(f"/estimates/{eid}/edit", data={**first, "figure": "about 1,300"},
                       follow_redirects=False).status_code == 303
    conflict = client.post(f"/estimates/{eid}/edit",
                           data={**second, "figure": "about 1,500", "notes": "my note"})
    assert conflict.status_code == 409
    doc = html.fromstring(conflict.text)
    assert doc.cssselect("h1")[0].text == "Someone else saved this estimate first"
    since = doc.cssselect("section[aria-labelledby=since-h] table.diff")[0].text_content()
    assert "1,200" in since and "1,300" in since
    mine = doc.cssselect("section[aria-labelledby=mine-h] table.diff")[0].text_content()
    assert "1,500" in mine and "my note" in mine
    carried = {i.get("name"): i.get("value")
               for i in doc.cssselect("form[action$='/edit'] input[type=hidden]")}
    assert carried["figure"] == "about 1,500" and carried["notes"] == "my note"
    assert carried["version"] == "2"
    e = _estimate(session)
    assert (e.low, e.version) == (1300, 2)  # the first save is intact
    assert _count(session, Revision) == revisions + 1
    # "Apply my changes on top" re-posts what was carried, now based on version 2.
    apply_form = next(f for f in doc.cssselect("form") if f.get("action").endswith("/edit"))
    assert apply_form.cssselect("button")[0].text == "Apply my changes on top"
    apply = {i.get("name"): i.get("value") for i in apply_form.cssselect("input")}
    assert client.post(f"/estimates/{eid}/edit", data={**apply, "action": "save"},
                       follow_redirects=False).status_code == 303
    e = _estimate(session)
    assert (e.low, e.notes, e.version) == (1500, "my note", 3)


def test_retract_needs_a_reason_and_restore_brings_it_back(client: TestClient,
                                                          session: Session) -> None:
    sign_in(client, session)
    e = _estimate(session, source="volodymyr-zelensky")
    token, _ = _form(client, f"/estimates/{e.id}/retract")
    missing = client.post(f"/estimates/{e.id}/retract", data={"csrf_token": token,
                                                              "version": "1", "reason": " "})
    assert missing.status_code == 422
    assert html.fromstring(missing.text).cssselect("p#reason-error")
    assert client.post(f"/estimates/{e.id}/retract", data={
        "csrf_token": token, "version": "1", "reason": "misquoted"},
        follow_redirects=False).status_code == 303
    page = html.fromstring(client.get(f"/estimates/{e.id}").text)
    assert page.cssselect("h1 s") and "retracted" in page.cssselect("p.retracted-note")[0].text
    chart = html.fromstring(client.get(f"/topics/{TOPIC}").text)
    assert not chart.cssselect('#measure-casualties g.row[data-source="volodymyr-zelensky"]')
    stale = client.post(f"/estimates/{e.id}/restore", data={
        "csrf_token": token, "version": "1", "reason": "confirmed"})
    assert stale.status_code == 409 and "confirmed" in stale.text  # the reason is kept
    assert client.post(f"/estimates/{e.id}/restore", data={
        "csrf_token": token, "version": "2", "reason": "confirmed"},
        follow_redirects=False).status_code == 303
    assert _estimate(session, source="volodymyr-zelensky").status == "active"


def test_history_shows_diffs_and_revert_adds_a_revision(client: TestClient,
                                                         session: Session) -> None:
    sign_in(client, session)
    eid = _estimate(session).id
    data = _edit(client, eid)
    client.post(f"/estimates/{eid}/edit", data={**data, "figure": "2,000", "comment": "typo"})
    doc = html.fromstring(client.get(f"/estimates/{eid}/history").text)
    revisions = doc.cssselect("li.revision")
    assert [r.get("id") for r in revisions] == ["revision-2", "revision-1"]
    diff = revisions[0].cssselect("table.diff")[0]
    rows = {r.cssselect("th")[0].text: (r.cssselect("td")[0].text_content(),
                                         r.cssselect("td")[1].text_content())
            for r in diff.cssselect("tbody tr")}
    assert rows["Low"] == ("1,200", "2,000") and rows["Qualifier"] == ("about", "exact")
    assert "typo" in revisions[0].cssselect("p.meta")[0].text_content()
    (revert,) = revisions[1].cssselect("form.revert")
    fields = {i.get("name"): i.get("value") or "" for i in revert.cssselect("input")}
    assert client.post(f"/estimates/{eid}/revert", data={**fields, "comment": "back"},
                       follow_redirects=False).status_code == 303
    e = _estimate(session)
    assert (e.low, e.qualifier, e.version) == (1200, "about", 3)
    last = session.scalars(select(Revision).where(Revision.estimate_id == eid)
                           .order_by(Revision.number.desc())).first()
    assert (last.number, last.action, last.comment) == (3, "revert", "back")


def test_editors_may_not_revert_others_changes_but_admins_may(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    eid = _estimate(session).id
    changed = client.patch(f"/api/estimates/{eid}", headers=auth,
                           json={"version": 1, "low": 1500, "high": 1500})
    assert changed.status_code == 200
    sign_in(client, session)
    token, _ = _form(client, f"/estimates/{eid}/history")
    refused = client.post(f"/estimates/{eid}/revert",
                          data={"csrf_token": token, "revision": "1", "version": "2"})
    assert refused.status_code == 403 and _estimate(session).low == 1500
    admin = factories.api_token(session, role="admin")
    reverted = client.post(f"/api/estimates/{eid}/revert",
                           headers={"Authorization": f"Bearer {admin}"},
                           json={"revision": 1, "version": 2})
    assert reverted.status_code == 200
    assert (reverted.json()["low"], reverted.json()["revisions"][-1]["action"]) == (1200,
                                                                                   "revert")


class Walked(NamedTuple):
    method: str
    path: str
    name: str


def _routes(routes: list[Any], prefix: str = "") -> list[Walked]:
    """Every route with its full path, walking included routers and their prefixes."""
    flat = []
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            flat.extend(_routes(route.original_router.routes,
                                prefix + route.include_context.prefix))
        elif hasattr(route, "methods"):
            flat.extend(Walked(m, prefix + route.path, route.name) for m in route.methods)
    return flat


def test_revisions_cannot_be_changed_through_the_app(client: TestClient) -> None:
    routes = {(r.method, r.path) for r in _routes(client.app.routes)}  # type: ignore[attr-defined]
    assert ("PATCH", "/api/estimates/{estimate_id}") in routes  # the walk sees every route
    assert not any("revision" in path and m in ("PUT", "PATCH", "DELETE") for m, path in routes)
    assert not any(m == "DELETE" for m, _ in routes)


def test_changes_page_and_atom_feed(client: TestClient, session: Session,
                                   auth: dict[str, str]) -> None:
    eid = _estimate(session).id
    client.post(f"/api/estimates/{eid}/retract", headers=auth,
                json={"version": 1, "reason": "<b>dup</b>"})
    doc = html.fromstring(client.get("/changes").text)
    first = doc.cssselect("table.changes tbody tr")[0]
    cells = [td.text_content() for td in first.cssselect("td")]
    assert cells[2] == "retract" and cells[4] == "<b>dup</b>" and cells[1].startswith("editor")
    assert len(doc.cssselect("table.changes tbody tr")) == 7
    assert client.get("/api/changes", params={"per_page": 2}).json()["total"] == 7
    feed = client.get("/changes.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 7
    assert entries[0].find("a:title", ns).text.startswith("retract: US officials")


def test_changes_are_paginated(client: TestClient, session: Session) -> None:
    for n in range(55):
        factories.estimate(session, topic=TOPIC, source="us-officials", measure="killed",
                           low=n + 1, high=n + 1)
    session.commit()
    page1 = html.fromstring(client.get("/changes").text)
    page2 = html.fromstring(client.get("/changes?page=2").text)
    assert len(page1.cssselect("table.changes tbody tr")) == 50
    assert len(page2.cssselect("table.changes tbody tr")) == 11
    assert page1.cssselect("a[rel=next]") and page2.cssselect("a[rel=prev]")


def test_admin_adds_disables_and_promotes_users(client: TestClient, session: Session) -> None:
    admin = sign_in(client, session, role="admin")
    token, _ = _form(client, "/admin/users")
    weak = client.post("/admin/users", data={"csrf_token": token, "email": "new@example.org",
                                             "display_name": "New", "role": "editor",
                                             "password": "short"})
    assert weak.status_code == 422
    doc = html.fromstring(weak.text)
    assert doc.cssselect("input#email")[0].get("value") == "new@example.org"
    assert "too weak" in doc.cssselect("p#password-error")[0].text
    assert client.post("/admin/users", data={
        "csrf_token": token, "email": "new@example.org", "display_name": "New",
        "role": "editor", "password": factories.PASSWORD}, follow_redirects=False
    ).status_code == 303
    new = session.scalars(select(User).where(User.email == "new@example.org")).one()
    with TestClient(client.app) as other:  # type: ignore[arg-type]
        other_token = csrf_from(other.get("/login").text)
        other.post("/login", data={"email": new.email, "password": factories.PASSWORD,
                                   "csrf_token": other_token})
        assert other.get("/estimates/new", follow_redirects=False).status_code == 200
        for action in ("make_admin", "disable"):
            client.post(f"/admin/users/{new.id}", data={"csrf_token": token, "action": action})
        session.expire_all()
        assert (new.role, new.active) == ("admin", False)
        assert not session.scalars(select(LoginSession).where(LoginSession.user_id == new.id)
                                   ).first()
        assert other.get("/estimates/new", follow_redirects=False).status_code == 303
    refused = client.post(f"/admin/users/{admin.id}", data={"csrf_token": token,
                                                            "action": "disable"})
    assert refused.status_code == 422 and "yourself" in refused.text


def test_stored_markup_stays_text_in_forms_history_and_feed(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    payload = '"><svg onload=alert(1)><script>alert(1)</script>'
    created = client.post("/api/estimates", headers=auth, json={
        "topic": TOPIC, "measure": "killed", "source": "us-officials", "figure": "700",
        "claimant": payload, "notes": payload, "comment": payload,
        "citations": [{"url": "https://example.org", "publication": payload, "quote": payload}]})
    assert created.status_code == 201
    eid = created.json()["id"]
    bad_url = client.post("/api/estimates", headers=auth, json={
        "topic": TOPIC, "measure": "killed", "source": "us-officials", "figure": "700",
        "citations": [{"url": "javascript:alert(1)"}]})
    assert bad_url.status_code == 422
    sign_in(client, session)
    for url in (f"/estimates/{eid}", f"/estimates/{eid}/edit", f"/estimates/{eid}/history",
                "/changes", f"/topics/{TOPIC}"):
        doc = html.fromstring(client.get(url).text)
        # Only the JSON-LD data block (topic and estimate pages), with no markup in its text.
        assert not doc.xpath("//script[not(@type='application/ld+json')] | //svg[@onload] "
                             "| //*[@onload]"), url
        assert all("<" not in (block.text or "") for block in doc.xpath("//script")), url
        assert payload in doc.text_content() or any(
            payload == i.get("value") for i in doc.cssselect("input")), url
    feed = client.get("/changes.atom").text
    assert "<script>" not in feed and "&lt;script&gt;" in feed


def test_route_names_are_unique(client: TestClient) -> None:
    # url_for picks the first route of a name: a page and an API route sharing one would send
    # a form to the API (which wants a bearer token).
    paths: dict[str, set[str]] = {}
    for route in _routes(client.app.routes):  # type: ignore[attr-defined]
        paths.setdefault(route.name, set()).add(route.path)
    assert {"retract_page", "retract_estimate", "estimate_page"} <= paths.keys()
    assert {name: p for name, p in paths.items() if len(p) > 1} == {}


def test_estimate_page_actions_lead_to_the_page_forms(client: TestClient,
                                                      session: Session) -> None:
    sign_in(client, session)
    eid = _estimate(session).id
    doc = html.fromstring(client.get(f"/estimates/{eid}").text)
    links = {a.text_content(): a.get("href") for a in doc.cssselect("p.editor-actions a")}
    assert links["Retract"].endswith(f"/estimates/{eid}/retract")
    assert "/api/" not in "".join(links.values())
    retract = html.fromstring(client.get(links["Retract"]).text)
    assert retract.cssselect("form.narrow")[0].get("action").endswith(f"/estimates/{eid}/retract")

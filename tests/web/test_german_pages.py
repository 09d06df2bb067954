"""A German page says nothing in English: its visible text (data — topic titles, source
names, quotes, notes, addresses, numbers — taken out) holds no word that only the English
side of the catalog uses. A text shown without `_()` is caught here, as its English words
are not German words of the catalog."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR, Settings
from app.models import Citation, Estimate, Measure, Source, Topic
from app.services import users
from tests import factories
from tests.factories import csrf_from

PO = PROJECT_DIR / "app" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
DE = {"Accept-Language": "de-DE"}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
# Words both languages write the same way (names of things, abbreviations) besides those the
# German catalog uses itself.
# Review is on for the editor pages' test, so the queue has something in it.
@pytest.fixture
def settings(db_url: str, request: pytest.FixtureRequest) -> Settings:
    review = "required" if "editor_pages" in request.node.name else "off"
    return Settings(environment="test", database_url=db_url, secret_key="t" * 32,
                    review=review)


SHARED = {"reckon", "api", "json", "csv", "svg", "png", "utc", "ngo", "iframe", "atom", "sha",
          "hash", "english", "deutsch"}


def _words(texts: Iterable[str]) -> set[str]:
    return {w.lower() for t in texts for w in WORD.findall(PLACEHOLDER.sub(" ", t))}


def english_only_words() -> set[str]:
    """Words of English msgids that no German translation uses."""
    with PO.open("rb") as f:
        catalog = read_po(f, locale="de")
    english: list[str] = []
    german: list[str] = []
    for m in catalog:
        if not m.id:
            continue
        english.extend(m.id if isinstance(m.id, tuple) else [m.id])
        german.extend(m.string if isinstance(m.string, tuple) else [m.string])
    return _words(english) - _words(german) - SHARED


def _data(session: Session) -> list[str]:
    """Every text an editor typed: shown as typed, in whatever language it was written."""
    texts: list[str] = []
    for model, columns in (
        (Topic, ("title", "summary", "slug")),
        (Measure, ("label", "description", "slug")),
        (Source, ("name", "short_name", "country", "description", "url", "slug")),
        (Estimate, ("claimant", "notes", "scope_note", "confidence_note")),
        (Citation, ("url", "publication", "title", "quote", "quote_translation")),
    ):
        for row in session.scalars(select(model)):
            texts.extend(str(getattr(row, c)) for c in columns if getattr(row, c, None))
    return sorted(texts, key=len, reverse=True)


def visible_text(page: str, data: list[str]) -> str:
    tree = html.fromstring(page)
    for bad in tree.xpath("//script|//style|//blockquote|//code|//textarea"):
        bad.drop_tree()
    parts = [" ".join(tree.xpath("//text()"))]
    parts += tree.xpath("//@alt|//@title|//@aria-label|//@placeholder|"
                        "//meta[@name='description']/@content|"
                        "//meta[@property='og:description' or @property='og:image:alt']/@content")
    text = " ".join(parts)
    for item in data:
        text = text.replace(item, " ")
    # Addresses are no words; nor ISO moments (a permalink's ?recorded=…), nor hashes
    # (hex digits: "3dd5…" holds the "dd" of "YYYY-MM-DD").
    return re.sub(r"\S*https?://\S*|\S*\?recorded=\S*|\w+…|\b[0-9a-f]{7,}\b", " ", text)


def leftover_english(page: str, data: list[str], english: set[str]) -> set[str]:
    """English words on the page that are not words of the data either (a chart may cut or
    wrap a name or a note, so data is also taken out word by word)."""
    return {w for w in _words([visible_text(page, data)]) if w in english} - _words(data)


def test_the_check_catches_a_forgotten_translation() -> None:
    english = english_only_words()
    page = "<html><body><p>Noch keine Themen.</p><button>Sign in</button></body></html>"
    assert leftover_english(page, [], english) == {"sign"}
    assert leftover_english("<p title='Back to all topics'>Zurück</p>", [], english) >= {
        "back"}


@pytest.mark.usefixtures("demo")
def test_german_reader_pages_have_no_english_words(client: TestClient,
                                                   session: Session) -> None:
    english = english_only_words()
    data = _data(session)
    estimate = session.scalars(select(Estimate).order_by(Estimate.id)).first()
    assert estimate is not None
    topic = "north-korean-troops-in-russia"
    measure = session.get(Measure, estimate.measure_id).slug  # type: ignore[union-attr]
    source = session.get(Source, estimate.source_id).slug  # type: ignore[union-attr]
    paths = ["/", "/?q=korea", "/topics", "/sources", f"/topics/{topic}",
             f"/topics/{topic}/measures/{measure}/figures", f"/sources/{source}",
             f"/estimates/{estimate.id}", f"/estimates/{estimate.id}/history", "/changes",
             "/login", "/topics/gibt-es-nicht"]
    found = {}
    for path in paths:
        r = client.get(path, headers=DE)
        assert r.status_code in (200, 404), path
        assert html.fromstring(r.text).get("lang") == "de"
        left = leftover_english(r.text, data, english)
        if left:
            found[path] = sorted(left)
    assert not found, f"English words on German pages: {found}"


def _extract_fields(page: str) -> dict[str, str]:
    """The extract form's fields as a browser sends them (ticked boxes only)."""
    (form,) = html.fromstring(page).xpath("//form[contains(@class, 'extract-form')]")
    values: dict[str, str] = {}
    for el in form.xpath(".//input | .//textarea | .//select"):
        name = el.get("name")
        if not name or (el.get("type") == "checkbox" and el.get("checked") is None):
            continue
        if el.tag == "select":
            chosen = el.xpath("./option[@selected]") or el.xpath("./option")
            values[name] = chosen[0].get("value") if chosen else ""
        else:
            values[name] = (el.text or "") if el.tag == "textarea" else (el.get("value") or "")
    return values


@pytest.mark.usefixtures("demo")
def test_german_editor_pages_have_no_english_words(client: TestClient,
                                                   session: Session) -> None:
    english = english_only_words()
    topic = "north-korean-troops-in-russia"
    admin = factories.sign_in(client, session, role="admin")
    # Another editor's proposal waits in the queue, for the admin to review.
    writer = factories.user(session, email="writer@example.org")
    token = users.create_api_token(session, writer)
    session.commit()
    proposed = client.post("/api/estimates", headers={"Authorization": f"Bearer {token}"},
                           json={"topic": topic, "measure": "killed", "source": "us-officials",
                                 "figure": "between 3,170 and 3,490", "as_of": "2025-02",
                                 "citations": [{"url": "https://example.org/p",
                                                "publication": "Example"}]})
    assert proposed.status_code == 201, proposed.text
    estimate = session.scalars(select(Estimate).order_by(Estimate.id)).first()
    assert estimate is not None
    measure = session.get(Measure, estimate.measure_id).slug  # type: ignore[union-attr]
    source = session.get(Source, estimate.source_id).slug  # type: ignore[union-attr]
    # A token, so the token list has a row.
    users.create_api_token(session, admin, name="Datenimport")
    session.commit()

    pages: dict[str, str] = {}
    for path in ["/estimates/new", f"/estimates/{estimate.id}/edit", "/review",
                 f"/estimates/{estimate.id}/retract", f"/estimates/{proposed.json()['id']}/reject",
                 "/editor/captures", "/editor/captures/failed", "/account",
                 "/account/password", "/account/tokens", "/admin/users", f"/topics/{topic}/edit",
                 f"/topics/{topic}/measures/{measure}/edit", f"/sources/{source}/edit",
                 f"/extract?topic={topic}", "/estimates/999999/edit"]:
        r = client.get(path, headers=DE)
        assert r.status_code in (200, 404), (path, r.status_code)
        pages[path] = r.text
    assert "Approve" not in pages["/review"] and "Freigeben" in pages["/review"]

    # The estimate form sent back with a mistake beside each field.
    form = html.fromstring(pages["/estimates/new"])
    assert form.get("lang") == "de"
    wrong = client.post("/estimates/new", headers=DE, data={
        "csrf_token": csrf_from(pages["/estimates/new"]), "topic": "", "measure": "",
        "source": "", "figure": "", "low": "5.000", "high": "3.000", "as_of": "2025-13",
        "scope": "increment", "confidence": "disputed", "citation-0-url": "ftp://x",
        "action": "save"})
    assert wrong.status_code == 422
    errors = html.fromstring(wrong.text).cssselect("p.field-error")
    assert len(errors) >= 6
    assert "Die Untergrenze liegt über der Obergrenze: 5.000 > 3.000." in [
        e.text_content() for e in errors]
    pages["POST /estimates/new"] = wrong.text
    # The preview of a figure the parser reads.
    preview = client.post("/estimates/new", headers=DE, data={
        "csrf_token": csrf_from(pages["/estimates/new"]), "topic": topic, "measure": "killed",
        "source": "us-officials", "figure": "knapp 600.000", "action": "preview"})
    pages["preview"] = preview.text
    # The article page with the demo article's candidates.
    start = client.get(f"/extract?topic={topic}&demo=1", headers=DE)
    read = client.post("/extract", headers=DE,
                       data={**_extract_fields(start.text), "action": "read"})
    assert read.status_code == 200
    assert len(html.fromstring(read.text).cssselect("fieldset.candidate")) >= 5
    pages["POST /extract"] = read.text
    # Token form with a mistake, and admin's user form with one.
    pages["POST /account/tokens"] = client.post("/account/tokens", headers=DE, data={
        "csrf_token": csrf_from(pages["/account/tokens"]), "name": "",
        "expires_in_days": "x"}).text
    pages["POST /admin/users"] = client.post("/admin/users", headers=DE, data={
        "csrf_token": csrf_from(pages["/admin/users"]), "email": "nobody",
        "display_name": "", "role": "editor", "password": "password1"}).text

    data = [*_data(session), "The Telegraph", "writer@example.org", "Datenimport",
            admin.email, admin.display_name, writer.display_name, "Example", "nobody"]
    found = {}
    for path, page in pages.items():
        assert html.fromstring(page).get("lang") == "de", path
        left = leftover_english(page, data, english)
        if left:
            found[path] = sorted(left)
    assert not found, f"English words on German editor pages: {found}"
